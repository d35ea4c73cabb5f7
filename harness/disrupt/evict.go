package disrupt

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1 "k8s.io/api/policy/v1"
)

func evictionFor(ns, pod string, opts metav1.DeleteOptions) *policyv1.Eviction {
	return &policyv1.Eviction{
		ObjectMeta:    metav1.ObjectMeta{Name: pod, Namespace: ns},
		DeleteOptions: &opts,
	}
}
