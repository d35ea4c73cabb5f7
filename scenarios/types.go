// Package scenarios is drainproof's catalog as data: every scenario is a YAML
// file embedded in the binary (or given by path), loaded strictly (unknown
// fields rejected) and validated so that every error names the file and field.
//
// A scenario is one claim about draining ("rolling the gateway drops no SSH
// session") plus how to provoke it: the Kubernetes objects to create, the
// traffic to hold open, the disruption, and the expectations the verdict
// checks. A good scenario names its known-bad twins; a twin names the
// scenario it controls and must fail, with its drops attributed to the pods
// the disruption stopped.
package scenarios

import "github.com/drainproof/drainproof/internal/verdict"

// APIVersion is the schema version of scenario files.
const APIVersion = "drainproof.dev/v1alpha1"

// Scenario is one file of the catalog.
type Scenario struct {
	APIVersion  string            `json:"apiVersion"`
	Kind        string            `json:"kind"` // "Scenario"
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Labels      map[string]string `json:"labels,omitempty"` // selectable with suite -labels (profile=..., suite=smoke)
	// Profile is the system under test whose images and cluster-wide install
	// the scenario needs (see Profiles); empty means "manifests": everything
	// the scenario needs is in its own manifests.
	Profile string `json:"profile,omitempty"`
	// Images are gateways built from Go modules (see GatewayImages) that a
	// manifests-profile scenario's manifests name besides the base images
	// ({{ image "traefik" }}): the run builds and loads exactly these. A
	// profile other than manifests brings its own images instead.
	Images []string `json:"images,omitempty"`
	// Namespace is the run's own namespace's metadata (e.g. the label
	// istio-injection: enabled that turns on a mesh's sidecar injection).
	Namespace NamespaceMeta `json:"namespace,omitempty"`
	// Twins are the known-bad scenarios that must fail where this one passes.
	Twins []string `json:"twins,omitempty"`
	// NegativeControlOf names the good scenarios this known-bad twin controls.
	NegativeControlOf []string `json:"negativeControlOf,omitempty"`
	// Manifests is a Go text/template of Kubernetes objects, relative to the
	// scenario file (built-in scenarios: catalog/manifests/ beside them).
	Manifests string            `json:"manifests"`
	Params    map[string]string `json:"params,omitempty"` // template values; see Values
	// Ready lists workloads that must be available before traffic starts:
	// "deployment/NAME", or "deployments/SELECTOR" (every Deployment the label
	// selector matches, at least one: controllers generate names).
	Ready      []string   `json:"ready"`
	Probes     Probes     `json:"probes"`
	Disruption Disruption `json:"disruption"`
	// Expect is the claim the verdict checks; a twin makes the same claim
	// plus expectFailure (how it must fail).
	Expect verdict.Expect `json:"expect"`
	// Timeout bounds the whole run after the objects are ready.
	Timeout verdict.Duration `json:"timeout"`
	// Nodes is how many schedulable nodes the scenario needs (default 1): a cluster created
	// for it gets that many (control plane + workers); a run on a cluster with fewer is a setup
	// error before anything is created.
	Nodes int `json:"nodes,omitempty"`

	// Source is where the scenario was loaded from (file path); not in YAML.
	Source string `json:"-"`
	// Digest is "sha256:<hex>" of the file's bytes, as reports record it.
	Digest string `json:"-"`
}

// NamespaceMeta is metadata of the run's namespace.
type NamespaceMeta struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Probes is the traffic held through the disruption. Services are reached
// from the harness through their NodePort on a cluster node. A probe's
// service is a Service name, or a label selector (it contains "=") that
// matches exactly one Service: controllers generate names.
type Probes struct {
	SSH      *SSHProbe      `json:"ssh,omitempty"`
	HTTP     *HTTPProbe     `json:"http,omitempty"`
	Load     *LoadProbe     `json:"load,omitempty"`
	Outbound *OutboundProbe `json:"outbound,omitempty"`
	// EndAfterDisruption, when set, ends every probe (the client closes
	// what is open, as at a lifetime's end) this long after the stopped
	// pods' last container exit (as the watch saw it; the done condition
	// when the ledger cannot say), and never before the disruption's done
	// condition held, instead of at the probes' own lifetime and duration,
	// which stay the upper bound. It is for scenarios whose claim is about
	// the pods the disruption stopped: once their containers have exited,
	// every connection they carried has ended, so traffic after that
	// proves nothing more. Unset: probes run their whole lifetime.
	EndAfterDisruption verdict.Duration `json:"endAfterDisruption,omitempty"`
}

