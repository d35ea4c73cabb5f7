package buildinfo

import (
	"strings"
	"testing"
)

func TestLinkTimeValuesWin(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "v9.9.9", "abc123"
	if Version() != "v9.9.9" || Commit() != "abc123" {
		t.Fatalf("version %q commit %q", Version(), Commit())
	}
}

func TestBuildInformation(t *testing.T) {
	if Version() == "" || Commit() == "" {
		t.Fatalf("version %q commit %q: never empty", Version(), Commit())
	}
	// Only modules linked into the binary are listed; this test binary
	// links none, the drainproof binary links kind (see harness/run's test).
	if Module("example.com/not-a-dependency") != "" {
		t.Error("a module that is not a dependency has a version")
	}
	if h := Host(); !strings.Contains(h, "CPUs") {
		t.Errorf("host %q", h)
	}
}
