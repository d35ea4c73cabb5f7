// StartStandin builds the real fixtures/envoy-standin binary and runs it as a
// separate process on loopback, with a bootstrap the test writes, and reads
// its admin API: the program the istio-proxy and envoy images carry.

package testsupport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var standinProgram = NewProgram("github.com/drainproof/drainproof/fixtures/envoy-standin", "CGO_ENABLED=0")

// StandinBinary returns the path of the stand-in built for this test process.
func StandinBinary(t testing.TB) string { t.Helper(); return standinProgram.Path(t) }

// Standin is a running stand-in.
type Standin struct {
	*Process
	Admin string // host:port of the admin API
}

// StartStandin writes bootstrap (JSON or YAML) and runs the stand-in on it with Envoy's flags args; it
// waits until the admin API answers. admin is the admin address the bootstrap names.
func StartStandin(t testing.TB, admin, bootstrap string, args ...string) *Standin {
	t.Helper()
	return StartStandinBinary(t, StandinBinary(t), -1, admin, bootstrap, args...)
}

// StartStandinBinary is Start with a given stand-in binary, run as uid (and gid) when uid >= 0 — as
// istio-proxy runs Envoy as 1337, the uid istio-iptables' rules exclude.
func StartStandinBinary(t testing.TB, bin string, uid int, admin, bootstrap string, args ...string) *Standin {
	t.Helper()
	dir, err := os.MkdirTemp("", "standin") // not t.TempDir: its parents are 0700, unreadable to uid
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "envoy.yaml")
	if err := os.WriteFile(path, []byte(bootstrap), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"-c", path}, args...)...)
	if uid >= 0 {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	p := &Standin{Process: StartProcess(t, "envoy-standin", cmd), Admin: admin}
	p.WaitReady(t, 10*time.Second, "serving its admin API", func() bool { return Accepts(admin) })
	return p
}

// Get fetches an admin path ("/stats?usedonly") and returns the status and body.
func (p *Standin) Get(t testing.TB, path string) (int, string) {
	t.Helper()
	return p.do(t, http.MethodGet, path)
}

// Post posts to an admin path ("/drain_listeners?graceful") and returns the status and body.
func (p *Standin) Post(t testing.TB, path string) (int, string) {
	t.Helper()
	return p.do(t, http.MethodPost, path)
}

func (p *Standin) do(t testing.TB, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+p.Admin+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Stats reads /stats (text format) with Envoy's query (filter, usedonly) into name → value;
// text readouts are left out.
func (p *Standin) Stats(t testing.TB, query url.Values) map[string]int64 {
	t.Helper()
	code, body := p.Get(t, "/stats?"+query.Encode())
	if code != http.StatusOK {
		t.Fatalf("/stats?%s: %d %s", query.Encode(), code, body)
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			t.Fatalf("stat line without separator: %q", sc.Text())
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[name] = n
		}
	}
	return out
}

// StatsJSON reads /stats?format=json as Envoy renders it.
func (p *Standin) StatsJSON(t testing.TB, filter string) map[string]int64 {
	t.Helper()
	code, body := p.Get(t, "/stats?format=json&filter="+url.QueryEscape(filter))
	if code != http.StatusOK {
		t.Fatalf("/stats?format=json: %d %s", code, body)
	}
	var r struct {
		Stats []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/stats?format=json: %v in %s", err, body)
	}
	out := map[string]int64{}
	for _, s := range r.Stats {
		if f, ok := s.Value.(float64); ok && s.Name != "" {
			out[s.Name] = int64(f)
		}
	}
	return out
}

// Stat is one stat's value from the text format (0 when absent).
func (p *Standin) Stat(t testing.TB, name string) int64 {
	t.Helper()
	return p.Stats(t, url.Values{"filter": {"^" + regexpQuote(name) + "$"}})[name]
}

// WaitStat polls until stat name satisfies ok, failing t after timeout.
func (p *Standin) WaitStat(t testing.TB, name string, timeout time.Duration, ok func(int64) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := p.Stat(t, name)
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stat %s is %d after %v\n%s", name, v, timeout, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(".", `\.`, "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// Port is addr's port.
func Port(t testing.TB, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// ListenerStat is Envoy's stat name for a listener on addr: listener.127.0.0.1_15001.<stat>.
func ListenerStat(t testing.TB, addr, stat string) string {
	t.Helper()
	h, _, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("listener.%s_%d.%s", h, Port(t, addr), stat)
}
