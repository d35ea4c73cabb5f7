package istio

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ImageLabels reads the config labels of img from its archive (reports use DataPlaneLabel to
// class a run's data plane).
func ImageLabels(img *Image) (map[string]string, error) {
	tag, err := name.NewTag(img.Ref, name.WeakValidation)
	if err != nil {
		return nil, err
	}
	i, err := tarball.ImageFromPath(img.Archive, &tag)
	if err != nil {
		return nil, fmt.Errorf("image %s in %s: %w", img.Ref, img.Archive, err)
	}
	cf, err := i.ConfigFile()
	if err != nil {
		return nil, err
	}
	return cf.Config.Labels, nil
}
