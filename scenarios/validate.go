package scenarios

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/verdict"
)

var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate checks one scenario on its own; errors name the field.
func (s *Scenario) Validate() error {
	if s.APIVersion != APIVersion {
		return fmt.Errorf("apiVersion: must be %q, got %q", APIVersion, s.APIVersion)
	}
	if s.Kind != "Scenario" {
		return fmt.Errorf("kind: must be \"Scenario\", got %q", s.Kind)
	}
	if !nameRE.MatchString(s.Name) || len(s.Name) > 40 {
		return fmt.Errorf("name: %q must be a DNS label of at most 40 characters", s.Name)
	}
	if s.Description == "" {
		return fmt.Errorf("description: required (say what the scenario proves)")
	}
	if s.Manifests == "" {
		return fmt.Errorf("manifests: required")
	}
	if !filepath.IsLocal(s.Manifests) {
		return fmt.Errorf("manifests: %q must be a relative path inside the scenario's directory", s.Manifests)
	}
	if len(s.NegativeControlOf) > 0 && len(s.Twins) > 0 {
		return fmt.Errorf("twins: a negative control (negativeControlOf %v) has no twins of its own", s.NegativeControlOf)
	}
	if s.Profile != "" && !slices.Contains(Profiles, s.Profile) {
		return fmt.Errorf("profile: %q is not one of %s", s.Profile, strings.Join(Profiles, ", "))
	}
	if lp := s.Labels["profile"]; lp != "" && lp != s.ProfileName() {
		return fmt.Errorf("labels.profile: %q differs from profile %q (the label selects what the profile installs)", lp, s.ProfileName())
	}
	for i, img := range s.Images {
		switch {
		case s.ProfileName() != "manifests":
			return fmt.Errorf("images[%d]: %q: only profile manifests takes gateway images (profile %s brings its own)", i, img, s.ProfileName())
		case !slices.Contains(GatewayImages, img):
			return fmt.Errorf("images[%d]: %q is not one of %s", i, img, strings.Join(GatewayImages, ", "))
		case slices.Contains(s.Images[:i], img):
			return fmt.Errorf("images[%d]: %q is named twice", i, img)
		}
	}
	for k := range s.Namespace.Labels {
		if k == "drainproof.dev/scenario" {
			return fmt.Errorf("namespace.labels.%s: set by drainproof itself", k)
		}
	}
	for i, r := range s.Ready {
		if _, ds := DaemonSetReady(r); ds {
			continue
		}
		if _, _, err := ParseReady(r); err != nil {
			return fmt.Errorf("ready[%d]: %w", i, err)
		}
	}
	if err := s.Probes.validate(); err != nil {
		return fmt.Errorf("probes.%w", err)
	}
	if err := s.Disruption.validate(); err != nil {
		return fmt.Errorf("disruption.%w", err)
	}
	if err := s.Expect.Validate(); err != nil {
		return fmt.Errorf("expect.%w", err)
	}
	if s.IsNegativeControl() != (s.Expect.ExpectFailure != nil) {
		return fmt.Errorf("expect.expectFailure: required exactly when negativeControlOf is set (a known-bad twin says how it must fail)")
	}
	if s.Timeout.Duration <= 0 {
		return fmt.Errorf("timeout: required and > 0")
	}
	if s.Nodes < 0 || s.Nodes > MaxNodes {
		return fmt.Errorf("nodes: %d is outside 1..%d", s.Nodes, MaxNodes)
	}
	if s.Disruption.Action == "drain-node" && s.NodeCount() < 2 {
		return fmt.Errorf("nodes: drain-node needs at least 2 (the evicted pods need another node), got %d", s.NodeCount())
	}
	return nil
}

func positive(field string, d verdict.Duration) error {
	if d.Duration <= 0 {
		return fmt.Errorf("%s: must be > 0", field)
	}
	return nil
}

func (p Probes) validate() error {
	if p.SSH == nil && p.HTTP == nil && p.Load == nil && p.Outbound == nil {
		return fmt.Errorf("ssh: at least one of ssh, http, load, outbound is required")
	}
	if s := p.SSH; s != nil {
		if err := servicePort("ssh", s.Service, s.Port); err != nil {
			return err
		}
		if s.Sessions <= 0 {
			return fmt.Errorf("ssh.sessions: must be > 0")
		}
		if err := positive("ssh.lifetime", s.Lifetime); err != nil {
			return err
		}
		if s.Heartbeat.Duration < 0 {
			return fmt.Errorf("ssh.heartbeat: must be > 0")
		}
	}
	if h := p.HTTP; h != nil {
		if err := servicePort("http", h.Service, h.Port); err != nil {
			return err
		}
		if h.Connections <= 0 {
			return fmt.Errorf("http.connections: must be > 0")
		}
		if err := positive("http.lifetime", h.Lifetime); err != nil {
			return err
		}
	}
	if l := p.Load; l != nil {
		if err := servicePort("load", l.Service, l.Port); err != nil {
			return err
		}
		if l.Rate <= 0 {
			return fmt.Errorf("load.rate: must be > 0")
		}
		if err := positive("load.duration", l.Duration); err != nil {
			return err
		}
	}
	if p.EndAfterDisruption.Duration < 0 {
		return fmt.Errorf("endAfterDisruption: must not be negative")
	}
	if o := p.Outbound; o != nil {
		if o.Selector == "" || !strings.Contains(o.Selector, "=") {
			return fmt.Errorf("outbound.selector: must be a label selector like app=caller")
		}
		if o.Container == "" {
			return fmt.Errorf("outbound.container: required")
		}
	}
	return nil
}

func servicePort(probe, svc string, port int) error {
	if svc == "" {
		return fmt.Errorf("%s.service: required", probe)
	}
	if _, _, err := ParseService(svc); err != nil {
		return fmt.Errorf("%s.service: %w", probe, err)
	}
	if port <= 0 || port > 65535 {
		return fmt.Errorf("%s.port: %d is not a port", probe, port)
	}
	return nil
}

func (d Disruption) validate() error {
	if !slices.Contains(Actions, d.Action) {
		return fmt.Errorf("action: %q is not one of %s", d.Action, strings.Join(Actions, ", "))
	}
	kind, rest, ok := strings.Cut(d.Target, "/")
	switch d.Action {
	case "rollout-restart", "scale-zero":
		if !ok || kind != "deployment" || rest == "" {
			return fmt.Errorf("target: %s needs deployment/NAME, got %q", d.Action, d.Target)
		}
	default:
		if !ok || kind != "pods" || !strings.Contains(rest, "=") {
			return fmt.Errorf("target: %s needs pods/LABEL=VALUE, got %q", d.Action, d.Target)
		}
	}
	if d.Pick != "" && d.Pick != PickBusiest && d.Pick != PickAll {
		return fmt.Errorf("pick: must be %q or %q, got %q", PickBusiest, PickAll, d.Pick)
	}
	if d.Pick != "" && (kind != "pods" || d.Action == "drain-node") {
		return fmt.Errorf("pick: applies to pods/ targets (delete, force-delete, evict), not %s", d.Action)
	}
	if d.Grace != nil && *d.Grace < 0 {
		return fmt.Errorf("grace: must be >= 0")
	}
	if d.Timeout.Duration < 0 {
		return fmt.Errorf("timeout: must be > 0")
	}
	return nil
}

// DisruptionTimeout is the disruption's timeout or its default.
func (d Disruption) DisruptionTimeout() time.Duration {
	if d.Timeout.Duration > 0 {
		return d.Timeout.Duration
	}
	return 3 * time.Minute
}
