package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/testsupport"
)

// The CLI is tested as users run it: the built binary, its exit code and output.
var cliProgram = testsupport.NewProgram("github.com/drainproof/drainproof/cmd/drainproof")

// TestMain removes the CLI and the fixtures/sshd binary after the tests.
func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

type cliResult struct {
	code           int
	stdout, stderr string
}

func cli(t *testing.T, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(cliProgram.Path(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, out.String(), errb.String()}
}

func TestProbeBadInputExits2NamingTheFlag(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	out := t.TempDir()
	ok := []string{"probe", "--ssh", srv.Addr, "--ssh-key", srv.Client.KeyFile, "--ssh-known-hosts", srv.KnownHosts, "--out", out}
	wrongHosts := filepath.Join(t.TempDir(), "known_hosts")
	other := testsupport.StartSSHD(t, nil)
	testsupport.WriteKnownHosts(t, wrongHosts, srv.Addr, other.HostKey)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"probe", "--out", out}, "--ssh, --http or --load"},
		{"no out", []string{"probe", "--ssh", srv.Addr}, "--out"},
		{"unreadable key", replace(ok, "--ssh-key", "/nonexistent/key"), "--ssh-key"},
		{"wrong host key", replace(ok, "--ssh-known-hosts", wrongHosts), "--ssh-known-hosts"},
		{"unreachable", replace(ok, "--ssh", testsupport.FreePort(t)), "--ssh"},
		{"zero duration", append(ok, "--duration", "0s"), "--duration"},
		{"negative lifetime", append(ok, "--lifetime", "-1s"), "--lifetime"},
		{"zero sessions", append(ok, "--sessions", "0"), "--sessions"},
		{"too many sessions", append(ok, "--sessions", "100000000"), "--sessions"},
		{"bad http url", []string{"probe", "--http", "ftp://x", "--out", out}, "--http"},
		{"unknown flag", []string{"probe", "--bogus"}, "bogus"},
		{"unknown command", []string{"frobnicate"}, "frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q: want exit 2 naming %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

func replace(args []string, flag, value string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == flag {
			out[i+1] = value
		}
	}
	return out
}

// The acceptance path of attach mode: sessions through a real haproxy,
// stopped softly (must pass, exit 0) or hard (must fail, exit 1, every
// session a drop after the stop).
func TestProbeThroughHAProxy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hard  bool
		code  int
		drops int
	}{{"soft stop passes", false, 0, 0}, {"hard stop fails", true, 1, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testsupport.StartSSHD(t, nil)
			px := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, srv.Addr)
			kh := filepath.Join(t.TempDir(), "known_hosts")
			testsupport.WriteKnownHosts(t, kh, px.Addr, srv.HostKey)
			out := t.TempDir()
			cmd := exec.Command(cliProgram.Path(t), "probe", "--ssh", px.Addr, "--ssh-user", "drainproof", "--ssh-key", srv.Client.KeyFile,
				"--ssh-known-hosts", kh, "--sessions", "5", "--heartbeat", "100ms", "--lifetime", "4s", "--duration", "30s", "--out", out)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// A stop between the server's "open" and the client's record
			// would lose a connection that never counted as established.
			waitEstablished(t, out, 5)
			stopped := time.Now()
			if tc.hard {
				px.HardStop()
			} else {
				px.SoftStop()
			}
			err := cmd.Wait()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			var v struct {
				Pass        bool `json:"pass"`
				Drops       int  `json:"drops"`
				Connections int  `json:"connections"`
				DropDetails []struct {
					T time.Time `json:"t"`
				} `json:"dropDetails"`
			}
			b, err := os.ReadFile(filepath.Join(out, "verdict.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			if v.Drops != tc.drops || v.Connections != 5 || v.Pass != (tc.code == 0) {
				t.Fatalf("verdict %+v, want drops=%d connections=5", v, tc.drops)
			}
			for _, d := range v.DropDetails {
				if d.T.Before(stopped) {
					t.Errorf("drop at %s is before the stop at %s", d.T, stopped)
				}
			}
			for _, f := range []string{"ledger.jsonl", "junit.xml", "summary.md", "report.html"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("missing %s: %v", f, err)
				}
			}
		})
	}
}
