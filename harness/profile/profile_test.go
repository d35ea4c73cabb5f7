package profile

import (
	"slices"
	"testing"

	"github.com/drainproof/drainproof/scenarios"
)

// Every profile a scenario may name is registered, and the other way round.
func TestProfilesMatchTheScenarioSchema(t *testing.T) {
	got := Names()
	want := slices.Clone(scenarios.Profiles)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registered profiles %v, scenario schema allows %v", got, want)
	}
}

func TestPlaceholdersCoverBaseAndProfileImages(t *testing.T) {
	for _, n := range Names() {
		p, _ := Get(n)
		ph := Placeholders(p)
		for _, img := range append(append([]string{}, BaseImages...), p.ImageNames()...) {
			if ph[img] == "" {
				t.Errorf("profile %s: no placeholder for image %q", n, img)
			}
		}
	}
	if _, err := Get("nope"); err == nil {
		t.Fatal("unknown profile accepted")
	}
}
