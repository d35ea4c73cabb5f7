// Package run is drainproof's run engine: one scenario on one cluster, in a
// namespace of its own. The order of a run is fixed:
//
//	namespace → key material → objects applied → workloads available →
//	watch started → probes preflighted and established → disruption (until
//	its done condition) → probes finished (at their lifetime, or
//	probes.endAfterDisruption after done) → ledger closed → verdict.
//
// Everything the run creates is registered for cleanup at creation and is
// removed at the end, on error and on cancellation (Ctrl-C), unless Keep.
package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drainproof/drainproof/internal/access"
	"github.com/drainproof/drainproof/internal/disrupt"
	"github.com/drainproof/drainproof/internal/kube"
	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/probe"
	"github.com/drainproof/drainproof/internal/reports"
	"github.com/drainproof/drainproof/internal/verdict"
	"github.com/drainproof/drainproof/internal/watch"
	"github.com/drainproof/drainproof/scenarios"
)

// Options is one run.
type Options struct {
	Scenario *scenarios.Scenario
	Files    fs.FS // where Scenario.Manifests resolves
	// Cluster is the run's way into the cluster: its API, and how the
	// images of Images reached its nodes (the manifests' pull policy, the
	// reports' image source). Kind or not is its business, not the engine's.
	Cluster access.Cluster
	// Images is the run's image table (name → ref): the base images and the
	// scenario's profile's (see profile.Ensure), for {{ image "name" }}.
	Images map[string]string
	// Charts are the scenario's profile's charts (see profile.Charter), for {{ chart "name" ... }}.
	Charts map[string]scenarios.Chart
	// NodeImage is a kind cluster's node image, for reports ("": not
	// known, an existing cluster).
	NodeImage string
	OutDir    string    // ledger.jsonl and key material go here
	Keep      bool      // leave the namespace behind for inspection
	Log       io.Writer // progress lines; nil: discarded
	// Probers is how many in-cluster prober pods hold the scenario's SSH,
	// HTTP and load traffic (fixtures/prober, see buildInCluster);
	// ProbersPerNode: one per Ready node; 0: the probes run in this
	// process, on the host. See ParseProbers.
	Probers int
	// NotCarried is the data plane's (reports.DataPlane.NotCarried): the
	// scenario's probes of those kinds are not run, and Result says so.
	NotCarried map[string]string
}

// Result is what a run produced. Verdict is judged even when the run was cut
// short, from whatever the ledger holds; Err says why it was cut short.
type Result struct {
	Namespace string
	Started   time.Time
	Finished  time.Time
	Events    []ledger.Event
	Verdict   verdict.Verdict
	// Env is what the run was tested with (drainproof, Kubernetes, kind,
	// images, host).
	Env reports.Environment
	// Evidence is EvidenceDir when the run failed and its namespace's pods,
	// events and logs were kept there ("" otherwise).
	Evidence string
	// ProbesNotRun are the scenario's probes the data plane cannot carry.
	ProbesNotRun []reports.ProbeNotRun
}

// setup marks err as a *probe.SetupError: the run could not judge anything
// (bad scenario, objects rejected, workloads never available).
func setup(err error) error {
	if err == nil {
		return nil
	}
	return &probe.SetupError{Err: err}
}

