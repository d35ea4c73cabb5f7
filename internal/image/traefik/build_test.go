package traefik

import (
	"context"
	"strings"
	"testing"
)

// The wrapper restates traefik's own replace and exclude lines, read from its go.mod in the
// module cache (downloaded through the module proxy when not there yet).
func TestWrapperRestatesTheModulesDirectives(t *testing.T) {
	_, goMod, err := gobuildModuleInfo(context.Background(), t.TempDir())
	if err != nil {
		t.Skipf("module %s@%s not available: %v", Module, Version, err)
	}
	tl, err := tool(goMod, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := string(tl.Wrapper.GoMod())
	for _, want := range []string{
		"\t" + Module + " " + Version + "\n",
		"\tgithub.com/gorilla/mux => github.com/containous/mux ",
		"\tgithub.com/abbot/go-http-auth => github.com/containous/go-http-auth ",
		"\tgithub.com/mailgun/minheap => github.com/containous/minheap ",
		"exclude (\n\tgithub.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible\n)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("wrapper go.mod lacks %q:\n%s", want, got)
		}
	}
	if tl.Binary != "traefik" || !strings.Contains(tl.LDFlags, "/pkg/version.Version="+Version) {
		t.Errorf("tool = %+v", tl)
	}
	if other, _ := tool(goMod, 0); other.Key("go1.26") != tl.Key("go1.26") {
		t.Error("-p changed the key")
	}
}
