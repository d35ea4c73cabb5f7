package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/lint"
	"github.com/drainproof/drainproof/scenarios"
)

// lintScenarioOut is where scenario validation writes its "ok" lines
// (stderr under --format json, so stdout stays one JSON document).
var lintScenarioOut io.Writer = os.Stdout

func newLintCmd() *cobra.Command {
	var o lintOptions
	cmd := &cobra.Command{
		Use:   "lint [--format text|json] [--kubeconfig FILE [-n NS]] [FILE|DIR|-|SCENARIO]...",
		Short: "find drain misconfigurations in manifests (FILE|DIR|-, or --kubeconfig); validate scenario files",
		Long: `Kubernetes manifests (files, directories, "-" for stdin, or a live cluster with --kubeconfig and
no FILE): drain misconfigurations, exit 1 when any is found. Scenario files and catalog names:
validated (strict schema, known-bad twins that exist and point back, manifests that render; with
--kubeconfig a real API server also admits every object). No argument: the built-in catalog.`,
		Example: `  drainproof lint
  drainproof lint ./manifests/ --format json
  helm template my-gateway ./chart | drainproof lint -
  drainproof lint --kubeconfig ~/.kube/config -n gateways`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return lintManifestsCmd(cmd.Context(), &o, args)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "no FILE: lint this cluster's workloads; with scenarios: also have its API server admit every object (server-side dry-run)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", "with --kubeconfig and no FILE: only this namespace (default: all)")
	fs.StringVar(&o.format, "format", "text", "findings as text or json")
	fs.BoolVar(&o.heuristics, "heuristics", true, "include heuristic findings (classic sidecars: lint cannot see whether the application calls out at shutdown)")
	fs.BoolVar(&o.istioInjection, "istio-injection", true, "render workloads Istio injects through Istio's own injection (istioctl kube-inject, offline, as the istio profile built it) "+
		"and judge the injected spec; without a built istioctl, or =false, their sidecars are inferred from annotations (said on stderr)")
	_ = cmd.MarkFlagFilename("kubeconfig")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

type lintOptions struct {
	kubeconfig, namespace, format string
	heuristics, istioInjection    bool
}

// lintManifestsCmd is `drainproof lint`: Kubernetes manifests (files,
// directories, "-" for stdin, or a live cluster with --kubeconfig and no
// file) are checked for drain misconfigurations by package lint; scenario
// files and catalog names are validated as before (lintCmd). No argument
// and no --kubeconfig: the built-in catalog, as always.
func lintManifestsCmd(ctx context.Context, o *lintOptions, refs []string) error {
	kubeconfig, namespace, format, heuristics := &o.kubeconfig, &o.namespace, &o.format, &o.heuristics
	if *format != "text" && *format != "json" {
		return usagef("--format: %q is not text or json", *format)
	}
	if *format == "json" {
		lintScenarioOut = os.Stderr
	}
	if len(refs) == 0 && *kubeconfig == "" {
		return lintCmd(ctx, kubeconfig, nil) // the built-in catalog
	}
	var objs []lint.Object
	var scenarioRefs []string
	if len(refs) == 0 {
		cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
		if err != nil {
			return usagef("--kubeconfig: %v", err)
		}
		if objs, err = lint.FromCluster(ctx, cfg, *namespace); err != nil {
			return fmt.Errorf("--kubeconfig %s: %w", *kubeconfig, err)
		}
	}
	for _, ref := range refs {
		files, err := lintInputs(ref)
		if err != nil {
			return err
		}
		if files == nil { // a catalog name
			scenarioRefs = append(scenarioRefs, ref)
			continue
		}
		fromDir := len(files) > 1 || files[0] != ref
		for _, f := range files {
			if fromDir && isTemplate(f) {
				fmt.Fprintf(os.Stderr, "skipped %s: a template (render it first, e.g. helm template)\n", f)
				continue
			}
			o, err := readManifests(f)
			if err != nil {
				return usageError{err.Error()}
			}
			if isScenarioFile(o) {
				scenarioRefs = append(scenarioRefs, f)
				continue
			}
			objs = append(objs, o...)
		}
	}
	if len(scenarioRefs) > 0 {
		if err := lintCmd(ctx, kubeconfig, scenarioRefs); err != nil {
			return err
		}
	}
	if len(objs) == 0 && len(scenarioRefs) > 0 {
		return nil
	}
	objs, notes, err := renderIstioInjection(ctx, objs, o.istioInjection)
	if err != nil {
		return usageError{err.Error()}
	}
	for _, n := range notes {
		fmt.Fprintf(os.Stderr, "note: %s\n", n)
	}
	found, err := lint.Check(objs, lint.Options{})
	if err != nil {
		return usageError{err.Error()}
	}
	if !*heuristics {
		kept := found[:0]
		for _, f := range found {
			if !f.Heuristic {
				kept = append(kept, f)
			}
		}
		found = kept
	}
	if *format == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if found == nil {
			found = []lint.Finding{}
		}
		if err := enc.Encode(struct {
			Findings []lint.Finding `json:"findings"`
			Notes    []string       `json:"notes,omitempty"`
		}{found, notes}); err != nil {
			return err
		}
	} else {
		if err := lint.WriteText(os.Stdout, found); err != nil {
			return err
		}
		if len(found) == 0 {
			fmt.Printf("ok  %d objects, no drain findings\n", len(objs))
		}
	}
	if len(found) > 0 {
		fmt.Fprintf(os.Stderr, "%d drain finding(s)\n", len(found))
		return errVerdictFailed
	}
	return nil
}

