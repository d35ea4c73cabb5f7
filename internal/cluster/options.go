package cluster

import (
	"fmt"
	"io"
	"time"
)

// Option configures Create. Options are sealed (only this package makes them) and each checks
// its own argument, so a bad value is reported by name before any cluster work starts.
type Option interface {
	apply(*options) error
}

type optionFunc func(*options) error

func (f optionFunc) apply(o *options) error { return f(o) }

type options struct {
	nodeImage      string        // empty: kind's default node image
	workers        int           // worker nodes besides the control plane
	workersSet     bool          //
	rawConfig      []byte        // a kind Cluster config (v1alpha4 YAML); exclusive with workers
	waitReady      time.Duration // how long to wait for nodes and system pods
	keep           bool          // keep a failed cluster (and kind's retained nodes) for debugging
	kubeconfigPath string        // empty: <cache>/kube/<name>.kubeconfig
	logsDir        string        // where to export logs when creation fails (empty: not exported)
	log            io.Writer     // progress log (nil: silent)
}

func defaultOptions() options {
	return options{waitReady: 5 * time.Minute}
}

// NodeImage sets the node image (e.g. the air-gapped drainproof/node:v1.33.13-<key>); without it
// kind's default node image is used, which needs a registry unless docker already has it.
func NodeImage(ref string) Option {
	return optionFunc(func(o *options) error {
		if ref == "" {
			return fmt.Errorf("cluster option NodeImage: empty image reference")
		}
		o.nodeImage = ref
		return nil
	})
}

// Workers sets the number of worker nodes (0..10) besides the control-plane node.
func Workers(n int) Option {
	return optionFunc(func(o *options) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("cluster option Workers: %d is outside 0..10", n)
		}
		o.workers, o.workersSet = n, true
		return nil
	})
}

// Config gives a whole kind cluster config (kind.x-k8s.io/v1alpha4 YAML). It cannot be combined
// with Workers (the config already says which nodes there are).
func Config(raw []byte) Option {
	return optionFunc(func(o *options) error {
		if len(raw) == 0 {
			return fmt.Errorf("cluster option Config: empty kind config")
		}
		o.rawConfig = raw
		return nil
	})
}

// WaitReady bounds the wait for the control plane, every node Ready, and the system workloads
// (CNI DaemonSet, kube-proxy, coredns) available. Default 5m.
func WaitReady(d time.Duration) Option {
	return optionFunc(func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("cluster option WaitReady: %v is not a positive duration", d)
		}
		o.waitReady = d
		return nil
	})
}

// Keep keeps a cluster whose creation failed (nodes retained) instead of deleting it.
func Keep(keep bool) Option {
	return optionFunc(func(o *options) error { o.keep = keep; return nil })
}

// KubeconfigPath sets where the cluster's kubeconfig is written (it is never merged into
// ~/.kube/config unless you point this there).
func KubeconfigPath(path string) Option {
	return optionFunc(func(o *options) error {
		if path == "" {
			return fmt.Errorf("cluster option KubeconfigPath: empty path")
		}
		o.kubeconfigPath = path
		return nil
	})
}

// LogsOnFailure exports the cluster's logs (kind's node logs, journal, pods) to dir when
// creation or the readiness wait fails.
func LogsOnFailure(dir string) Option {
	return optionFunc(func(o *options) error {
		if dir == "" {
			return fmt.Errorf("cluster option LogsOnFailure: empty directory")
		}
		o.logsDir = dir
		return nil
	})
}

// Log sends progress messages (kind's and ours) to w.
func Log(w io.Writer) Option {
	return optionFunc(func(o *options) error { o.log = w; return nil })
}
