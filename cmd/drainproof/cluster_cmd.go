package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/drainproof/drainproof/internal/cluster"
)

func newClusterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster (image | up | down)",
		Short: "kind clusters: image [--air-gapped] | up | down",
		Long: `Build drainproof's images, and create or delete the kind cluster that 'drainproof run' and the
e2e suites use.`,
		Example: `  drainproof cluster image --air-gapped
  drainproof cluster up --name drainproof --air-gapped
  drainproof cluster down --name drainproof`,
		// A missing or unknown subcommand is a usage error (exit 2), not help.
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("want a subcommand: image, up or down")
			}
			return usagef("unknown subcommand %q (want image, up or down)", args[0])
		},
	}
	cmd.AddCommand(newClusterImageCmd(), newClusterUpCmd(), newClusterDownCmd(), newClusterLogsCmd())
	return cmd
}

func newClusterImageCmd() *cobra.Command {
	var airGapped, rebuild bool
	var k8s string
	cmd := &cobra.Command{
		Use:   "image [--air-gapped [--rebuild] [--k8s VERSION]]",
		Short: "build (or reuse from the cache) the node, fixtures and gateway images",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rebuild && !airGapped {
				return usagef("--rebuild: only with --air-gapped (it rebuilds the air-gapped node image)")
			}
			if k8s != "" {
				if !airGapped {
					return usagef("--k8s: only with --air-gapped (kind's default node image is one fixed version)")
				}
				if err := cluster.CheckKubernetes(k8s); err != nil {
					return usagef("--k8s: %v", err)
				}
			}
			imgs, err := cluster.BuildImages(cmd.Context(), cluster.ImagesOptions{AirGapped: airGapped, Kubernetes: k8s, Rebuild: rebuild, Log: os.Stderr})
			if err != nil {
				return err
			}
			printImages(imgs)
			return nil
		},
	}
	cmd.Flags().BoolVar(&airGapped, "air-gapped", false, "also build drainproof's own kind node image (no registry needed)")
	cmd.Flags().StringVar(&k8s, "k8s", "", "the air-gapped node image's Kubernetes `VERSION` (default "+cluster.DefaultKubernetes+"; minors "+strings.Join(cluster.KubernetesVersions(), ", ")+")")
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "assemble the node image again even if docker has it (cached build steps are still reused; DRAINPROOF_CACHE=<empty dir> for a cold build)")
	return cmd
}

func newClusterUpCmd() *cobra.Command {
	o := cluster.UpOptions{Log: os.Stderr}
	cmd := &cobra.Command{
		Use:   "up [--name NAME] [--air-gapped] [--workers N] [--keep]",
		Short: "create a kind cluster (or reuse the one of that name)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Workers < 0 {
				return usagef("--workers: %d is negative", o.Workers)
			}
			c, imgs, err := cluster.Up(cmd.Context(), o)
			if imgs != nil {
				printImages(imgs)
			}
			if err != nil {
				return err
			}
			fmt.Printf("cluster %s ready; export KUBECONFIG=%s\n", c.Name, c.KubeconfigPath())
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Name, "name", cluster.DefaultName, "cluster name")
	fs.BoolVar(&o.AirGapped, "air-gapped", false, "use drainproof's own node image (built and cached if needed)")
	fs.StringVar(&o.Kubernetes, "k8s", "", "the air-gapped node image's Kubernetes `VERSION` (default "+cluster.DefaultKubernetes+")")
	fs.IntVar(&o.Workers, "workers", 0, "worker nodes besides the control plane")
	fs.BoolVar(&o.Keep, "keep", false, "keep the cluster if its creation fails")
	fs.DurationVar(&o.WaitReady, "wait", 5*time.Minute, "how long to wait for the cluster to be ready")
	fs.StringVar(&o.LogsDir, "logs", "", "export cluster logs to this `DIR` if creation fails")
	return cmd
}

func newClusterDownCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "down [--name NAME]",
		Short: "delete a kind cluster",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cluster.Down(cmd.Context(), name, os.Stderr) },
	}
	cmd.Flags().StringVar(&name, "name", cluster.DefaultName, "cluster name")
	return cmd
}

func newClusterLogsCmd() *cobra.Command {
	var name, out string
	cmd := &cobra.Command{
		Use:   "logs [--name NAME] --out DIR",
		Short: "export a kind cluster's logs (nodes' journals, containers, pods) to DIR",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out: required")
			}
			return cluster.ExportLogsOf(cmd.Context(), name, out)
		},
	}
	cmd.Flags().StringVar(&name, "name", cluster.DefaultName, "cluster name")
	cmd.Flags().StringVar(&out, "out", "", "directory the logs go to")
	return cmd
}

func printImages(imgs *cluster.Images) {
	if imgs.Node != "" {
		fmt.Printf("node image:     %s\n", imgs.Node)
	}
	if imgs.Fixtures != nil {
		fmt.Printf("fixtures image: %s (%s)\n", imgs.Fixtures.Ref, imgs.Fixtures.Archive)
	}
	if imgs.Gateway != nil {
		fmt.Printf("gateway image:  %s (%s)\n", imgs.Gateway.Ref, imgs.Gateway.Archive)
	}
	fmt.Println("timings:")
	for _, t := range imgs.Timings {
		fmt.Printf("  %s\n", t)
	}
}