// Run executes o.Scenario. A non-nil Result comes back whenever probes ran.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	s := o.Scenario
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, setup(fmt.Errorf("--out %s: %w", o.OutDir, err))
	}
	var undo cleanups
	var clients *kube.Clients
	var ns string
	defer func() {
		// Evidence first: the namespace is still there (cleanups delete it).
		if clients != nil && ns != "" && needsEvidence(res, err) {
			dir := filepath.Join(o.OutDir, EvidenceDir)
			if eerr := collectEvidence(context.WithoutCancel(ctx), clients.CS, ns, dir); eerr != nil {
				fmt.Fprintf(o.Log, "evidence: %v\n", eerr)
			}
			fmt.Fprintf(o.Log, "evidence (pods, events, logs) in %s\n", dir)
			if res != nil {
				res.Evidence = EvidenceDir
			}
		}
		if o.Keep {
			fmt.Fprintf(o.Log, "keeping namespace (--keep)\n")
			return
		}
		if cerr := undo.run(ctx, 3*time.Minute); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()

	if o.Cluster == nil {
		return nil, setup(errors.New("run: no cluster access"))
	}
	clients, err = kube.FromConfig(o.Cluster.RESTConfig())
	if err != nil {
		return nil, setup(err)
	}
	if err := enoughNodes(ctx, clients.CS, s.NodeCount()); err != nil {
		return nil, setup(fmt.Errorf("scenario %s: %w", s.Name, err))
	}
	switch {
	case o.Probers == ProbersPerNode:
		if o.Probers, err = readyNodes(ctx, clients.CS); err != nil {
			return nil, setup(err)
		}
		o.Probers = max(o.Probers, 1)
	case o.Probers < 0:
		return nil, setup(fmt.Errorf("probers: %d pods", o.Probers))
	}
	env := environment(clients.CS, o)
	ns = namespaceFor(s.Name)
	cs := clients.CS
	nsLabels := map[string]string{"drainproof.dev/scenario": s.Name}
	for k, v := range s.Namespace.Labels {
		nsLabels[k] = v
	}
	if err := clients.CreateNamespace(ctx, ns, nsLabels, s.Namespace.Annotations); err != nil {
		return nil, setup(err)
	}
	undo.add("namespace "+ns, func(ctx context.Context) error {
		fmt.Fprintf(o.Log, "deleting namespace %s\n", ns)
		return clients.DeleteNamespace(ctx, ns, 2*time.Minute)
	})
	fmt.Fprintf(o.Log, "namespace %s\n", ns)

	vals := scenarios.Values{Namespace: ns, Images: o.Images, Charts: o.Charts, SSHSecret: "drainproof-ssh",
		PullPolicy: string(o.Cluster.PullPolicy())}
	var keys *sshMaterial
	if s.Probes.SSH != nil {
		if keys, err = newSSHMaterial(o.OutDir); err != nil {
			return nil, setup(err)
		}
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: vals.SSHSecret},
			Data: map[string][]byte{"host_key": keys.hostKeyPEM, "authorized_keys": keys.authorizedKeys}}
		if _, err := cs.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			return nil, setup(fmt.Errorf("create ssh secret: %w", err))
		}
	}
	objs, err := scenarios.Render(o.Files, s, vals)
	if err != nil {
		return nil, setup(err)
	}
	if err := clients.Apply(ctx, ns, objs, false); err != nil {
		return nil, setup(fmt.Errorf("%s: %w", s.Source, err))
	}
	for _, r := range s.Ready {
		wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		err := waitReady(wctx, cs, ns, r)
		cancel()
		if err != nil {
			return nil, setup(fmt.Errorf("ready: %w", err))
		}
	}
	fmt.Fprintf(o.Log, "workloads available: %s\n", strings.Join(s.Ready, ", "))

	sink, err := ledger.CreateJSONLines(filepath.Join(o.OutDir, "ledger.jsonl"))
	if err != nil {
		return nil, setup(err)
	}
	l := ledger.New(sink)
	res = &Result{Namespace: ns, Started: time.Now(), Env: env}
	defer func() {
		// Whatever cut the run short is said in the ledger before it closes,
		// so the verdict (and `drainproof report` later) is INCOMPLETE.
		if why := incompleteReason(ctx, err); why != "" {
			_ = l.Add(ledger.Event{Kind: ledger.Incomplete, Probe: "run", Error: why})
		}
		if cerr := l.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		res.Finished = time.Now()
		res.Events = l.Events()
		res.Verdict = verdict.Evaluate(s.Expect, res.Events)
	}()

	runCtx, stop := context.WithTimeout(ctx, s.Timeout.Duration)
	defer stop()
	w := watch.New(cs, ns, l)
	if err := w.Start(runCtx); err != nil {
		return res, setup(err)
	}
	probes, notRun := carried(s.Probes, o.NotCarried)
	res.ProbesNotRun = notRun
	for _, p := range notRun {
		fmt.Fprintln(o.Log, p.String())
	}
	set, err := buildProbes(runCtx, o, probes, cs, ns, keys)
	if set != nil {
		res.Env.Reached, res.Env.Probers = set.reached, set.probers
	}
	if err != nil {
		return res, setup(err)
	}
	if err := set.preflight(runCtx); err != nil {
		return res, setup(err)
	}
	if o.Probers > 0 {
		if where := proberPlacement(runCtx, cs, ns); where != "" {
			res.Env.Probers += " (" + where + ")"
		}
		fmt.Fprintf(o.Log, "probes: %s\n", res.Env.Probers)
	}
	// The probes run under a context of their own, so that
	// probes.endAfterDisruption can end them without ending the run.
	probeCtx, endProbes := context.WithCancelCause(runCtx)
	defer endProbes(nil)
	set.start(probeCtx, l)
	if err := set.established(runCtx, o.Log); err != nil {
		stop()
		set.wait()
		return res, err
	}
	recordDrainFacts(runCtx, cs, ns, l)
	d := s.Disruption
	fmt.Fprintf(o.Log, "disruption: %s %s\n", d.Action, d.Target)
	derr := disrupt.Do(runCtx, cs, ns, disrupt.Spec{Action: d.Action, Target: d.Target, Grace: d.Grace, Timeout: d.DisruptionTimeout(), Pick: d.Pick}, l)
	var end *trafficEnd
	switch after := s.Probes.EndAfterDisruption.Duration; {
	case derr != nil:
		fmt.Fprintf(o.Log, "disruption failed: %v\n", derr)
		stop()
	case after > 0:
		from, what := tailFrom(l.Events(), ns, time.Now())
		fmt.Fprintf(o.Log, "disruption done; ending probes %s after %s (probes.endAfterDisruption)\n", after, what)
		end = endTrafficAfter(from, what, after, l, endProbes)
	default:
		fmt.Fprintf(o.Log, "disruption done; waiting for probes to finish\n")
	}
	perr := set.wait()
	end.disarm()
	if runCtx.Err() != nil && ctx.Err() == nil && derr == nil {
		return res, fmt.Errorf("scenario timeout %s reached before probes finished", s.Timeout.Duration)
	}
	return res, errors.Join(derr, perr, ctx.Err())
}

// namespaceFor is a fresh, recognisable namespace name for a scenario run.
func namespaceFor(scenario string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := scenario
	if len(name) > 40 {
		name = name[:40]
	}
	return "dp-" + strings.TrimSuffix(name, "-") + "-" + hex.EncodeToString(b)
}

// incompleteReason says why a run that reached traffic cannot be judged:
// interrupted (Ctrl-C, SIGTERM: ctx's cause), or err (the scenario timeout,
// a disruption that failed, probes that never reached steady state, a probe
// error). "" when the run finished.
func incompleteReason(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return fmt.Sprintf("interrupted (%v) before the run finished", context.Cause(ctx))
	case err != nil:
		return "run cut short: " + err.Error()
	}
	return ""
}
