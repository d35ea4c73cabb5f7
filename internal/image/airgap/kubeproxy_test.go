package airgap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveFollowsSymlinksInsideTheTree(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "usr/lib/x86_64-linux-gnu"), 0o755))
	must(os.WriteFile(filepath.Join(root, "usr/lib/x86_64-linux-gnu/libz.so.1.2"), []byte("z"), 0o644))
	must(os.Symlink("libz.so.1.2", filepath.Join(root, "usr/lib/x86_64-linux-gnu/libz.so.1")))
	must(os.Symlink("usr/lib", filepath.Join(root, "lib")))
	// an absolute target must be taken inside the tree, never on the host
	must(os.Symlink("/usr/lib/x86_64-linux-gnu/libz.so.1", filepath.Join(root, "usr/lib/abs")))

	tf := newTreeFiles(root)
	got, err := tf.resolve("/lib/x86_64-linux-gnu/libz.so.1")
	if err != nil || got != "/usr/lib/x86_64-linux-gnu/libz.so.1.2" {
		t.Fatalf("resolve = %q, %v", got, err)
	}
	if e := tf.entries["/lib"]; e.Symlink != "usr/lib" {
		t.Fatalf("crossed symlink /lib not recorded: %+v", tf.entries)
	}
	if e := tf.entries["/usr/lib/x86_64-linux-gnu/libz.so.1"]; e.Symlink != "libz.so.1.2" {
		t.Fatalf("crossed symlink libz.so.1 not recorded: %+v", tf.entries)
	}
	got, err = tf.resolve("/usr/lib/abs")
	if err != nil || got != "/usr/lib/x86_64-linux-gnu/libz.so.1.2" {
		t.Fatalf("absolute link: %q, %v", got, err)
	}
	if _, err := tf.resolve("/nope"); err == nil {
		t.Fatal("missing path resolved")
	}
}

// TestAddCollectsRealELFDependencies runs on this Debian host's own tree (real
// binaries: ls is part of coreutils, which every Debian system has).
func TestAddCollectsRealELFDependencies(t *testing.T) {
	tf := newTreeFiles("/")
	if err := tf.add("/usr/bin/ls"); err != nil {
		t.Fatal(err)
	}
	var libc, loader bool
	for p, e := range tf.entries {
		if e.Src == "" {
			continue
		}
		libc = libc || strings.Contains(p, "/libc.so")
		loader = loader || strings.Contains(p, "ld-linux")
	}
	if !libc || !loader {
		t.Fatalf("ls's libc/loader not collected: %v", tf.list())
	}
}
