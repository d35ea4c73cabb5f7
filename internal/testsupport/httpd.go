// StartHTTPD builds the real fixtures/httpd binary and runs it as a separate
// process on loopback: the same program deployed into clusters.

package testsupport

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

var httpdProgram = NewProgram("github.com/drainproof/drainproof/fixtures/httpd")

// HTTPDBinary returns the path of fixtures/httpd built for this test process.
func HTTPDBinary(t testing.TB) string {
	t.Helper()
	return httpdProgram.Path(t)
}

// HTTPD is a running fixtures/httpd process. Its Process gives Output,
// WaitLog, Kill (SIGKILL: every connection cut at once), Done and ExitCode.
type HTTPD struct {
	*Process
	Addr string // host:port it listens on
	URL  string // http://Addr
}

var httpdListeningRE = regexp.MustCompile(`listening on (\S+)`)

// StartHTTPD runs httpd with args (plus --listen 127.0.0.1:0 when args name no
// --listen) and env additions such as "POD_NAME=x", and waits until it logs
// its address. The process is killed at cleanup if still running.
func StartHTTPD(t testing.TB, env []string, args ...string) *HTTPD {
	t.Helper()
	cmd := exec.Command(HTTPDBinary(t), WithLoopbackListen(args)...)
	cmd.Env = append(os.Environ(), env...)
	s := &HTTPD{Process: StartProcess(t, "httpd", cmd)}
	var m []string
	s.WaitReady(t, 10*time.Second, "reporting its address", func() bool {
		m = httpdListeningRE.FindStringSubmatch(s.RawOutput())
		return m != nil
	})
	s.Addr = m[1]
	s.URL = "http://" + s.Addr
	return s
}

// Terminate sends SIGTERM (graceful drain and shutdown).
func (s *HTTPD) Terminate() error { return s.Signal(syscall.SIGTERM) }

// HTTPGet does one request on a fresh connection (no keep-alive), for checks
// that must not share a connection with the traffic under test.
func HTTPGet(url string) (*http.Response, []byte, error) {
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
