package registry

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drainproof/drainproof/internal/image"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// built writes a random image as a docker-archive tagged as the image
// builders tag theirs (docker.io/drainproof/NAME:TAG).
func built(t *testing.T, ref string) *image.Built {
	t.Helper()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("docker.io/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "img.tar")
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	return &image.Built{Ref: ref, Archive: path}
}

func TestPushUnderRepo(t *testing.T) {
	reg := testsupport.StartRegistry(t, "127.0.0.1:0")
	repo, err := ParseRepo(reg.Host + "/team/drainproof")
	if err != nil {
		t.Fatal(err)
	}
	b := built(t, "drainproof/gateway:bookworm-0123abcd")
	p, err := Push(context.Background(), b, repo)
	if err != nil {
		t.Fatal(err)
	}
	want := reg.Host + "/team/drainproof/gateway:bookworm-0123abcd"
	if p.Ref != want || p.Target != want {
		t.Fatalf("pushed %+v, want ref and target %s", p, want)
	}
	desc, err := remote.Get(mustRef(t, p.Ref))
	if err != nil {
		t.Fatalf("the pushed ref does not resolve: %v", err)
	}
	if desc.Digest.String() != p.Digest {
		t.Fatalf("registry holds %s, Push reported %s", desc.Digest, p.Digest)
	}
}

func TestPushMirrorKeepsUpstreamName(t *testing.T) {
	reg := testsupport.StartRegistry(t, "127.0.0.1:0")
	host, err := ParseHost(reg.Host)
	if err != nil {
		t.Fatal(err)
	}
	b := built(t, "drainproof/fixtures:0123abcd")
	p, err := PushMirror(context.Background(), b, host)
	if err != nil {
		t.Fatal(err)
	}
	if p.Ref != b.Ref || p.Target != reg.Host+"/drainproof/fixtures:0123abcd" {
		t.Fatalf("pushed %+v: want pods to keep %s, written as a docker.io mirror lays it out", p, b.Ref)
	}
	if _, err := remote.Get(mustRef(t, p.Target)); err != nil {
		t.Fatal(err)
	}
	if _, err := PushMirror(context.Background(), &image.Built{Ref: "quay.io/x/y:1", Archive: b.Archive}, host); err == nil {
		t.Fatal("a non-docker.io image pushed to a docker.io mirror")
	}
}

func TestParseRepoWantsAnExplicitHost(t *testing.T) {
	for _, bad := range []string{"", "drainproof", "drainproof/images", "reg.example.com/UPPER", "reg.example.com/a b", "reg.example.com:x/a"} {
		if _, err := ParseRepo(bad); err == nil {
			t.Errorf("ParseRepo(%q) accepted", bad)
		}
	}
	for _, good := range []string{"reg.example.com/dp", "127.0.0.1:5000/a/b", "localhost/dp", "localhost:5000/dp"} {
		if _, err := ParseRepo(good); err != nil {
			t.Errorf("ParseRepo(%q): %v", good, err)
		}
	}
	if _, err := ParseHost("not-a-host"); err == nil || !strings.Contains(err.Error(), "HOST[:PORT]") {
		t.Errorf("ParseHost accepted a bare name: %v", err)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
