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
	case ok && kind == "deployment" && rest != "" && !strings.ContainsAny(rest, "=,!"):
		return rest, nil, nil
	case ok && kind == "deployments" && rest != "":
		sel, err := labels.Parse(rest)
		if err != nil || sel.Empty() {
			return "", nil, fmt.Errorf("%q: %q is not a label selector", r, rest)
		}
		return "", sel, nil
	}
	return "", nil, fmt.Errorf("%q must be deployment/NAME or deployments/LABEL=VALUE", r)
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
