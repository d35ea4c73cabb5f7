package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/testsupport"
)

// A verdict never says PASS by accident: each case below runs the real CLI
// against real servers on loopback.

// judged is what the tests read back from verdict.json.
type judged struct {
	Outcome           string   `json:"outcome"`
	IncompleteReasons []string `json:"incompleteReasons"`
	Pass              bool     `json:"pass"`
	Connections       int      `json:"connections"`
	DialFailures      int      `json:"dialFailures"`
	Requests          int      `json:"requests"`
	Errors            int      `json:"errors"`
	Findings          []struct {
		Check   string `json:"check"`
		Pass    bool   `json:"pass"`
		Message string `json:"message"`
	} `json:"findings"`
}

func readVerdict(t *testing.T, dir string) judged {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "verdict.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v judged
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// failed says whether check has a failing finding.
func (v judged) failed(check string) bool {
	for _, f := range v.Findings {
		if f.Check == check && !f.Pass {
			return true
		}
	}
	return false
}

// running is the CLI started in the background.
type running struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func startCLI(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{cmd: exec.Command(cliProgram.Path(t), args...)}
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// wait returns the exit code.
func (r *running) wait(t *testing.T) int {
	t.Helper()
	err := r.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return 0
}

func (r *running) String() string {
	return fmt.Sprintf("stdout: %s\nstderr: %s", r.stdout.String(), r.stderr.String())
}

// waitEstablished holds until the probe writing out's ledger has recorded
// n connections established: the probe's own view, which the verdict reads
// (the ledger is written per event). The server's "open" log comes before
// the client records the session, so a disruption or marker timed by the
// server's log can find nothing carried yet.
func waitEstablished(t *testing.T, out string, n int) {
	t.Helper()
	testsupport.Eventually(t, 15*time.Second, fmt.Sprintf("%d connections established in the probe's ledger", n), func() bool {
		b, _ := os.ReadFile(filepath.Join(out, "ledger.jsonl"))
		return strings.Count(string(b), `"kind":"established"`) >= n
	})
}

// establishedTo counts the established TCP connections whose remote end is
// addr's port on loopback, read from /proc/net/tcp: the probe's connections
// as the kernel sees them, whatever the server logs.
func establishedTo(t *testing.T, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	want := fmt.Sprintf(":%04X", p)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 3 && strings.HasSuffix(fs[2], want) && fs[3] == "01" {
			n++
		}
	}
	return n
}

// A dead HTTP server: the probe's connections are cut and every redial is
// refused. That fails the verdict by default, exactly as a drop does (it
// used to PASS with hundreds of dial failures).
func TestProbeHTTPDeadServerFails(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	out := t.TempDir()
	r := startCLI(t, "probe", "--http", srv.URL+"/", "--connections", "3", "--interval", "50ms", "--lifetime", "3s", "--duration", "20s", "--out", out)
	testsupport.Eventually(t, 10*time.Second, "3 probe connections to httpd", func() bool { return establishedTo(t, srv.Addr) >= 3 })
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1 (verdict failed)\n%s", code, r)
	}
	v := readVerdict(t, out)
	if v.Outcome != "FAIL" || v.Pass || v.DialFailures == 0 || !v.failed("dial-failures") {
		t.Fatalf("dead server: outcome %s, %d dial failures, findings %+v", v.Outcome, v.DialFailures, v.Findings)
	}
	if !strings.HasPrefix(r.stdout.String(), "FAIL: ") {
		t.Errorf("stdout does not lead with FAIL:\n%s", r)
	}
}

// Failed requests (haproxy answering 503 once its backend died) fail the
// verdict by default; a tolerance must be given explicitly.
func TestProbeHTTPFailedRequestsFail(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	px := testsupport.StartHAProxy(t, testsupport.HAProxyHTTP, srv.Addr)
	out := t.TempDir()
	r := startCLI(t, "probe", "--http", "http://"+px.Addr+"/", "--connections", "2", "--interval", "50ms", "--lifetime", "3s", "--duration", "20s", "--out", out)
	testsupport.Eventually(t, 10*time.Second, "2 probe connections to haproxy", func() bool { return establishedTo(t, px.Addr) >= 2 })
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	code := r.wait(t)
	v := readVerdict(t, out)
	if code != 1 || v.Outcome != "FAIL" || v.Errors == 0 || !v.failed("success-ratio") {
		t.Fatalf("exit %d, outcome %s, %d/%d requests failed, findings %+v\n%s", code, v.Outcome, v.Errors, v.Requests, v.Findings, r)
	}
}

