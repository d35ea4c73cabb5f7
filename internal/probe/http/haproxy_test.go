package http

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// throughHAProxy starts httpd behind a real haproxy in HTTP mode and runs two
// probes into one ledger: 10 keep-alive connections with short requests and
// 3 connections carrying streams of streamChunks x 50ms. It returns once every
// connection is up and every stream has started.
type haproxyRun struct {
	proxy         *testsupport.HAProxy
	short, stream *Probe
	l             *ledger.Ledger
	cancel        context.CancelFunc
	done          []<-chan error
}

func startThroughHAProxy(t *testing.T, streamChunks int) *haproxyRun {
	t.Helper()
	srv := testsupport.StartHTTPD(t, []string{"POD_NAME=pod-behind-haproxy"})
	px := testsupport.StartHAProxy(t, testsupport.HAProxyHTTP, srv.Addr)
	url := "http://" + px.Addr + "/"

	shortCfg := DefaultConfig(url, 30*time.Second)
	shortCfg.Connections, shortCfg.Interval = 10, 50*time.Millisecond
	streamCfg := DefaultConfig(url, 30*time.Second)
	streamCfg.Connections, streamCfg.Interval = 3, 50*time.Millisecond
	streamCfg.Stream, streamCfg.StreamChunks = true, streamChunks

	r := &haproxyRun{proxy: px, short: mustNew(t, shortCfg), stream: mustNew(t, streamCfg), l: ledger.New()}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	t.Cleanup(cancel)
	r.done = append(r.done, started(ctx, t, r.short, r.l), started(ctx, t, r.stream, r.l))
	testsupport.Eventually(t, 10*time.Second, "10 keep-alive connections with requests done, 3 live streams", func() bool {
		return r.short.Stats().Open.Load() == 10 && r.short.Stats().Requests.Load() >= 30 &&
			r.stream.Responding() == 3
	})
	return r
}

// finish waits for haproxy to exit and both probes to have nothing open,
// then ends the run and returns the ledger's events.
func (r *haproxyRun) finish(t *testing.T) []ledger.Event {
	t.Helper()
	select {
	case <-r.proxy.Done():
	case <-time.After(15 * time.Second):
		t.Fatalf("haproxy did not exit:\n%s", r.proxy.Output())
	}
	testsupport.Eventually(t, 10*time.Second, "every probe connection to end", func() bool {
		return r.short.Stats().Open.Load() == 0 && r.stream.Stats().Open.Load() == 0
	})
	r.cancel()
	for _, d := range r.done {
		testsupport.WaitProbe(t, d, 10*time.Second)
	}
	return r.l.Events()
}

// Soft stop: haproxy stops listening and lets live connections finish. The
// streams in flight complete, every request is answered 200, nothing drops;
// re-dials after the listener closed are dial failures, counted apart.
func TestHAProxySoftStopNoDrops(t *testing.T) {
	r := startThroughHAProxy(t, 30) // 1.5 s streams
	stop := time.Now()
	if err := r.proxy.SoftStop(); err != nil {
		t.Fatal(err)
	}
	events := r.finish(t)
	ends := map[string]int{}
	for _, e := range lifecycle(t, events) {
		ends[string(e.Kind)+"/"+e.Detail["how"]]++
	}

	local := map[string]string{}
	spanningStop := 0
	for _, e := range events {
		switch e.Kind {
		case ledger.Established:
			local[e.Conn] = e.Detail["local"]
		case ledger.Drop:
			t.Errorf("drop on soft stop: %s cause=%s error=%q", e.Conn, e.Cause, e.Error)
		case ledger.Request:
			if e.Code != 200 || e.Error != "" {
				t.Errorf("request on %s: code %d error %q", e.Conn, e.Code, e.Error)
			}
			if e.Detail["pod"] != "pod-behind-haproxy" || e.Peer == "" || e.Peer == local[e.Conn] {
				t.Errorf("request on %s: peer %q pod %q; want haproxy's own address, not ours (%s)", e.Conn, e.Peer, e.Detail["pod"], local[e.Conn])
			}
			if strings.HasPrefix(e.Conn, "http-stream-") && e.Time.Before(stop) && e.Time.Add(e.Latency).After(stop) {
				spanningStop++
			}
		case ledger.DialFailure:
			if e.Time.Before(stop) {
				t.Errorf("dial failure before the stop: %+v", e)
			}
		}
	}
	if t.Failed() {
		t.Logf("events:\n%s\nhaproxy:\n%s", dump(events), r.proxy.Output())
	}
	if spanningStop != 3 {
		t.Fatalf("%d complete streams spanned the soft stop, want all 3 that were live", spanningStop)
	}
	t.Logf("soft stop: %d requests, %d dial failures after the stop (not drops), connection ends %v",
		count(events, kind(ledger.Request)), count(events, kind(ledger.DialFailure)), ends)
}

// Hard stop: haproxy exits at once. Every live stream is a drop, seen after
// the stop, as a truncated response.
func TestHAProxyHardStopDropsStreams(t *testing.T) {
	r := startThroughHAProxy(t, 1000) // 50 s streams: certainly live at the stop
	stop := time.Now()
	if err := r.proxy.HardStop(); err != nil {
		t.Fatal(err)
	}
	events := r.finish(t)
	lifecycle(t, events)
	streamDrops := 0
	for _, e := range events {
		if e.Kind != ledger.Drop {
			continue
		}
		if e.Time.Before(stop) {
			t.Errorf("drop at %s, before the stop at %s: %+v", e.Time, stop, e)
		}
		if strings.HasPrefix(e.Conn, "http-stream-") {
			streamDrops++
			if e.Cause != ledger.CauseTruncated || e.Detail["pod"] != "pod-behind-haproxy" {
				t.Errorf("stream drop %s: cause %q pod %q, want truncated, attributed to the pod", e.Conn, e.Cause, e.Detail["pod"])
			}
		}
	}
	if streamDrops != 3 {
		t.Fatalf("%d stream drops, want all 3 live streams\n%s", streamDrops, dump(events))
	}
	if got := r.stream.Stats().Drops.Load(); got != 3 {
		t.Fatalf("stats say %d drops", got)
	}
}
