// StartHAProxy runs a real Debian haproxy on loopback: the third-party proxy
// whose soft stop (SIGUSR1: stop listening, let live connections finish) and
// hard stop (SIGTERM: cut everything) the probes must tell apart.

package testsupport

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// HAProxyMode is haproxy's proxy mode.
type HAProxyMode string

const (
	HAProxyTCP  HAProxyMode = "tcp"
	HAProxyHTTP HAProxyMode = "http"
)

// HAProxy is a running haproxy with one frontend on Addr forwarding to a
// backend. Its Process gives Output (what haproxy printed so far, for
// failure messages) and Done (closed when haproxy has exited).
type HAProxy struct {
	*Process
	Addr string // loopback address clients dial
}

// StartHAProxy runs haproxy in front of backends (round-robin over them in order)
// and waits until its frontend accepts connections. The process is killed at test cleanup if still running. Tests
// that need haproxy skip nothing: a missing binary fails the test with the
// package to install.
func StartHAProxy(t testing.TB, mode HAProxyMode, backends ...string) *HAProxy {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		for _, p := range []string{"/usr/sbin/haproxy", "/usr/local/sbin/haproxy"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		t.Fatalf("haproxy not found: install Debian's haproxy (apt-get install haproxy): %v", err)
	}
	addr := FreePort(t)
	cfg := fmt.Sprintf(`global
  maxconn %d
defaults
  mode %s
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
frontend fe
  bind %s
  default_backend be
backend be
  balance roundrobin
%s`, haproxyMaxConn(), mode, addr, haproxyServers(backends))
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &HAProxy{Addr: addr, Process: StartProcess(t, "haproxy", exec.Command(bin, "-db", "-f", path))}
	p.WaitReady(t, 10*time.Second, "listening on "+addr, func() bool { return Accepts(addr) })
	return p
}

// haproxyServers is the backend's server lines, s1 for backends[0] and so on.
func haproxyServers(backends []string) string {
	var b strings.Builder
	for i, addr := range backends {
		fmt.Fprintf(&b, "  server s%d %s\n", i+1, addr)
	}
	return b.String()
}

// haproxyMaxConn is 40,000, or less when the fd limit cannot hold it: haproxy
// refuses to start when it cannot raise its fd limit to 2*maxconn+overhead.
func haproxyMaxConn() int {
	n := 40000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		if fit := (int(lim.Max) - 200) / 2; fit < n {
			n = fit
		}
	}
	return n
}

// SoftStop sends SIGUSR1: haproxy closes its listeners and exits once every
// live connection has ended.
func (p *HAProxy) SoftStop() error { return p.Signal(syscall.SIGUSR1) }

// HardStop sends SIGTERM: haproxy exits at once, cutting every connection.
func (p *HAProxy) HardStop() error { return p.Signal(syscall.SIGTERM) }
