package imgbuild

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSourceKeyFollowsOwnSourceOnly builds keys over a real (tiny) module with `go list`.
func TestSourceKeyFollowsOwnSourceOnly(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module example.test/m\n\ngo 1.22\n")
	writeFile(t, filepath.Join(root, "lib/lib.go"), "package lib\n\nconst X = 1\n")
	writeFile(t, filepath.Join(root, "cmd/a/main.go"), "package main\n\nimport _ \"example.test/m/lib\"\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(root, "cmd/b/main.go"), "package main\n\nfunc main() {}\n")
	ctx := context.Background()
	key := func() string {
		t.Helper()
		k, err := SourceKey(ctx, root, "./cmd/a")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k1 := key()
	if k1 != key() {
		t.Fatal("key not stable")
	}
	writeFile(t, filepath.Join(root, "cmd/b/main.go"), "package main\n\nfunc main() { println() }\n")
	writeFile(t, filepath.Join(root, "cmd/a/main_test.go"), "package main\n")
	if key() != k1 {
		t.Fatal("an unrelated package or a test file changed the key")
	}
	writeFile(t, filepath.Join(root, "lib/lib.go"), "package lib\n\nconst X = 2\n")
	if key() == k1 {
		t.Fatal("a change in a dependency did not change the key")
	}
	if _, err := SourceKey(ctx, root, "./nope"); err == nil {
		t.Fatal("a missing package gave no error")
	}
}

func TestModuleRootFromEnv(t *testing.T) {
	t.Setenv("DRAINPROOF_SRC", t.TempDir())
	if _, err := ModuleRoot(); err == nil {
		t.Fatal("a directory without drainproof's go.mod was accepted")
	}
	t.Setenv("DRAINPROOF_SRC", "")
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
}

func TestLockExcludesAndReleases(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	ctx := context.Background()
	unlock, err := Lock(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	got := make(chan func(), 1)
	go func() {
		u, err := Lock(ctx, p, func() { close(waited) })
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	<-waited // the second taker saw the lock busy
	select {
	case <-got:
		t.Fatal("second lock taken while the first is held")
	default:
	}
	unlock()
	(<-got)()
	short, cancel := context.WithCancel(ctx)
	unlock, _ = Lock(ctx, p, nil)
	defer unlock()
	cancel()
	if _, err := Lock(short, p, nil); err == nil {
		t.Fatal("a cancelled wait took the lock")
	}
}

func TestPruneKeyedKeepsCurrentAndNewest(t *testing.T) {
	dir := t.TempDir()
	names := []string{"fixtures-a.tar", "fixtures-b.tar", "fixtures-c.tar", "fixtures-d.tar", "gateway-x.tar"}
	for i, n := range names {
		writeFile(t, filepath.Join(dir, n), "x")
		writeFile(t, filepath.Join(dir, n+".stamp"), "k")
		tm := time.Unix(int64(1000+i), 0)
		for _, p := range []string{n, n + ".stamp"} {
			if err := os.Chtimes(filepath.Join(dir, p), tm, tm); err != nil {
				t.Fatal(err)
			}
		}
	}
	PruneKeyed(dir, "fixtures-", "-a.", 1) // keep a (current) and d (newest other)
	for n, want := range map[string]bool{"fixtures-a.tar": true, "fixtures-b.tar": false, "fixtures-c.tar": false,
		"fixtures-d.tar": true, "gateway-x.tar": true, "fixtures-b.tar.stamp": false, "fixtures-a.tar.stamp": true} {
		_, err := os.Stat(filepath.Join(dir, n))
		if got := err == nil; got != want {
			t.Errorf("%s present=%v, want %v", n, got, want)
		}
	}
}
