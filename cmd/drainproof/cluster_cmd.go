package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/drainproof/drainproof/harness/cluster"
)

func init() {
	register("cluster", "kind clusters: image [--air-gapped] | up | down", clusterCmd)
}

func clusterCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: image, up or down")
	}
	switch args[0] {
	case "image":
		return clusterImageCmd(ctx, args[1:])
	case "up":
		return clusterUpCmd(ctx, args[1:])
	case "down":
		return clusterDownCmd(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(os.Stderr, "usage: drainproof cluster image [--air-gapped] | up [--name N] [--air-gapped] [--workers N] [--keep] | down [--name N]")
		return nil
	}
	return usagef("unknown subcommand %q (want image, up or down)", args[0])
}

func clusterImageCmd(ctx context.Context, args []string) error {
	fs := newFlags("cluster image")
	airGapped := fs.Bool("air-gapped", false, "also build drainproof's own kind node image (no registry needed)")
	rebuild := fs.Bool("rebuild", false, "assemble the node image again even if docker has it (cached build steps are still reused; DRAINPROOF_CACHE=<empty dir> for a cold build)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rebuild && !*airGapped {
		return usagef("--rebuild: only with --air-gapped (it rebuilds the air-gapped node image)")
	}
	imgs, err := cluster.BuildImages(ctx, cluster.ImagesOptions{AirGapped: *airGapped, Rebuild: *rebuild, Log: os.Stderr})
	if err != nil {
		return err
	}
	printImages(imgs)
	return nil
}

func clusterUpCmd(ctx context.Context, args []string) error {
	fs := newFlags("cluster up")
	name := fs.String("name", cluster.DefaultName, "cluster name")
	airGapped := fs.Bool("air-gapped", false, "use drainproof's own node image (built and cached if needed)")
	workers := fs.Int("workers", 0, "worker nodes besides the control plane")
	keep := fs.Bool("keep", false, "keep the cluster if its creation fails")
	wait := fs.Duration("wait", 5*time.Minute, "how long to wait for the cluster to be ready")
	logs := fs.String("logs", "", "export cluster logs here if creation fails")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *workers < 0 {
		return usagef("--workers: %d is negative", *workers)
	}
	c, imgs, err := cluster.Up(ctx, cluster.UpOptions{Name: *name, AirGapped: *airGapped, Workers: *workers,
		Keep: *keep, WaitReady: *wait, LogsDir: *logs, Log: os.Stderr})
	if imgs != nil {
		printImages(imgs)
	}
	if err != nil {
		return err
	}
	fmt.Printf("cluster %s ready; export KUBECONFIG=%s\n", c.Name, c.KubeconfigPath())
	return nil
}

func clusterDownCmd(ctx context.Context, args []string) error {
	fs := newFlags("cluster down")
	name := fs.String("name", cluster.DefaultName, "cluster name")
	if err := parse(fs, args); err != nil {
		return err
	}
	return cluster.Down(ctx, *name, os.Stderr)
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
