package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
	"github.com/drainproof/drainproof/internal/testsupport"
	"github.com/drainproof/drainproof/internal/verdict"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

var proberProgram = testsupport.NewProgram("github.com/drainproof/drainproof/fixtures/prober")

// podLog is what the kubelet keeps of a container's output: everything it
// wrote (stdout and stderr interleaved), readable again from the start, a
// reader following it until the process ends.
type podLog struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool // the process ended
}

func newPodLog() *podLog {
	l := &podLog{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *podLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	l.cond.Broadcast()
	return len(b), nil
}

func (l *podLog) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.cond.Broadcast()
}

// waitFor blocks until the log matches re (or the process ended) and returns the match.
func (l *podLog) waitFor(re *regexp.Regexp) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if m := re.FindSubmatch(l.buf); m != nil {
			out := make([]string, len(m))
			for i := range m {
				out[i] = string(m[i])
			}
			return out
		}
		if l.closed {
			return nil
		}
		l.cond.Wait()
	}
}

// follower reads a podLog from its start; cutAfter > 0 ends it after that
// many bytes (the API server closing a log stream) while the process runs.
type follower struct {
	l        *podLog
	off      int
	cutAfter int
	closed   bool
}

func (f *follower) Read(b []byte) (int, error) {
	f.l.mu.Lock()
	defer f.l.mu.Unlock()
	for f.off == len(f.l.buf) && !f.l.closed && !f.closed {
		f.l.cond.Wait()
	}
	if f.closed {
		return 0, errors.New("stream closed")
	}
	if f.off == len(f.l.buf) {
		return 0, io.EOF
	}
	end := len(f.l.buf)
	if f.cutAfter > 0 {
		if f.off >= f.cutAfter {
			return 0, io.ErrUnexpectedEOF
		}
		end = min(end, f.cutAfter)
	}
	n := copy(b, f.l.buf[f.off:end])
	f.off += n
	return n, nil
}

func (f *follower) Close() error {
	f.l.mu.Lock()
	defer f.l.mu.Unlock()
	f.closed = true
	f.l.cond.Broadcast()
	return nil
}

// proberProc is a fixtures/prober process as a Source: its log is the
// stream, its --listen endpoints on loopback stand for the pod proxy.
type proberProc struct {
	cmd      *exec.Cmd
	log      *podLog
	done     chan struct{}
	endpoint string
	// cutFirst > 0: the first stream opened breaks after that many bytes.
	cutFirst int
	opens    int
}

var clockRE = regexp.MustCompile(`clock on (\S+)`)

func startProber(t testing.TB, args ...string) *proberProc {
	t.Helper()
	p := &proberProc{log: newPodLog(), done: make(chan struct{})}
	p.cmd = exec.Command(proberProgram.Path(t), append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); p.log.end(); close(p.done) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	if m := p.log.waitFor(clockRE); m != nil {
		p.endpoint = "http://" + m[1]
	}
	return p
}

func (p *proberProc) Open(context.Context) (io.ReadCloser, error) {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	p.opens++
	f := &follower{l: p.log}
	if p.opens == 1 {
		f.cutAfter = p.cutFirst
	}
	return f, nil
}

