package testsupport

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(RunTests(m)) }

// A program is built once, outside the repository, and the binary runs.
func TestPathBuildsOnceIntoTheCache(t *testing.T) {
	p := NewProgram("github.com/drainproof/drainproof/fixtures/caller", "CGO_ENABLED=0")
	bin := p.Path(t)
	if again := p.Path(t); again != bin {
		t.Fatalf("second Path = %s, want the first build %s", again, bin)
	}
	if filepath.Base(bin) != "caller" || !strings.Contains(bin, filepath.Join("drainproof", "test-bin")) {
		t.Fatalf("binary at %s, want .../drainproof/test-bin/caller-*/caller", bin)
	}
	out, err := exec.Command(bin, "--no-such-flag").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no-such-flag") {
		t.Fatalf("the built caller did not reject a bad flag: %v\n%s", err, out)
	}
}

func TestBuildFailureNamesThePackage(t *testing.T) {
	p := NewProgram("github.com/drainproof/drainproof/no/such/package")
	if _, err := p.compile(); err == nil || !strings.Contains(err.Error(), "no/such/package") {
		t.Fatalf("got %v, want a build error naming the package", err)
	}
}
