package istio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/kube"
)

// Where and as what Istio is installed.
const (
	Namespace      = "istio-system"
	baseRelease    = "istio-base"
	istiodRelease  = "istiod"
	injectorName   = "istio-sidecar-injector" // the default revision's MutatingWebhookConfiguration
	checkNamespace = "drainproof-istio-check" // injection-labelled; holds no pods (dry-run only)
	// InjectionLabel labels a namespace for the default revision's sidecar injection.
	InjectionLabel = "istio-injection"
	// ProxyContainer is the injected sidecar's name (a container, or with native sidecars an
	// init container with restartPolicy Always).
	ProxyContainer = "istio-proxy"
)

// installTimeout bounds the done condition of Install and the teardown of Uninstall.
const installTimeout = 5 * time.Minute

// missingProxyImage is the proxy image named in the injection template when Build made none
// (ControlPlaneOnly): injected pods then fail with ErrImageNeverPull, naming what is missing,
// instead of pulling anything.
const missingProxyImage = ProxyRepo + ":missing-envoy-standin"

// values are the Helm values of the two releases: the images Build made, never pulled (tags are
// content keys; imagePullPolicy Never makes a missing image an error, not a download) — or in
// registry mode the release's own pilot and proxyv2, pulled by the nodes, with the chart's
// global hub and tag set to the release — no autoscaling, and requests small enough for a kind
// node on a shared machine.
func values(b *Built) (base, istiod map[string]any) {
	proxy := missingProxyImage
	if b.Proxy != nil {
		proxy = b.Proxy.Ref
	}
	base = map[string]any{"global": map[string]any{"istioNamespace": Namespace}}
	istiod = map[string]any{
		"image": b.Istiod.Ref,
		// The chart merges user values over its defaults with sprig's mergeOverwrite, which
		// skips "empty" values: autoscaleEnabled=false cannot turn the HPA off. A 1..1 range
		// makes it inert (and kind has no metrics-server anyway).
		"autoscaleEnabled": false,
		"autoscaleMin":     1,
		"autoscaleMax":     1,
		"replicaCount":     1,
		"resources":        map[string]any{"requests": map[string]any{"cpu": "50m", "memory": "256Mi"}},
		"global": map[string]any{
			"istioNamespace":  Namespace,
			"imagePullPolicy": b.PullPolicy(),
			"proxy": map[string]any{
				"image":     proxy,
				"resources": map[string]any{"requests": map[string]any{"cpu": "10m", "memory": "32Mi"}},
			},
			"proxy_init": map[string]any{"image": proxy},
		},
	}
	if r := b.Release; r != nil {
		g := istiod["global"].(map[string]any)
		g["hub"], g["tag"] = r.hub(), r.Version
	}
	return base, istiod
}

// InstallKey identifies what Install puts into a cluster: the module, the images, the values.
func InstallKey(b *Built) string {
	base, istiod := values(b)
	bj, _ := json.Marshal(base)
	ij, _ := json.Marshal(istiod)
	return imgbuild.Key("istio-install", Version, string(bj), string(ij))[:16]
}

