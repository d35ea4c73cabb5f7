package cluster

import (
	"context"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

func needDocker(t *testing.T) {
	t.Helper()
	if _, err := imgbuild.Docker(context.Background(), "info", "--format", "{{.ServerVersion}}"); err != nil {
		t.Skipf("no docker engine: %v", err)
	}
}

// TestCreateNamesAMissingNodeImage: a drainproof node image docker does not have is reported
// with the command that builds it, before kind does anything (no pull attempt, no containers).
func TestCreateNamesAMissingNodeImage(t *testing.T) {
	needDocker(t)
	ref := "drainproof/node:v0.0.0-doesnotexist"
	_, err := Create(context.Background(), "dp-missing-image", NodeImage(ref), KubeconfigPath(t.TempDir()+"/kc"))
	if err == nil {
		t.Fatal("Create succeeded with a node image that does not exist")
	}
	for _, want := range []string{ref, ImageCommand} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if names, err := List(context.Background()); err == nil {
		for _, n := range names {
			if n == "dp-missing-image" {
				t.Fatal("a cluster was created anyway")
			}
		}
	}
}

func TestCreateRejectsBadOptionsBeforeWork(t *testing.T) {
	_, err := Create(context.Background(), "dp-bad", Workers(2), Config([]byte("kind: Cluster")))
	if err == nil || !strings.Contains(err.Error(), "Workers and Config") {
		t.Fatalf("want the conflict named, got %v", err)
	}
	if _, err := Create(context.Background(), "Bad_Name"); err == nil || !strings.Contains(err.Error(), "Bad_Name") {
		t.Fatalf("want the bad name named, got %v", err)
	}
}