// SSHProbe holds SSH sessions through a Service (the gateway's TCP listener).
type SSHProbe struct {
	Service   string           `json:"service"`
	Port      int              `json:"port"` // the Service port; its NodePort is dialled
	Sessions  int              `json:"sessions"`
	Heartbeat verdict.Duration `json:"heartbeat,omitempty"`
	Lifetime  verdict.Duration `json:"lifetime"`
}

// HTTPProbe holds keep-alive HTTP connections with periodic requests.
type HTTPProbe struct {
	Service     string           `json:"service"`
	Port        int              `json:"port"`
	Path        string           `json:"path,omitempty"`
	Connections int              `json:"connections"`
	Interval    verdict.Duration `json:"interval,omitempty"`
	Lifetime    verdict.Duration `json:"lifetime"`
}

// LoadProbe is a constant-rate vegeta attack.
type LoadProbe struct {
	Service  string           `json:"service"`
	Port     int              `json:"port"`
	Path     string           `json:"path,omitempty"`
	Rate     int              `json:"rate"`
	Duration verdict.Duration `json:"duration"`
}

// OutboundProbe follows the logs of an in-pod caller (fixtures/caller) and
// turns each call it made into an Outbound event.
type OutboundProbe struct {
	Selector  string `json:"selector"`  // label selector of the caller pods, e.g. app=caller
	Container string `json:"container"` // the caller container
}

// Disruption is what the run does to the cluster once traffic is established.
type Disruption struct {
	Action string `json:"action"` // one of Actions
	// Target is "deployment/NAME" (rollout-restart, scale-zero) or a pod label
	// selector "pods/app=NAME" (delete, force-delete, evict: the first pod by name).
	Target string `json:"target"`
	// Grace overrides the pod's terminationGracePeriodSeconds for delete (nil: the pod's own).
	Grace   *int64           `json:"grace,omitempty"`
	Timeout verdict.Duration `json:"timeout,omitempty"` // how long "done" may take (default 3m)
	// Pick chooses the victims of delete, force-delete and evict among the
	// target's pods, by what they carry once traffic reached every ready pod:
	// "busiest" (default: the pod carrying the most probe connections, then
	// requests) or "all". What each pod carried is recorded in the ledger.
	Pick string `json:"pick,omitempty"`
}

// Profiles are the systems under test drainproof knows how to install.
var Profiles = []string{"manifests", "istio", "envoy", "gloo", "envoy-gateway"}

// GatewayImages are the gateways built from Go modules a scenario may name in
// its images field (internal/image/gateways registers one builder for each).
var GatewayImages = []string{"traefik"}

// ProfileName is s's profile, "manifests" when the file names none.
func (s *Scenario) ProfileName() string {
	if s.Profile == "" {
		return "manifests"
	}
	return s.Profile
}

// Pick values of Disruption.Pick.
const (
	PickBusiest = "busiest"
	PickAll     = "all"
)

// Actions are the disruptions drainproof knows.
var Actions = []string{"rollout-restart", "delete", "force-delete", "evict", "scale-zero", "drain-node"}

// MaxNodes bounds Scenario.Nodes (kind nodes are containers on one machine).
const MaxNodes = 4

// NodeCount is how many nodes s needs (Nodes, or 1).
func (s *Scenario) NodeCount() int {
	if s.Nodes <= 0 {
		return 1
	}
	return s.Nodes
}
