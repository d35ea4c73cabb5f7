package scenarios

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// ParseReady splits a ready entry into a Deployment name or a label selector
// (exactly one is set): "deployment/NAME" or "deployments/SELECTOR".
func ParseReady(r string) (name string, sel labels.Selector, err error) {
	kind, rest, ok := strings.Cut(r, "/")
	switch {
	case ok && kind == "daemonset":
		return "", nil, fmt.Errorf("%q: a DaemonSet entry is read by DaemonSetReady, not ParseReady", r)
	case ok && kind == "deployment" && rest != "" && !strings.ContainsAny(rest, "=,!"):
		return rest, nil, nil
	case ok && kind == "deployments" && rest != "":
		sel, err := labels.Parse(rest)
		if err != nil || sel.Empty() {
			return "", nil, fmt.Errorf("%q: %q is not a label selector", r, rest)
		}
		return "", sel, nil
	}
	return "", nil, fmt.Errorf("%q must be deployment/NAME, deployments/LABEL=VALUE or daemonset/NAME", r)
}

// DaemonSetReady is the DaemonSet name of a ready entry "daemonset/NAME" (every scheduled pod
// ready), and whether the entry is one.
func DaemonSetReady(r string) (name string, ok bool) {
	kind, rest, cut := strings.Cut(r, "/")
	if !cut || kind != "daemonset" || rest == "" || strings.ContainsAny(rest, "=,!/") {
		return "", false
	}
	return rest, true
}

// ParseService splits a probe's service into a Service name or a label
// selector matching exactly one Service (it contains "=").
func ParseService(svc string) (name string, sel labels.Selector, err error) {
	if !strings.ContainsAny(svc, "=!") {
		return svc, nil, nil
	}
	sel, err = labels.Parse(svc)
	if err != nil || sel.Empty() {
		return "", nil, fmt.Errorf("%q is neither a Service name nor a label selector", svc)
	}
	return "", sel, nil
}