// The good path still passes: keep-alive HTTP through a healthy server.
func TestProbeHTTPHealthyServerPasses(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	out := t.TempDir()
	res := cli(t, "probe", "--http", srv.URL+"/", "--connections", "3", "--interval", "50ms", "--lifetime", "1s", "--duration", "10s", "--out", out)
	v := readVerdict(t, out)
	if res.code != 0 || v.Outcome != "PASS" || v.Requests == 0 || v.Errors != 0 {
		t.Fatalf("exit %d, outcome %s, %d requests, %d errors\n%s%s", res.code, v.Outcome, v.Requests, v.Errors, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "PASS: ") {
		t.Errorf("stdout %q", res.stdout)
	}
}

// Ctrl-C or SIGTERM: the run is INCOMPLETE (exit 3) with the reason in the
// ledger, so `drainproof report` re-judges it to the same outcome.
func TestProbeInterruptedIsIncomplete(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := testsupport.StartSSHD(t, nil)
			out := t.TempDir()
			r := startCLI(t, "probe", "--ssh", srv.Addr, "--ssh-key", srv.Client.KeyFile, "--ssh-known-hosts", srv.KnownHosts,
				"--sessions", "3", "--duration", "60s", "--out", out)
			waitEstablished(t, out, 3)
			if err := r.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := r.wait(t); code != 3 {
				t.Fatalf("exit %d, want 3 (incomplete)\n%s", code, r)
			}
			v := readVerdict(t, out)
			if v.Outcome != "INCOMPLETE" || v.Pass || len(v.IncompleteReasons) == 0 || !strings.Contains(v.IncompleteReasons[0], "interrupted") {
				t.Fatalf("outcome %s, reasons %q", v.Outcome, v.IncompleteReasons)
			}
			if !strings.HasPrefix(r.stdout.String(), "INCOMPLETE: ") || !strings.Contains(r.stdout.String(), "incomplete: interrupted") {
				t.Errorf("stdout does not say INCOMPLETE and why:\n%s", r)
			}
			for name, want := range map[string]string{"summary.md": "this run cannot be judged", "junit.xml": `<error message="incomplete: interrupted`, "report.html": "INCOMPLETE"} {
				if b, err := os.ReadFile(filepath.Join(out, name)); err != nil || !strings.Contains(string(b), want) {
					t.Errorf("%s lacks %q (%v)", name, want, err)
				}
			}
			rep := cli(t, "report", out)
			if rep.code != 3 || !strings.Contains(rep.stdout, "INCOMPLETE") || readVerdict(t, out).Outcome != "INCOMPLETE" {
				t.Fatalf("report re-judged: exit %d, stdout %q, outcome %s", rep.code, rep.stdout, readVerdict(t, out).Outcome)
			}
		})
	}
}

// --duration ending a connection that --lifetime meant to keep (a response
// still in flight) is INCOMPLETE, not a clean end.
func TestProbeDurationCuttingSessionsShortIsIncomplete(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	out := t.TempDir()
	// Each request is a 3 s stream: the connection is busy past --duration.
	res := cli(t, "probe", "--http", srv.URL+"/stream?chunks=30&interval=100ms", "--connections", "2", "--lifetime", "1s", "--duration", "2s", "--out", out)
	v := readVerdict(t, out)
	if res.code != 3 || v.Outcome != "INCOMPLETE" || !strings.Contains(strings.Join(v.IncompleteReasons, " "), "--duration 2s reached while http connections were still meant to live") {
		t.Fatalf("exit %d, outcome %s, reasons %q\n%s%s", res.code, v.Outcome, v.IncompleteReasons, res.stdout, res.stderr)
	}
}

