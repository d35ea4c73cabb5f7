package load

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

func mustNew(t testing.TB, cfg Config) *Probe {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Against fixtures/httpd: every hit is a 200 naming the pod, the rate is
// held, and hits reach the ledger while the attack is still running.
func TestLoadAgainstHTTPDAllOK(t *testing.T) {
	srv := testsupport.StartHTTPD(t, []string{"POD_NAME=pod-load"})
	p := mustNew(t, DefaultConfig(srv.URL+"/", 200, 2*time.Second))
	if err := p.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	l := ledger.New()
	start := time.Now()
	done := testsupport.RunProbe(context.Background(), p, l)
	testsupport.Eventually(t, 5*time.Second, "50 hits in the ledger", func() bool { return l.Len() >= 50 })
	select {
	case <-done:
		t.Fatalf("hits only reached the ledger after the attack ended")
	default:
	}
	testsupport.WaitProbe(t, done, 15*time.Second)

	events := l.Events()
	if n := len(events); n < 390 || n > 401 {
		t.Fatalf("%d hits at 200/s for 2s, want about 400", n)
	}
	for _, e := range events {
		if e.Kind != ledger.Hit || e.Probe != Name || e.Code != 200 || e.Error != "" {
			t.Fatalf("hit %+v", e)
		}
		if e.Pod != "pod-load" || e.Peer == "" || e.Latency <= 0 {
			t.Fatalf("hit lacks pod/peer/latency: %+v", e)
		}
		if e.Time.Before(start) || e.Time.After(start.Add(3*time.Second)) {
			t.Fatalf("hit time %s outside the attack (start %s)", e.Time, start)
		}
	}
	st := p.Stats()
	if st.Requests.Load() != int64(len(events)) || st.Errors.Load() != 0 || st.Open.Load() != 0 {
		t.Fatalf("stats requests=%d errors=%d open=%d", st.Requests.Load(), st.Errors.Load(), st.Open.Load())
	}
}

// Through haproxy, hard-stopped mid-attack: the hits after the stop fail,
// and each failure is a Hit event with Error and Cause set.
func TestLoadHardStoppedHAProxyRecordsErrors(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	px := testsupport.StartHAProxy(t, testsupport.HAProxyHTTP, srv.Addr)
	p := mustNew(t, DefaultConfig("http://"+px.Addr+"/", 200, 3*time.Second))
	if err := p.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	l := ledger.New()
	done := testsupport.RunProbe(context.Background(), p, l)
	testsupport.Eventually(t, 5*time.Second, "50 good hits", func() bool { return p.Stats().Requests.Load() >= 50 })
	stop := time.Now()
	if err := px.HardStop(); err != nil {
		t.Fatal(err)
	}
	<-px.Done()
	testsupport.WaitProbe(t, done, 20*time.Second)

	failed, okAfter := 0, 0
	for _, e := range l.Events() {
		switch {
		case e.Error == "" && e.Code == 200:
			if e.Time.After(stop.Add(100 * time.Millisecond)) {
				okAfter++
			}
		case e.Error != "":
			failed++
			if e.Time.Add(e.Latency).Before(stop) {
				t.Errorf("hit failed before the stop: %+v", e)
			}
			switch e.Cause {
			case "refused", "reset", "eof":
			default:
				t.Errorf("hit error %q has cause %q", e.Error, e.Cause)
			}
		default:
			t.Errorf("hit %+v", e)
		}
	}
	if failed < 100 || okAfter != 0 {
		t.Fatalf("%d failed hits (want most of the last ~2s at 200/s), %d succeeded after the stop", failed, okAfter)
	}
	if p.Stats().Errors.Load() != int64(failed) {
		t.Fatalf("stats errors %d, events %d", p.Stats().Errors.Load(), failed)
	}
}

// Cancelling the run stops the attack at once, even with slow hits in
// flight, and the hits it cut are not recorded as failures.
func TestLoadCancelIsPromptAndCleanly(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	p := mustNew(t, DefaultConfig(srv.URL+"/?delay=5s", 50, time.Minute))
	l := ledger.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := testsupport.RunProbe(ctx, p, l)
	testsupport.Eventually(t, 5*time.Second, "hits in flight", func() bool { return p.Stats().Open.Load() >= 5 })
	cancel()
	cancelled := time.Now()
	testsupport.WaitProbe(t, done, 2*time.Second)
	if took := time.Since(cancelled); took > time.Second {
		t.Fatalf("run took %s to return after cancel", took)
	}
	if l.Len() != 0 || p.Aborted() < 5 {
		t.Fatalf("%d hits recorded, %d aborted; want 0 recorded, the cut ones counted apart", l.Len(), p.Aborted())
	}
	if p.Stats().Open.Load() != 0 {
		t.Fatalf("%d connections left open", p.Stats().Open.Load())
	}
}

func TestBadConfigNamesTheFlag(t *testing.T) {
	good := DefaultConfig("http://127.0.0.1:8080/", 10, time.Second)
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"empty URL", func(c *Config) { c.URL = "" }, FlagURL},
		{"not a URL", func(c *Config) { c.URL = "http://[::1" }, FlagURL},
		{"ftp", func(c *Config) { c.URL = "ftp://127.0.0.1/" }, FlagURL},
		{"no host", func(c *Config) { c.URL = "http:///x" }, FlagURL},
		{"bad port", func(c *Config) { c.URL = "http://127.0.0.1:0/" }, FlagURL},
		{"zero rate", func(c *Config) { c.Rate = 0 }, FlagRate},
		{"negative rate", func(c *Config) { c.Rate = -5 }, FlagRate},
		{"zero duration", func(c *Config) { c.Duration = 0 }, FlagDuration},
		{"negative duration", func(c *Config) { c.Duration = -time.Second }, FlagDuration},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, FlagTimeout},
		{"zero workers", func(c *Config) { c.Workers = 0 }, FlagWorkers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			p, err := New(cfg)
			if p != nil {
				t.Fatal("New returned a probe for a bad config")
			}
			testsupport.WantSetupError(t, err, tc.field)
		})
	}
}

func TestPreflightUnusableTargetsNameLoad(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	for _, tc := range []struct{ name, url, want string }{
		{"nothing listening", "http://" + testsupport.FreePort(t) + "/", "unreachable"},
		{"404", srv.URL + "/nope", "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mustNew(t, DefaultConfig(tc.url, 10, time.Second)).Preflight(context.Background())
			testsupport.WantSetupError(t, err, FlagURL)
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}