// Install installs Istio's base chart (CRDs) and istiod from the module's charts into
// istio-system, with the images of b (already loaded into the nodes), unless the cluster already
// holds releases with the same InstallKey. Either way it returns only when Istio is usable:
// istiod's Deployment is available, istiod has patched its injector webhook's caBundle, and a
// server-side dry-run create of a Pod in an injection-labelled namespace comes back injected.
func Install(ctx context.Context, rc *rest.Config, b *Built, log io.Writer) error {
	if b == nil || b.Istiod == nil || b.ModuleDir == "" {
		return fmt.Errorf("istio install: no istiod image built (call Build first)")
	}
	if log == nil {
		log = io.Discard
	}
	t0 := time.Now()
	h, err := newHelmClient(rc, Namespace, log)
	if err != nil {
		return err
	}
	key := InstallKey(b)
	base, istiod := values(b)
	for _, r := range []struct {
		name, chart string
		values      map[string]any
	}{{baseRelease, chartBase, base}, {istiodRelease, chartIstiod, istiod}} {
		c, err := loadChart(b.ModuleDir, r.chart)
		if err != nil {
			return err
		}
		t := time.Now()
		changed, err := h.Apply(ctx, r.name, c, r.values, key)
		if err != nil {
			return err
		}
		if changed {
			fmt.Fprintf(log, "[istio] helm release %s (%s) applied in %.1fs\n", r.name, r.chart, time.Since(t).Seconds())
		} else {
			fmt.Fprintf(log, "[istio] helm release %s is up to date (key %s)\n", r.name, key)
		}
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	if err := waitUsable(ctx, cs, b.Istiod.Ref); err != nil {
		return err
	}
	fmt.Fprintf(log, "[istio] istio %s (%s) usable after %.1fs\n", Line, Version, time.Since(t0).Seconds())
	return nil
}

// waitUsable is Install's done condition (see Install), polled: each part is a condition on the
// cluster's state, and the first that never holds is named in the error.
func waitUsable(ctx context.Context, cs kubernetes.Interface, anyImage string) error {
	ctx, cancel := context.WithTimeout(ctx, installTimeout) // one deadline for all parts
	defer cancel()
	until := kube.Conditions{Owner: "istio install", Timeout: installTimeout}
	if err := until.Wait(ctx,
		kube.DeploymentAvailable(cs, Namespace, "istiod"),
		kube.Condition{What: "the injector webhook's caBundle patched by istiod", Holds: func(ctx context.Context) (bool, error) {
			w, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, injectorName, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			for _, wh := range w.Webhooks {
				if len(wh.ClientConfig.CABundle) == 0 {
					return false, fmt.Errorf("webhook %s has no caBundle yet", wh.Name)
				}
			}
			return len(w.Webhooks) > 0, nil
		}}); err != nil {
		return err
	}
	if err := ensureNamespace(ctx, cs, checkNamespace, map[string]string{InjectionLabel: "enabled"}); err != nil {
		return err
	}
	probe := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "injection-check"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: anyImage}}},
	}
	return until.Wait(ctx, kube.Condition{What: "a dry-run Pod in an " + InjectionLabel + "=enabled namespace injected", Holds: func(ctx context.Context) (bool, error) {
		p, err := DryRunCreate(ctx, cs, checkNamespace, probe)
		if err != nil {
			return false, err
		}
		if ProxyOf(p) == nil {
			return false, fmt.Errorf("the dry-run pod came back without %s", ProxyContainer)
		}
		return true, nil
	}})
}

// DryRunCreate creates pod in namespace as a server-side dry run and returns what the API server
// would store: with injection on, the pod as the injector webhook rewrote it. (The injector
// matches pods/CREATE only: a dry-run Deployment is not injected.)
func DryRunCreate(ctx context.Context, cs kubernetes.Interface, namespace string, pod *corev1.Pod) (*corev1.Pod, error) {
	return cs.CoreV1().Pods(namespace).Create(ctx, pod.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
}

// ProxyOf returns the injected istio-proxy of a pod spec, a container or a native-sidecar init
// container, or nil.
func ProxyOf(p *corev1.Pod) *corev1.Container {
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == ProxyContainer {
			return &p.Spec.InitContainers[i]
		}
	}
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == ProxyContainer {
			return &p.Spec.Containers[i]
		}
	}
	return nil
}

func ensureNamespace(ctx context.Context, cs kubernetes.Interface, name string, labels map[string]string) error {
	ns, err := cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	missing := false
	for k, v := range labels {
		if ns.Labels[k] != v {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	_, err = cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
	return err
}

// Uninstall removes what Install made: both Helm releases (istiod first), the check namespace
// and istio-system, and waits until those namespaces are gone. Missing pieces are no error.
func Uninstall(ctx context.Context, rc *rest.Config, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	h, err := newHelmClient(rc, Namespace, log)
	if err != nil {
		return err
	}
	for _, r := range []string{istiodRelease, baseRelease} {
		if err := h.Uninstall(r); err != nil {
			return err
		}
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	// istiod writes objects of its own that no release owns (its CA secret, the root-cert
	// ConfigMaps): deleting the namespaces takes them along.
	for _, ns := range []string{checkNamespace, Namespace} {
		if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	err = wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		for _, ns := range []string{checkNamespace, Namespace} {
			if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("istio uninstall: namespaces %s still there: %w", strings.Join([]string{checkNamespace, Namespace}, ", "), err)
	}
	fmt.Fprintf(log, "[istio] uninstalled\n")
	return nil
}
