package scenarios

import (
	"strings"
	"testing"
)

func TestBuiltinCatalogIsValidAndRenders(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"gateway-linger", "gateway-rollout-ssh", "gateway-rollout-ssh-nodrain",
		"sidecar-outbound-classic", "sidecar-outbound-native", "sidecar-outbound-prestop"}
	for _, n := range want {
		s, ok := c.Get(n)
		if !ok {
			t.Fatalf("catalog lacks %s", n)
		}
		objs, err := Render(c.files, s, Values{Namespace: "ns", Images: map[string]string{"fixtures": "f:1", "gateway": "g:1"}, SSHSecret: "sec"})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if len(objs) < 3 {
			t.Fatalf("%s: rendered %d objects", n, len(objs))
		}
	}
	// Every good scenario with twins has at least one; every twin is a negative control.
	for _, n := range c.Names() {
		s, _ := c.Get(n)
		if !s.IsNegativeControl() && len(s.Twins) == 0 {
			t.Errorf("%s: a good scenario must name its known-bad twins", n)
		}
	}
}

func TestRenderSidecarVariants(t *testing.T) {
	c, _ := Builtin()
	for name, want := range map[string][]string{
		"sidecar-outbound-native":  {"initContainers", "restartPolicy: Always"},
		"sidecar-outbound-prestop": {"preStop", "--until-closed"},
		"sidecar-outbound-classic": {},
	} {
		s, _ := c.Get(name)
		objs, err := Render(c.files, s, Values{Namespace: "ns", Images: map[string]string{"fixtures": "f:1", "gateway": "g:1"}, SSHSecret: "sec"})
		if err != nil {
			t.Fatal(err)
		}
		var caller string
		for _, o := range objs {
			if o.GetName() == "caller" {
				b, _ := o.MarshalJSON()
				caller = string(b)
			}
		}
		for _, w := range want {
			w = strings.ReplaceAll(w, "restartPolicy: Always", `"restartPolicy":"Always"`)
			if !strings.Contains(caller, w) {
				t.Errorf("%s: caller deployment lacks %s: %s", name, w, caller)
			}
		}
		if name == "sidecar-outbound-classic" && (strings.Contains(caller, "initContainers") || strings.Contains(caller, "preStop")) {
			t.Errorf("classic must have neither native sidecar nor preStop: %s", caller)
		}
	}
}