func (p *proberProc) get(ctx context.Context, path string) ([]byte, error) {
	if p.endpoint == "" {
		return nil, errors.New("prober never listened")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.endpoint+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func (p *proberProc) Clock(ctx context.Context) (time.Time, error) {
	b, err := p.get(ctx, ClockPath)
	if err != nil {
		return time.Time{}, err
	}
	return ParseClockAnswer(b)
}

func (p *proberProc) Stop(ctx context.Context) error { _, err := p.get(ctx, StopPath); return err }

func (p *proberProc) Ended(context.Context) (string, bool, error) {
	select {
	case <-p.done:
		return p.cmd.ProcessState.String(), true, nil
	default:
		return "", false, nil
	}
}

func (p *proberProc) Where(context.Context) string {
	return fmt.Sprintf("process %d", p.cmd.Process.Pid)
}

// sshTarget is a real fixtures/sshd on loopback and the prober flags for it.
func sshTarget(t testing.TB, sessions int, lifetime time.Duration) []string {
	s := testsupport.StartSSHD(t, []string{"POD_NAME=sshd-a", "POD_NAMESPACE=ns"})
	return []string{"--ssh", s.Addr, "--ssh-key", s.Client.KeyFile, "--ssh-known-hosts", s.KnownHosts,
		"--sessions", fmt.Sprint(sessions), "--heartbeat", "50ms", "--ssh-lifetime", lifetime.String()}
}

func runProbe(t testing.TB, ctx context.Context, p *Probe, l *ledger.Ledger) <-chan error {
	t.Helper()
	if err := p.Preflight(ctx); err != nil {
		t.Fatalf("preflight: %v", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx, l) }()
	return errc
}

// The real prober holds SSH sessions and keep-alive HTTP connections to
// real fixtures on loopback; its stream, broken once mid-way and read again
// from the start, is merged whole: every wire event once, connection IDs
// prefixed, each established connection ended once, and the clock offset
// recorded. The merged ledger is judged like a host probe's.
func TestProberStreamMergedAcrossAReconnect(t *testing.T) {
	h := testsupport.StartHTTPD(t, []string{"POD_NAME=httpd-a", "POD_NAMESPACE=ns"})
	args := append(sshTarget(t, 3, time.Second), "--http", h.URL+"/", "--connections", "2", "--interval", "50ms", "--http-lifetime", "1s")
	proc := startProber(t, args...)
	proc.cutFirst = 700 // a few lines in: the stream breaks once
	p := New("dp-prober-0", proc, io.Discard)
	l := ledger.New()
	errc := runProbe(t, t.Context(), p, l)
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	if proc.opens < 2 {
		t.Errorf("stream opened %d times, want a reconnect", proc.opens)
	}
	<-proc.done
	wire := 0
	for _, b := range strings.SplitAfter(string(proc.log.buf), "\n") {
		if ln, ok, _ := ParseLine([]byte(b)); ok && ln.Event != nil {
			wire++
		}
	}
	events := l.Events()
	merged, ends := 0, map[string]int{}
	for _, e := range events {
		if e.Probe == "prober" {
			if e.Kind == ledger.Note && e.Detail["clockOffset"] == "" {
				t.Errorf("prober note without clockOffset: %+v", e)
			}
			continue
		}
		merged++
		if e.Conn != "" && !strings.HasPrefix(e.Conn, "dp-prober-0/") {
			t.Errorf("connection %q not prefixed with its prober", e.Conn)
		}
		if e.IsConnectionEnd() {
			ends[e.Conn]++
		}
	}
	if merged != wire || wire == 0 {
		t.Errorf("merged %d events, the prober wrote %d", merged, wire)
	}
	v := verdict.Evaluate(verdict.Expect{}, events)
	if len(v.Conns) != 5 {
		t.Errorf("%d connections established, want 3 ssh + 2 http", len(v.Conns))
	}
	for _, c := range v.Conns {
		if ends[c.ID] != 1 || c.Dropped() {
			t.Errorf("%s ended %d times (%s)", c.ID, ends[c.ID], c.EndKind)
		}
		if want := map[string]string{"ssh": "ns/sshd-a", "http": "ns/httpd-a"}[c.Probe]; c.Pod != want {
			t.Errorf("%s attributed to %q, want %q (the server names itself)", c.ID, c.Pod, want)
		}
	}
	if p.Stats().Connections.Load() != 5 || p.Stats().Open.Load() != 0 {
		t.Errorf("stats: %d connections, %d open", p.Stats().Connections.Load(), p.Stats().Open.Load())
	}
}

// A prober that dies mid-run (SIGKILL: no done line) makes the run
// INCOMPLETE, with the reason in the ledger.
func TestProberKilledIsIncomplete(t *testing.T) {
	proc := startProber(t, sshTarget(t, 2, time.Minute)...)
	p := New("dp-prober-1", proc, io.Discard)
	l := ledger.New()
	errc := runProbe(t, t.Context(), p, l)
	testsupport.Eventually(t, 20*time.Second, "the prober's traffic established", p.Established)
	if err := proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	if err == nil || !strings.Contains(err.Error(), "before its stream's done line") {
		t.Fatalf("run after SIGKILL: %v", err)
	}
	v := verdict.Evaluate(verdict.Expect{}, l.Events())
	if v.Outcome != verdict.Incomplete {
		t.Errorf("outcome %s, want INCOMPLETE", v.Outcome)
	}
}

// Cancelled (the run ends early), the prober closes its sessions as the
// client and finishes its stream: nothing is a drop, Run returns nil.
func TestProberStoppedClosesAsClient(t *testing.T) {
	proc := startProber(t, sshTarget(t, 2, time.Minute)...)
	p := New("dp-prober-0", proc, io.Discard)
	l := ledger.New()
	ctx, cancel := context.WithCancel(t.Context())
	errc := runProbe(t, ctx, p, l)
	testsupport.Eventually(t, 20*time.Second, "the prober's traffic established", p.Established)
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	v := verdict.Evaluate(verdict.Expect{}, l.Events())
	if len(v.Conns) != 2 {
		t.Fatalf("%d connections", len(v.Conns))
	}
	for _, c := range v.Conns {
		if c.EndKind != ledger.ClosedByClient {
			t.Errorf("%s ended %s, want closed-by-client", c.ID, c.EndKind)
		}
	}
}

// A target that never accepts is the prober's setup error: Preflight
// returns a *probe.SetupError naming the prober, never a verdict.
func TestProberSetupError(t *testing.T) {
	dir := t.TempDir()
	key := testsupport.NewClientKey(t, dir)
	kh := dir + "/known_hosts"
	testsupport.WriteKnownHosts(t, kh, "127.0.0.1:1", key.Signer.PublicKey())
	proc := startProber(t, "--ssh", "127.0.0.1:1", "--ssh-key", key.KeyFile, "--ssh-known-hosts", kh, "--sessions", "1", "--accept-timeout", "300ms")
	err := New("dp-prober-0", proc, io.Discard).Preflight(t.Context())
	if !probe.IsSetup(err) || !strings.Contains(err.Error(), "prober dp-prober-0") || !strings.Contains(err.Error(), "does not accept") {
		t.Fatalf("preflight: %v, want a setup error naming the prober and the target", err)
	}
	<-proc.done
	if code := proc.cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
