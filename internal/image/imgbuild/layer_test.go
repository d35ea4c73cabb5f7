package imgbuild

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func readTar(t *testing.T, b []byte) map[string]*tar.Header {
	t.Helper()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

func TestLayerTarAddsParentsAndKeepsModes(t *testing.T) {
	src := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(src, []byte("#!binary"), 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err := LayerTar(&buf, []Entry{
		File("/usr/local/bin/httpd", src, 0o755),
		Bytes("/etc/passwd", []byte("root:x:0:0::/:/bin/sh\n"), 0),
		Symlink("/bin", "usr/bin"),
		Dir("/tmp", 0o777|os.ModeSticky),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := readTar(t, buf.Bytes())
	for _, d := range []string{"usr/", "usr/local/", "usr/local/bin/", "etc/"} {
		if h := hs[d]; h == nil || h.Typeflag != tar.TypeDir || h.Mode != 0o755 {
			t.Errorf("parent %s: %+v", d, h)
		}
	}
	if h := hs["usr/local/bin/httpd"]; h == nil || h.Mode != 0o755 || h.Size != 8 || h.Uid != 0 {
		t.Errorf("file: %+v", h)
	}
	if h := hs["etc/passwd"]; h == nil || h.Mode != 0o644 {
		t.Errorf("data file default mode: %+v", h)
	}
	if h := hs["bin"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "usr/bin" {
		t.Errorf("symlink: %+v", h)
	}
	if h := hs["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("sticky /tmp: %+v", h)
	}
}

func TestLayerTarIsDeterministic(t *testing.T) {
	es := []Entry{Bytes("/b", []byte("2"), 0), Bytes("/a/x", []byte("1"), 0)}
	var one, two bytes.Buffer
	if err := LayerTar(&one, es); err != nil {
		t.Fatal(err)
	}
	if err := LayerTar(&two, []Entry{es[1], es[0]}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Fatal("same entries in another order gave another tar")
	}
	l1, err := NewLayer(es)
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := NewLayer(es)
	d1, _ := l1.Digest()
	d2, _ := l2.Digest()
	if d1 != d2 {
		t.Fatalf("layer digests differ: %s %s", d1, d2)
	}
}

func TestLayerTarRejectsBadEntries(t *testing.T) {
	for name, es := range map[string][]Entry{
		"relative":  {Bytes("etc/x", nil, 0)},
		"root":      {Dir("/", 0)},
		"duplicate": {Bytes("/x", []byte("1"), 0), Bytes("/x", []byte("2"), 0)},
		"ambiguous": {{Path: "/x", Data: []byte("1"), Symlink: "y"}},
		"missing":   {File("/x", "/nonexistent/file", 0)},
	} {
		if err := LayerTar(io.Discard, es); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseRefRejectsLatest(t *testing.T) {
	for _, bad := range []string{"drainproof/fixtures", "drainproof/fixtures:latest", "Bad Ref"} {
		if _, err := ParseRef(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseRef("docker.io/drainproof/fixtures:0123abcd"); err != nil {
		t.Fatal(err)
	}
}

func TestKeyDependsOnEveryPartAndItsPosition(t *testing.T) {
	a := Key("x", "y")
	if a != Key("x", "y") || len(a) != 16 {
		t.Fatalf("Key not stable: %s", a)
	}
	for _, other := range []string{Key("y", "x"), Key("xy"), Key("x", "y", ""), Key("x", "z")} {
		if other == a {
			t.Fatalf("collision with %s", a)
		}
	}
}

func TestStamps(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d", "x.stamp")
	if HasStamp(p, "k") {
		t.Fatal("missing stamp reported present")
	}
	if err := WriteStamp(p, "k"); err != nil {
		t.Fatal(err)
	}
	if !HasStamp(p, "k") || HasStamp(p, "other") {
		t.Fatal("stamp does not hold its key")
	}
}

func TestWriteArchiveAndImageConfig(t *testing.T) {
	l, err := NewLayer([]Entry{Bytes("/hello", []byte("hi"), 0o755)})
	if err != nil {
		t.Fatal(err)
	}
	img, err := NewImage(Config{Entrypoint: []string{"/hello"}, StopSignal: "SIGRTMIN+3"}, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	if cf.Config.StopSignal != "SIGRTMIN+3" || cf.OS != "linux" || cf.Architecture != "amd64" ||
		!strings.HasPrefix(cf.Config.Env[0], "PATH=") {
		t.Fatalf("config: %+v", cf)
	}
	p := filepath.Join(t.TempDir(), "a.tar")
	if err := WriteArchive(p, map[string]v1.Image{"docker.io/drainproof/t:k1": img}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	hs := readTar(t, b)
	if hs["manifest.json"] == nil {
		t.Fatalf("no manifest.json in archive: %v", hs)
	}
	if !bytes.Contains(b, []byte(`"docker.io/drainproof/t:k1"`)) {
		t.Fatal("archive does not carry the tag as written")
	}
	if err := WriteArchive(p, map[string]v1.Image{"x/y:latest": img}); err == nil {
		t.Fatal("latest accepted")
	}
}
