package scenarios

import (
	"strings"
	"testing"
)

// FuzzLoadScenario: whatever the bytes, Parse returns a scenario or an
// error naming the file; it never panics or hangs.
func FuzzLoadScenario(f *testing.F) {
	f.Add([]byte(good))
	for _, r := range [][2]string{
		{"name: x", "name: x\nname: y"},                       // duplicate key
		{"sessions: 2", "sesions: 2"},                         // unknown nested field
		{"lifetime: 5s", `lifetime: "25 seconds"`},            // bad duration
		{"sessions: 2", "sessions: two"},                      // wrong type
		{"manifests: m.yaml", "manifests: ../m.yaml"},         // escaping manifests
		{"expect: {maxDrops: 0}", "expect: {window: [1, 2]}"}, // nested wrong shape
		{"ready: [deployment/a]", "ready: &a [*a]"},           // alias
	} {
		f.Add([]byte(strings.Replace(good, r[0], r[1], 1)))
	}
	f.Add([]byte("{}"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f.yaml", b)
		switch {
		case err != nil && !strings.HasPrefix(err.Error(), "f.yaml: "):
			t.Fatalf("error does not name the file: %v", err)
		case err == nil && (s == nil || s.Validate() != nil):
			t.Fatalf("accepted an invalid scenario: %+v", s)
		}
	})
}
