package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/drainproof/drainproof/internal/profile"
	"github.com/drainproof/drainproof/internal/run"
	"github.com/drainproof/drainproof/scenarios"
)

func newListCmd() *cobra.Command {
	var o listOptions
	cmd := &cobra.Command{
		Use:   "list [-l SELECTOR] [-o wide|json|yaml]",
		Short: "list the built-in scenarios and their known-bad twins",
		Long: `List the built-in scenarios: what each must do (pass, or fail as a known-bad twin of another),
its disruption and what it is about. The default table fits 100 columns (the description is
cut to fit); -o wide shows every column in full, -o json|yaml the whole scenarios.`,
		Example: `  drainproof list
  drainproof list -l suite=smoke,profile!=istio -o wide
  drainproof list -l gateway -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run() },
	}
	cmd.Flags().StringVarP(&o.selector, "selector", "l", "", "label selector, as kubectl's: KEY=VALUE, KEY!=VALUE, KEY in (A,B), KEY, !KEY; comma-separated terms must all hold")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "output format: wide, json or yaml (default: a table that fits 100 columns)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(listFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// lintCmd validates the built-in catalog and any scenario files given, and
// renders their manifests with placeholder values.
func lintCmd(ctx context.Context, kubeconfig *string, refs []string) error {
	c, err := scenarios.Builtin()
	if err != nil {
		return err
	}
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
		charts, err := profile.Charts(ctx, p)
		if err != nil {
			bad++
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", s.Source, err)
			continue
		}
		vals := scenarios.Values{Namespace: "lint", Images: profile.Placeholders(p, s.Images...), Charts: charts, SSHSecret: "drainproof-ssh"}
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
