// Program builds main packages of this module for tests that run them as
// real processes. Each program is built at most once per test process, into
// its own directory under ~/.cache/drainproof/test-bin (never inside the
// repository), and every directory built is removed when RunTests returns.
//
// Invariant: a binary is only built while RunTests is in charge of the test
// process, so nothing is left behind by a package that forgot its TestMain.

package testsupport

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// built tracks what this test process built, for RunTests to remove.
var built struct {
	mu     sync.Mutex
	active bool     // RunTests is in charge of the binaries' lifetime
	dirs   []string // every directory a Program was built into
}

// RunTests runs m and removes every binary built meanwhile. Use it (or a
// wrapper of its own) as
// `func TestMain(m *testing.M) { os.Exit(RunTests(m)) }`.
func RunTests(m *testing.M) int {
	built.mu.Lock()
	built.active = true
	built.mu.Unlock()
	code := m.Run()
	built.mu.Lock()
	for _, d := range built.dirs {
		os.RemoveAll(d)
	}
	built.dirs = nil
	built.mu.Unlock()
	return code
}

// Program is one main package, built on first use.
type Program struct {
	pkg string   // import path, e.g. github.com/drainproof/drainproof/fixtures/httpd
	env []string // added to go build's environment, e.g. CGO_ENABLED=0

	mu      sync.Mutex
	started bool
	path    string
	err     error
}

// NewProgram names the main package pkg (an import path).
// env entries ("CGO_ENABLED=0") are added to go build's environment.
func NewProgram(pkg string, env ...string) *Program {
	return &Program{pkg: pkg, env: env}
}

// Path returns the built binary, building it on the first call. A build
// failure, or a test package whose TestMain does not call RunTests, fails t.
func (p *Program) Path(t testing.TB) string {
	t.Helper()
	built.mu.Lock()
	active := built.active
	built.mu.Unlock()
	if !active {
		t.Fatalf("building %s: call testsupport.RunTests from this package's TestMain", p.pkg)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started = true
		p.path, p.err = p.compile()
	}
	if p.err != nil {
		t.Fatalf("testsupport: %v", p.err)
	}
	return p.path
}

func (p *Program) compile() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	root := filepath.Join(cache, "drainproof", "test-bin")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	name := path.Base(p.pkg)
	dir, err := os.MkdirTemp(root, name+"-")
	if err != nil {
		return "", err
	}
	built.mu.Lock()
	built.dirs = append(built.dirs, dir)
	built.mu.Unlock()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, name)
	build := exec.Command(goBin, "build", "-o", bin, p.pkg)
	build.Env = append(os.Environ(), p.env...)
	out, err := build.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", p.pkg, err, out)
	}
	return bin, nil
}
