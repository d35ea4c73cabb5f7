package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeScenario writes good (with replacements from→to) as dir/file.
func writeScenario(t *testing.T, dir, file string, repl ...string) string {
	t.Helper()
	body := good
	for i := 0; i+1 < len(repl); i += 2 {
		body = strings.Replace(body, repl[i], repl[i+1], 1)
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every link of a scenario file is checked when it is resolved, before any
// cluster work: manifests inside its directory, twins that exist.
func TestResolveChecksEveryLinkOfAFile(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "m.yaml"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "m.yaml"), filepath.Join(dir, "escape.yaml")); err != nil {
		t.Fatal(err)
	}
	twin := `manifests: m.yaml
twins: [x-bad]`
	bad := writeScenario(t, dir, "bad.yaml", "name: x", "name: x-bad", "manifests: m.yaml", "manifests: m.yaml\nnegativeControlOf: [x]", "expect: {maxDrops: 0}", "expect: {maxDrops: 0, expectFailure: {attribution: required, podPrefix: gw}}")
	for _, tc := range []struct {
		name string
		repl []string
		want string // "" for ok
	}{
		{"ok", nil, ""},
		{"missing manifests", []string{"manifests: m.yaml", "manifests: nope.yaml"}, `manifests: "nope.yaml" not found`},
		{"symlink out", []string{"manifests: m.yaml", "manifests: escape.yaml"}, `manifests: "escape.yaml" leads out of`},
		{"unknown twin", []string{"manifests: m.yaml", "manifests: m.yaml\ntwins: [no-such]"}, `twins[0]: "no-such" is neither in the catalog nor`},
		{"twin beside", []string{"manifests: m.yaml", twin}, ""},
		{"twin in catalog", []string{"manifests: m.yaml", "manifests: m.yaml\ntwins: [gateway-rollout-ssh-nodrain]"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeScenario(t, dir, "s.yaml", tc.repl...)
			_, _, err := c.Resolve(p)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), p+": ")):
				t.Fatalf("got %v, want %s: ...%s", err, p, tc.want)
			}
		})
	}
	if _, _, err := c.Resolve(bad); err != nil { // negativeControlOf x: s.yaml beside it
		t.Fatalf("a twin naming the scenario beside it: %v", err)
	}
}
