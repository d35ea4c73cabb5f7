package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/drainproof/drainproof/harness/profile"
	"github.com/drainproof/drainproof/harness/run"
	"github.com/drainproof/drainproof/scenarios"
)

func init() {
	register("list", "list the built-in scenarios and their known-bad twins", listCmd)
	register("lint", "find drain misconfigurations in manifests (FILE|DIR|-, or --kubeconfig); validate scenario files", lintManifestsCmd)
}

func listCmd(ctx context.Context, args []string) error {
	fs := newFlags("list")
	label := fs.String("l", "", "only scenarios with this label, KEY=VALUE (e.g. suite=smoke)")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := scenarios.Builtin()
	if err != nil {
		return err
	}
	k, v, hasLabel := strings.Cut(*label, "=")
	if *label != "" && !hasLabel {
		return usagef("-l: want KEY=VALUE, got %q", *label)
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tDISRUPTION\tLABELS")
	for _, n := range c.Names() {
		s, _ := c.Get(n)
		if hasLabel && s.Labels[k] != v {
			continue
		}
		role := "must pass; twins: " + strings.Join(s.Twins, ",")
		if s.IsNegativeControl() {
			role = "must fail; controls: " + strings.Join(s.NegativeControlOf, ",")
		}
		fmt.Fprintf(w, "%s\t%s\t%s %s\t%s\n", n, role, s.Disruption.Action, s.Disruption.Target, labels(s.Labels))
	}
	return w.Flush()
}

func labels(m map[string]string) string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// lintCmd validates the built-in catalog and any scenario files given, and
// renders their manifests with placeholder values.
func lintCmd(ctx context.Context, args []string) error {
	fs := newFlags("lint")
	kubeconfig := fs.String("kubeconfig", "", "also have this cluster's API server admit every object (server-side dry-run into namespace default)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	c, err := scenarios.Builtin()
	if err != nil {
		return err
	}
	refs := fs.Args()
	if len(refs) == 0 {
		refs = c.Names()
	}
	bad := 0 // every file is linted; each bad one is reported
	for _, ref := range refs {
		s, files, err := c.Resolve(ref)
		if err != nil {
			bad++
			fmt.Fprintf(os.Stderr, "FAIL %v\n", err)
			continue
		}
		p, err := profile.Get(s.Profile)
		if err != nil {
			bad++
			fmt.Fprintf(os.Stderr, "FAIL %s: profile: %v\n", s.Source, err)
			continue
		}
		vals := scenarios.Values{Namespace: "lint", Images: profile.Placeholders(p), SSHSecret: "drainproof-ssh"}
		objs, err := scenarios.Render(files, s, vals)
		if err != nil {
			bad++
			fmt.Fprintf(os.Stderr, "FAIL %v\n", err)
			continue
		}
		how := "rendered"
		if *kubeconfig != "" {
			cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
			if err != nil {
				return usagef("--kubeconfig: %v", err)
			}
			if _, err := run.DryRun(ctx, cfg, s, files, vals, "default"); err != nil {
				bad++
				fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", ref, err)
				continue
			}
			how = "admitted by the API server (dry-run)"
		}
		fmt.Fprintf(lintScenarioOut, "ok  %s (%d objects %s)\n", s.Name, len(objs), how)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d scenarios failed", bad, len(refs))
	}
	return nil
}
