package http

import (
	"context"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
	"github.com/drainproof/drainproof/internal/verdict"
)

// Behind a NodePort (or any TCP proxy) the server sees the proxy's address,
// so Peer cannot say which pod carried a connection; the X-Drainproof-Pod
// header can. Here httpd (no signal handling: --on-sigterm=exit) sits behind
// a real haproxy in TCP mode and is SIGTERMed with streams in flight. With
// POD_NAMESPACE and POD_NAME set, every drop names the pod as namespace/name
// and the verdict, given that pod's deletion (a constructed watch event: the
// pod's IP is one no connection was seen from), attributes every drop to it,
// so a known-bad twin's control holds. Without the header the same drops are
// unattributable and the control fails: the header is what attributes them.
func TestDropsBehindProxyAreAttributedByPodHeader(t *testing.T) {
	const pod = "dp-attr/web-0"
	for _, tc := range []struct {
		name    string
		env     []string
		wantPod string
	}{
		{"pod header", []string{"POD_NAMESPACE=dp-attr", "POD_NAME=web-0"}, pod},
		{"no pod header", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testsupport.StartHTTPD(t, tc.env, "--on-sigterm", "exit")
			px := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, srv.Addr)
			cfg := DefaultConfig("http://"+px.Addr+"/", 30*time.Second)
			cfg.Connections, cfg.Interval, cfg.Stream, cfg.StreamChunks = 3, 20*time.Millisecond, true, 1000
			p := mustNew(t, cfg)
			l := ledger.New()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_ = l.Add(ledger.Event{Kind: ledger.PodCreated, Pod: pod, Detail: map[string]string{"ip": "10.244.9.9"}})
			done := started(ctx, t, p, l)
			testsupport.Eventually(t, 10*time.Second, "3 live streams", func() bool { return p.Responding() == 3 })
			_ = l.Add(ledger.Event{Kind: ledger.PodDeleting, Pod: pod})
			if err := srv.Terminate(); err != nil {
				t.Fatal(err)
			}
			testsupport.Eventually(t, 10*time.Second, "3 drops", func() bool { return p.Stats().Drops.Load() == 3 })
			cancel()
			testsupport.WaitProbe(t, done, 10*time.Second)

			events := l.Events()
			lifecycle(t, events)
			for _, e := range events {
				if e.Probe != Name {
					continue
				}
				switch e.Kind {
				case ledger.Request, ledger.Drop:
					if e.Detail["pod"] != tc.wantPod {
						t.Errorf("%s on %s names pod %q, want %q", e.Kind, e.Conn, e.Detail["pod"], tc.wantPod)
					}
					if e.Peer == "" || e.Peer == "10.244.9.9" {
						t.Errorf("%s on %s: peer %q, want haproxy's address as the server saw it", e.Kind, e.Conn, e.Peer)
					}
				}
			}

			zero := 0
			v := verdict.Evaluate(verdict.Expect{MaxDrops: &zero, ExpectFailure: &verdict.NegativeControl{
				FailChecks: []string{verdict.CheckDrops}, Attribution: verdict.AttributionRequired, PodPrefix: "web-",
			}}, events)
			if v.Drops != 3 || v.Control == nil {
				t.Fatalf("verdict: %d drops, control %v; want 3 drops judged by a control", v.Drops, v.Control)
			}
			if held := tc.wantPod != ""; v.Control.Held != held {
				t.Fatalf("control held=%t, want %t: %s", v.Control.Held, held, v.Control.Message)
			}
			for _, d := range v.DropDetails {
				if d.Pod != tc.wantPod {
					t.Errorf("drop of %s attributed to %q, want %q", d.Conn, d.Pod, tc.wantPod)
				}
			}
		})
	}
}
