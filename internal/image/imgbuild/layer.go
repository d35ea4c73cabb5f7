// Package imgbuild builds OCI image layers and images in-process with go-containerregistry, and
// holds the small pieces of machinery shared by drainproof's image builders (cache keys, step
// timing, docker and debootstrap invocations).
//
// Invariant: a layer built from the same Entries has the same digest (fixed mtimes, owner 0:0,
// sorted paths), so unchanged inputs give unchanged image IDs and docker/containerd reuse them.
package imgbuild

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Epoch is the modification time of every entry in layers built from Entries.
var Epoch = time.Unix(0, 0).UTC()

// Entry is one filesystem object in a layer. Exactly one of Src, Data, Symlink or Dir describes it.
type Entry struct {
	Path    string      // absolute path inside the image, e.g. /usr/local/bin/httpd
	Mode    os.FileMode // permission bits (and os.ModeSticky); defaults: 0755 dirs, 0644 files
	Src     string      // host file whose content is copied
	Data    []byte      // literal content
	Symlink string      // symlink target
	Dir     bool        // a directory
}

// File returns an Entry copying host file src to path with mode.
func File(path, src string, mode os.FileMode) Entry {
	return Entry{Path: path, Src: src, Mode: mode}
}

// Bytes returns an Entry with literal content.
func Bytes(path string, data []byte, mode os.FileMode) Entry {
	return Entry{Path: path, Data: data, Mode: mode}
}

// Symlink returns a symlink Entry.
func Symlink(path, target string) Entry { return Entry{Path: path, Symlink: target} }

// Dir returns a directory Entry.
func Dir(path string, mode os.FileMode) Entry { return Entry{Path: path, Dir: true, Mode: mode} }

// clean validates and normalises an in-image path to its tar form ("usr/bin/x").
func clean(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("layer entry %q: path must be absolute", p)
	}
	c := strings.TrimPrefix(path.Clean(p), "/")
	if c == "" {
		return "", fmt.Errorf("layer entry %q: the root is not an entry", p)
	}
	return c, nil
}

// LayerTar writes the entries as a tar stream to w. Parent directories not given explicitly are
// added with mode 0755. A path given twice is an error (it would silently shadow).
func LayerTar(w io.Writer, entries []Entry) error {
	byPath := map[string]Entry{}
	for _, e := range entries {
		p, err := clean(e.Path)
		if err != nil {
			return err
		}
		if _, dup := byPath[p]; dup {
			return fmt.Errorf("layer entry %q given twice", e.Path)
		}
		kinds := 0
		for _, set := range []bool{e.Src != "", e.Data != nil, e.Symlink != "", e.Dir} {
			if set {
				kinds++
			}
		}
		if kinds > 1 {
			return fmt.Errorf("layer entry %q: give only one of Src, Data, Symlink, Dir", e.Path)
		}
		byPath[p] = e
	}
	for p := range byPath {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := byPath[d]; !ok {
				byPath[d] = Entry{Path: "/" + d, Dir: true}
			}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	tw := tar.NewWriter(w)
	for _, p := range paths {
		if err := writeEntry(tw, p, byPath[p]); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeEntry(tw *tar.Writer, p string, e Entry) error {
	h := &tar.Header{Name: p, ModTime: Epoch, Format: tar.FormatPAX}
	perm := e.Mode & (os.ModePerm | os.ModeSticky)
	tarMode := func(def os.FileMode) int64 {
		if perm == 0 {
			perm = def
		}
		m := int64(perm & os.ModePerm)
		if perm&os.ModeSticky != 0 {
			m |= 01000
		}
		return m
	}
	switch {
	case e.Symlink != "":
		h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, e.Symlink, 0777
		return tw.WriteHeader(h)
	case e.Dir || (e.Src == "" && e.Data == nil):
		h.Typeflag, h.Name, h.Mode = tar.TypeDir, p+"/", tarMode(0755)
		return tw.WriteHeader(h)
	case e.Data != nil:
		h.Typeflag, h.Mode, h.Size = tar.TypeReg, tarMode(0644), int64(len(e.Data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(e.Data)
		return err
	default:
		f, err := os.Open(e.Src)
		if err != nil {
			return fmt.Errorf("layer entry %s: %w", e.Path, err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("layer entry %s: source %s is not a regular file", e.Path, e.Src)
		}
		h.Typeflag, h.Mode, h.Size = tar.TypeReg, tarMode(0644), st.Size()
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.Copy(tw, f); err != nil {
			return fmt.Errorf("layer entry %s: copy %s: %w", e.Path, e.Src, err)
		}
		return nil
	}
}

// NewLayer builds an in-memory layer from entries (gzip at BestSpeed: these layers are loaded
// locally, never pushed, so compression ratio matters less than build time).
func NewLayer(entries []Entry) (v1.Layer, error) {
	var buf bytes.Buffer
	if err := LayerTar(&buf, entries); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithCompressionLevel(gzip.BestSpeed))
}
