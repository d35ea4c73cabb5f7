package testsupport

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Process is a child process started by a test helper (a fixture binary,
// haproxy, OpenSSH sshd) whose combined output can be read while it runs.
// It is killed at the test's cleanup if still running.
type Process struct {
	name string // for failure messages: "httpd", "haproxy", ...
	cmd  *exec.Cmd
	out  *SyncBuffer
	done chan struct{} // closed once cmd.Wait has returned (ProcessState is set)
}

// StartProcess starts cmd, capturing its stdout and stderr, and registers a
// cleanup that kills it and waits for its exit. name labels failure messages.
func StartProcess(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{name: name, cmd: cmd, out: &SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	return p
}

// WaitReady polls ready until it holds, failing t if the process exits first
// or after timeout; what names the awaited state ("listening").
func (p *Process) WaitReady(t testing.TB, timeout time.Duration, what string, ready func() bool) {
	t.Helper()
	isReady, exited := false, false
	Poll(timeout, func() bool {
		if isReady = ready(); isReady {
			return true
		}
		select {
		case <-p.done:
			exited = true
			return true
		default:
			return false
		}
	})
	switch {
	case isReady:
	case exited:
		t.Fatalf("%s exited before %s:\n%s", p.name, what, p.Output())
	default:
		t.Fatalf("%s: timed out after %s waiting for %s:\n%s", p.name, timeout, what, p.Output())
	}
}

// Accepts reports whether a TCP dial to addr succeeds now (the connection is closed at once).
func Accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// WaitLog polls the output until it contains substr, failing t after timeout.
func (p *Process) WaitLog(t testing.TB, substr string, timeout time.Duration) {
	t.Helper()
	if !Poll(timeout, func() bool { return strings.Contains(p.out.String(), substr) }) {
		t.Fatalf("%s never logged %q:\n%s", p.name, substr, p.Output())
	}
}

// Output is everything the process printed so far, trimmed.
func (p *Process) Output() string { return strings.TrimSpace(p.out.String()) }

// RawOutput is everything the process printed so far, as printed.
func (p *Process) RawOutput() string { return p.out.String() }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill sends SIGKILL (every connection cut at once).
func (p *Process) Kill() error { return p.cmd.Process.Kill() }

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitCode is the process's exit code (-1 while running or when killed by a signal).
func (p *Process) ExitCode() int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// WithLoopbackListen returns args with "--listen 127.0.0.1:0" in front,
// unless args already name --listen (as -listen, --listen or --listen=ADDR).
func WithLoopbackListen(args []string) []string {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == "listen" || strings.HasPrefix(a, "listen=") {
			return args
		}
	}
	return append([]string{"--listen", "127.0.0.1:0"}, args...)
}
