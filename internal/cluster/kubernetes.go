package cluster

import (
	"fmt"

	"github.com/drainproof/drainproof/internal/image/airgap"
)

// DefaultKubernetes is the Kubernetes version of the air-gapped node image when none is chosen.
var DefaultKubernetes = "v" + airgap.DefaultVersions.Kubernetes

// KubernetesVersions lists the Kubernetes minors an air-gapped node image can be asked for
// ("1.33", ...). A version of such a minor still needs its staging modules on the module proxy;
// BuildImages names the module the proxy refused when they are not.
func KubernetesVersions() []string { return airgap.KnownMinors() }

// CheckKubernetes says whether v ("v1.35.4") is a version an air-gapped node image can be asked
// for, before any build: a malformed version or an unknown minor is an error naming both.
func CheckKubernetes(v string) error {
	_, err := airgap.ForKubernetes(v)
	return err
}

// nodeVersions are the air-gapped node image's versions for Kubernetes v ("": the default).
func nodeVersions(v string) (airgap.Versions, error) {
	if v == "" {
		return airgap.DefaultVersions, nil
	}
	return airgap.ForKubernetes(v)
}

// checkKubernetesChoice refuses a Kubernetes version without the air-gapped node image (kind's
// default node image is one fixed version) and a version no node image can be built for.
func checkKubernetesChoice(v string, airGapped bool) error {
	if v == "" {
		return nil
	}
	if !airGapped {
		return fmt.Errorf("kubernetes version %s: only the air-gapped node image is built for a chosen version (use --air-gapped)", v)
	}
	return CheckKubernetes(v)
}
