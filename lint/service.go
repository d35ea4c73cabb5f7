package lint

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type service struct {
	ref  Ref
	spec corev1.ServiceSpec
}

func newService(o Object, defaultNS string) (*service, error) {
	s := &service{ref: Ref{o.Kind(), o.Namespace(), o.Name()}}
	if s.ref.Namespace == "" {
		s.ref.Namespace = defaultNS
	}
	if err := decodeStrict(path(o.Raw, "spec"), &s.spec); err != nil {
		return nil, &ReadError{o.Source, fmt.Errorf("%s spec: %v", s.ref, err)}
	}
	return s, nil
}

// selects reports whether s routes to w's pods (same namespace, a non-empty
// selector all of whose labels the pod template has).
func (s *service) selects(w *workload) bool {
	if s.ref.Namespace != w.ref.Namespace || len(s.spec.Selector) == 0 {
		return false
	}
	for k, v := range s.spec.Selector {
		if w.tmpl.Labels[k] != v {
			return false
		}
	}
	return true
}

// longLivedPorts are the Service's TCP ports whose protocol holds
// connections for minutes or hours: SSH on 22 or 2222, or a port named or
// declared (appProtocol) ssh. (WebSockets and other upgrades over HTTP ports
// cannot be told from a manifest.)
func (s *service) longLivedPorts() []int {
	var out []int
	for i, p := range s.spec.Ports {
		if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
			continue
		}
		ap := ""
		if p.AppProtocol != nil {
			ap = *p.AppProtocol
		}
		if p.Port == 22 || p.Port == 2222 || strings.Contains(strings.ToLower(p.Name), "ssh") || strings.Contains(strings.ToLower(ap), "ssh") {
			out = append(out, i)
		}
	}
	return out
}

// target returns the running container that serves Service port i of w
// (by containerPort number or name), if the manifests say.
func (s *service) target(i int, w *workload) (containerRef, bool) {
	p := s.spec.Ports[i]
	want := p.Port // targetPort unset: the port itself
	if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal != 0 {
		want = p.TargetPort.IntVal
	}
	for _, c := range w.running() {
		for _, cp := range c.c.Ports {
			if p.TargetPort.Type == intstr.String && cp.Name == p.TargetPort.StrVal ||
				p.TargetPort.Type == intstr.Int && cp.ContainerPort == want {
				return c, true
			}
		}
	}
	return containerRef{}, false
}

func (s *service) portValue(i int) Value {
	p := s.spec.Ports[i]
	v := fmt.Sprint(p.Port)
	if p.Name != "" {
		v += " (" + p.Name + ")"
	}
	return Value{Path: fmt.Sprintf("%s spec.ports[%d].port", s.ref, i), Value: v}
}
