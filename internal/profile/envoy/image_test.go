package envoy

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/image/standin"
)

// The real build (debootstrap needs root and the Debian mirror; later runs hit the cache): the
// image has the stand-in at /usr/local/bin/envoy, a shell and GNU wget for gloo's preStop, and
// labels saying it is the stand-in in place of Upstream.
func TestImageIsTheStandInWithShellAndWget(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("debootstrap needs root")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Skip("no debootstrap")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	img, err := Build(ctx, Options{Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(img.Ref, name.WeakValidation)
	if err != nil {
		t.Fatal(err)
	}
	i, err := tarball.ImageFromPath(img.Archive, &tag)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := i.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if l := cf.Config.Labels; l[standin.DataPlaneLabel] != standin.DataPlane || l[StandsInForLabel] != Upstream {
		t.Errorf("labels %v: want the stand-in in place of %s", l, Upstream)
	}
	files := map[string][]byte{}
	want := map[string]bool{"usr/local/bin/envoy": true, "usr/bin/wget": false, "usr/bin/sh": false, "usr/bin/sleep": false, "etc/envoy": false}
	r := mutate.Extract(i)
	defer r.Close()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := path.Clean(h.Name)
		if keep, ok := want[p]; ok {
			files[p] = nil
			if keep {
				files[p], _ = io.ReadAll(tr)
			}
		}
	}
	for p := range want {
		if _, ok := files[p]; !ok {
			t.Errorf("image has no /%s", p)
		}
	}
	src, err := imgbuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := imgbuild.CacheRoot()
	goVersion, _ := imgbuild.GoVersion(ctx)
	bin, _, err := standin.Build(ctx, src, root+"/envoy", goVersion)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(bin); !bytes.Equal(b, files["usr/local/bin/envoy"]) {
		t.Errorf("/usr/local/bin/envoy (%d bytes) is not the stand-in %s", len(files["usr/local/bin/envoy"]), bin)
	}
}

func TestStandInForNamesStandInAndUpstream(t *testing.T) {
	if v := StandInFor(Upstream); v != "drainproof-envoy-standin (L4) in place of envoyproxy/envoy:v1.39.1" {
		t.Fatalf("StandInFor(Upstream) = %q", v)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
