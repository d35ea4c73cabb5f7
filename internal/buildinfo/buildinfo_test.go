package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"},
	}}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	for _, tc := range []struct {
		name                   string
		ldVersion, ldCommit    string
		bi                     *debug.BuildInfo
		version, commit, short string
		modified               bool
	}{
		{"ldflags win", "v1.0.0", "fedcba9876543210", vcs, "v1.0.0", "fedcba9876543210", "fedcba987654", true},
		{"vcs fallback", "", "", vcs, "v0.2.0", "0123456789abcdef0123", "0123456789ab", true},
		{"devel is not a version", "", "", devel, Unknown, Unknown, Unknown, false},
		{"no build info", "", "", nil, Unknown, Unknown, Unknown, false},
	} {
		i := resolve(tc.ldVersion, tc.ldCommit, tc.bi)
		if i.Version != tc.version || i.Commit != tc.commit || i.ShortCommit() != tc.short || i.Modified != tc.modified || i.GoVersion == "" {
			t.Errorf("%s: %+v", tc.name, i)
		}
	}
	if s := resolve("v1.0.0", "fedcba9876543210", vcs).String(); !strings.HasPrefix(s, "v1.0.0 (commit fedcba987654, modified) go1") {
		t.Errorf("String %q", s)
	}
}
