package lint

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// traefik drains in-process at SIGTERM, without a preStop: for each
// entrypoint it keeps accepting for transport.lifeCycle.requestAcceptGraceTimeout
// (default 0), then closes the listener and waits up to
// transport.lifeCycle.graceTimeOut (default 10 s) for its live connections,
// exiting as soon as none is left, and closes the rest at that deadline.
const traefikDefaultGraceTimeOut = 10 * time.Second

// traefikDrain is a traefik container's longest drain over its entrypoints,
// read from its flags (--entryPoints.NAME.transport.lifeCycle.KEY=VALUE, any
// case, "=" or a separate argument) and TRAEFIK_ENTRYPOINTS_* env. A static
// configuration file (--configFile) is not read: with one, only what flags
// or env say is judged.
type traefikDrain struct {
	entrypoint string
	accept     Value // requestAcceptGraceTimeout
	grace      Value // graceTimeOut
	fromFile   bool  // --configFile is given: defaults are not assumed
}

// total is how long the drain may take after SIGTERM.
func (t traefikDrain) total() time.Duration { return t.accept.d + t.grace.d }

// isTraefik reports whether c runs traefik (its program or image).
func (c containerRef) isTraefik() bool {
	if len(c.c.Command) > 0 && baseName(c.c.Command[0]) == "traefik" {
		return true
	}
	img := baseName(c.c.Image)
	return img == "traefik" || strings.HasPrefix(img, "traefik:") || strings.HasPrefix(img, "traefik@")
}

// readTraefik returns c's longest entrypoint drain (ok false: c is not traefik).
func readTraefik(c containerRef) (traefikDrain, bool) {
	if !c.isTraefik() {
		return traefikDrain{}, false
	}
	type ep struct{ accept, grace *Value }
	eps := map[string]*ep{}
	get := func(name string) *ep {
		if eps[name] == nil {
			eps[name] = &ep{}
		}
		return eps[name]
	}
	fromFile := false
	set := func(name, key string, v Value) {
		d, err := traefikDuration(v.Value)
		if err != nil {
			return
		}
		v.d = d
		switch key {
		case "transport.lifecycle.requestacceptgracetimeout":
			get(name).accept = &v
		case "transport.lifecycle.gracetimeout":
			get(name).grace = &v
		}
	}
	args := append(append([]string(nil), c.c.Command...), c.c.Args...)
	argPath := func(i int) string {
		if i < len(c.c.Command) {
			return fmt.Sprintf("%s.command[%d]", c.path, i)
		}
		return fmt.Sprintf("%s.args[%d]", c.path, i-len(c.c.Command))
	}
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		if len(a) == len(args[i]) {
			continue
		}
		k, v, hasValue := strings.Cut(a, "=")
		path := argPath(i)
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			v, path = args[i+1], argPath(i+1)
		}
		lk := strings.ToLower(k)
		if lk == "configfile" {
			fromFile = true
		}
		if rest, ok := strings.CutPrefix(lk, "entrypoints."); ok {
			if name, key, ok := strings.Cut(rest, "."); ok {
				if key == "address" {
					get(name)
					continue
				}
				set(name, key, Value{Path: path, Value: v})
			}
		}
	}
	for i, e := range c.c.Env {
		rest, ok := strings.CutPrefix(e.Name, "TRAEFIK_ENTRYPOINTS_")
		if !ok || e.ValueFrom != nil {
			continue
		}
		for _, suffix := range []string{"_TRANSPORT_LIFECYCLE_REQUESTACCEPTGRACETIMEOUT", "_TRANSPORT_LIFECYCLE_GRACETIMEOUT", "_ADDRESS"} {
			if name, ok := strings.CutSuffix(rest, suffix); ok {
				name = strings.ToLower(name)
				if suffix == "_ADDRESS" {
					get(name)
					continue
				}
				key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(suffix, "_"), "_", "."))
				set(name, key, Value{Path: fmt.Sprintf("%s.env[%d](%s)", c.path, i, e.Name), Value: e.Value})
			}
		}
	}
	best := traefikDrain{fromFile: fromFile}
	first := true
	for _, name := range slices.Sorted(maps.Keys(eps)) {
		e := eps[name]
		t := traefikDrain{entrypoint: name, fromFile: fromFile}
		if e.accept != nil {
			t.accept = *e.accept
		} else {
			t.accept = Value{Path: c.path + ".args(--entryPoints." + name + ".transport.lifeCycle.requestAcceptGraceTimeout)", Value: "0s (unset: traefik's default)", Default: true}
		}
		if e.grace != nil {
			t.grace = *e.grace
		} else {
			t.grace = Value{Path: c.path + ".args(--entryPoints." + name + ".transport.lifeCycle.graceTimeOut)", Value: "10s (unset: traefik's default)", Default: true, d: traefikDefaultGraceTimeOut}
		}
		if fromFile && (e.accept == nil || e.grace == nil) {
			continue // the file may set what the flags leave out
		}
		if first || t.total() > best.total() {
			best, first = t, false
		}
	}
	if first {
		return traefikDrain{fromFile: fromFile}, true
	}
	return best, true
}

// traefikDuration parses traefik's durations: Go's ("60s", "1m") or a bare
// number of seconds ("60").
func traefikDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s {
		return 0, fmt.Errorf("traefik duration %q", s)
	}
	return time.Duration(n) * time.Second, nil
}
