// Package httpdtest builds the real fixtures/httpd binary and runs it as a
// separate process on loopback for tests and benchmarks. It is a test helper,
// not a fake: the process is the same program deployed into clusters.
//
// A test package that uses it must route its TestMain through RunTests, which
// builds the binary at most once per test process and removes it afterwards.
package httpdtest

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/testsupport"
	"github.com/drainproof/drainproof/internal/testsupport/testbin"
)

var program = testbin.New("httpdtest", "github.com/drainproof/drainproof/fixtures/httpd")

// RunTests runs m and removes every binary it built afterwards. Use it as
// `func TestMain(m *testing.M) { os.Exit(httpdtest.RunTests(m)) }`.
func RunTests(m *testing.M) int { return testbin.RunTests(m) }

// Binary returns the path of fixtures/httpd built for this test process.
func Binary(t testing.TB) string {
	t.Helper()
	return program.Path(t)
}

// Server is a running fixtures/httpd process. Its Process gives Output,
// WaitLog, Kill (SIGKILL: every connection cut at once), Done and ExitCode.
type Server struct {
	*testsupport.Process
	Addr string // host:port it listens on
	URL  string // http://Addr
}

var listeningRE = regexp.MustCompile(`listening on (\S+)`)

// Start runs httpd with args (plus --listen 127.0.0.1:0 when args name no
// --listen) and env additions such as "POD_NAME=x", and waits until it logs
// its address. The process is killed at cleanup if still running.
func Start(t testing.TB, env []string, args ...string) *Server {
	t.Helper()
	cmd := exec.Command(Binary(t), testsupport.WithLoopbackListen(args)...)
	cmd.Env = append(os.Environ(), env...)
	s := &Server{Process: testsupport.StartProcess(t, "httpd", cmd)}
	var m []string
	s.WaitReady(t, 10*time.Second, "reporting its address", func() bool {
		m = listeningRE.FindStringSubmatch(s.RawOutput())
		return m != nil
	})
	s.Addr = m[1]
	s.URL = "http://" + s.Addr
	return s
}

// Terminate sends SIGTERM (graceful drain and shutdown).
func (s *Server) Terminate() error { return s.Signal(syscall.SIGTERM) }

// Get does one request on a fresh connection (no keep-alive), for checks
// that must not share a connection with the traffic under test.
func Get(url string) (*http.Response, []byte, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	return resp, b.Bytes(), err
}