func TestProbeContradictoryFlagsExit2(t *testing.T) {
	out := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lifetime", "20s", "--duration", "10s"}, "--lifetime"},
		{[]string{"--min-success-ratio", "1.5"}, "--min-success-ratio"},
		{[]string{"--max-dial-failures", "-1"}, "--max-dial-failures"},
	} {
		r := cli(t, append([]string{"probe", "--http", "http://127.0.0.1:1/", "--out", out}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 naming %s", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestHelpDocumentsExitCodes(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"probe", "-h"}, {"run", "-h"}} {
		r := cli(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "3 INCOMPLETE") {
			t.Errorf("%v: exit %d, help does not document exit 3:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// timelineOf reads verdict.json's timeline and the disruption events of the ledger.
func timelineOrigin(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "verdict.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Timeline struct {
			OriginKind string `json:"originKind"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.Timeline.OriginKind
}

// --disrupt runs the disruption itself once the sessions are up: a real
// haproxy soft stop passes, a hard stop fails, a command that fails makes
// the run INCOMPLETE. The disruption is the reports' time origin.
func TestProbeDisruptCommand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command func(px *testsupport.HAProxy) string
		code    int
		outcome string
		want    string // in the complete finding or the reasons
		// duration is --duration, 30s when empty.
		duration string
	}{
		{"haproxy soft stop passes", func(px *testsupport.HAProxy) string { return fmt.Sprintf("kill -USR1 %d", px.Pid()) }, 0, "PASS", "carried 5 connections", ""},
		{"haproxy hard stop fails", func(px *testsupport.HAProxy) string { return fmt.Sprintf("kill -TERM %d", px.Pid()) }, 1, "FAIL", "carried 5 connections", ""},
		// The drops end every session, and so the probes, while the command
		// is still running: it must still finish, and the run FAIL.
		{"hard stop outliving the drops fails", func(px *testsupport.HAProxy) string { return fmt.Sprintf("kill -TERM %d; sleep 1", px.Pid()) }, 1, "FAIL", "carried 5 connections", ""},
		{"failing command is incomplete", func(*testsupport.HAProxy) string { return "exit 7" }, 3, "INCOMPLETE", "disruption command exit 7 failed: exit status 7", ""},
		{"command outliving --duration is incomplete", func(*testsupport.HAProxy) string { return "sleep 30" }, 3, "INCOMPLETE", "killed: still running at the end of the probe (--duration 6s reached)", "6s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testsupport.StartSSHD(t, nil)
			px := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, srv.Addr)
			kh := filepath.Join(t.TempDir(), "known_hosts")
			testsupport.WriteKnownHosts(t, kh, px.Addr, srv.HostKey)
			out := t.TempDir()
			duration := cmp.Or(tc.duration, "30s")
			res := cli(t, "probe", "--ssh", px.Addr, "--ssh-key", srv.Client.KeyFile, "--ssh-known-hosts", kh,
				"--sessions", "5", "--lifetime", "4s", "--duration", duration, "--disrupt-after", "500ms", "--disrupt", tc.command(px), "--out", out)
			v := readVerdict(t, out)
			all := strings.Join(v.IncompleteReasons, "; ")
			for _, f := range v.Findings {
				if f.Check == "complete" {
					all += "; " + f.Message
				}
			}
			if res.code != tc.code || v.Outcome != tc.outcome || !strings.Contains(all, tc.want) {
				t.Fatalf("exit %d outcome %s (want %d %s), complete: %s\n%s%s", res.code, v.Outcome, tc.code, tc.outcome, all, res.stdout, res.stderr)
			}
			if k := timelineOrigin(t, out); k != "disruption-start" {
				t.Errorf("timeline origin %q, want the disruption", k)
			}
		})
	}
}

// --mark-on-signal: SIGUSR1 to the probe records a disruption marker, the
// reports' time origin, for a disruption made by someone else.
func TestProbeMarkOnSignal(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	px := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, srv.Addr)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	testsupport.WriteKnownHosts(t, kh, px.Addr, srv.HostKey)
	out := t.TempDir()
	r := startCLI(t, "probe", "--ssh", px.Addr, "--ssh-key", srv.Client.KeyFile, "--ssh-known-hosts", kh,
		"--sessions", "3", "--lifetime", "3s", "--duration", "30s", "--mark-on-signal", "--out", out)
	waitEstablished(t, out, 3)
	if err := r.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := px.SoftStop(); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, r)
	}
	if k := timelineOrigin(t, out); k != "disruption-start" {
		t.Fatalf("timeline origin %q, want the marker", k)
	}
	b, err := os.ReadFile(filepath.Join(out, "ledger.jsonl"))
	if err != nil || !strings.Contains(string(b), `"action":"marker"`) {
		t.Fatalf("ledger has no marker (%v)", err)
	}
}

// A --disrupt that never got to run (the sessions ended first) is
// INCOMPLETE, not a pass with "no disruption recorded".
func TestProbeDisruptThatNeverRanIsIncomplete(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	out := t.TempDir()
	res := cli(t, "probe", "--ssh", srv.Addr, "--ssh-key", srv.Client.KeyFile, "--ssh-known-hosts", srv.KnownHosts,
		"--sessions", "2", "--lifetime", "1s", "--duration", "30s", "--disrupt-after", "25s", "--disrupt", "true", "--out", out)
	v := readVerdict(t, out)
	if res.code != 3 || v.Outcome != "INCOMPLETE" || !strings.Contains(strings.Join(v.IncompleteReasons, " "), "--disrupt never ran") {
		t.Fatalf("exit %d outcome %s reasons %q\n%s%s", res.code, v.Outcome, v.IncompleteReasons, res.stdout, res.stderr)
	}
}