// lintInputs expands one argument: "-" (stdin), a file, or a directory's
// *.yaml, *.yml and *.json files (recursively, sorted). nil, nil: ref is no
// path but a catalog scenario name.
func lintInputs(ref string) ([]string, error) {
	if ref == "-" {
		return []string{"-"}, nil
	}
	st, err := os.Stat(ref)
	if err != nil {
		if c, cerr := scenarios.Builtin(); cerr == nil {
			if _, ok := c.Get(ref); ok {
				return nil, nil
			}
		}
		return nil, usagef("%s: no such file, directory or catalog scenario", ref)
	}
	if !st.IsDir() {
		return []string{ref}, nil
	}
	var out []string
	err = filepath.WalkDir(ref, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				out = append(out, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, usagef("%s: %v", ref, err)
	}
	if len(out) == 0 {
		return nil, usagef("%s: no .yaml, .yml or .json file in it", ref)
	}
	sort.Strings(out)
	return out, nil
}

func readManifests(name string) ([]lint.Object, error) {
	if name == "-" {
		return lint.Read("-", os.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return lint.Read(name, f)
}

// isScenarioFile: a drainproof Scenario (validated as such, not linted).
func isScenarioFile(objs []lint.Object) bool {
	return len(objs) == 1 && objs[0].Kind() == "Scenario" && strings.HasPrefix(objs[0].APIVersion(), "drainproof.dev/")
}

// isTemplate: a file with Go template actions (a chart's or a scenario's
// manifest template), which is not YAML until rendered.
func isTemplate(name string) bool {
	b, err := os.ReadFile(name)
	return err == nil && strings.Contains(string(b), "{{")
}

// renderIstioInjection replaces the workloads Istio would inject by their
// injected form, rendered offline by the istio profile's istioctl, so the
// Istio rules judge the real injected spec. It never falls back silently: the
// notes say what was rendered, or why not and that the sidecars are inferred
// from annotations instead (istioctl not built: a cold cache; the injection
// failed; --istio-injection=false). The error is unreadable input only.
func renderIstioInjection(ctx context.Context, objs []lint.Object, enabled bool) ([]lint.Object, []string, error) {
	n, err := lint.IstioInjectable(objs, lint.Options{})
	if err != nil || n == 0 {
		return objs, nil, err
	}
	inferred := fmt.Sprintf("the Istio sidecars of %d workload(s) are inferred from their annotations and labels, not rendered by Istio's injection", n)
	if !enabled {
		return objs, []string{"--istio-injection=false: " + inferred}, nil
	}
	inj, err := profile.CachedIstioInjection(ctx)
	if err != nil {
		return objs, []string{fmt.Sprintf("%v: %s", err, inferred)}, nil
	}
	out, k, err := lint.InjectIstio(ctx, objs, inj, lint.Options{})
	if err != nil {
		if lint.IsReadError(err) {
			return nil, nil, err
		}
		return objs, []string{fmt.Sprintf("Istio's injection failed (%v): %s", err, inferred)}, nil
	}
	return out, []string{fmt.Sprintf("%d workload(s) judged in their injected form, rendered by %s", k, inj)}, nil
}
