package envoygateway

import (
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// Image repositories (docker.io/ is how containerd records Docker Hub-style names).
const (
	ControlPlaneRepo = "docker.io/drainproof/envoy-gateway"
	ProxyRepo        = "docker.io/drainproof/envoy-gateway-proxy"
)

// The label in the proxy image's config that says what runs as Envoy in it; reports class a
// run's data plane by it. DataPlaneStandIn is a result class of its own, never real Envoy.
const (
	DataPlaneLabel   = "io.drainproof.data-plane"
	DataPlaneStandIn = "Envoy stand-in (L4)"
	// GatewayLabel records the module the images were built from.
	GatewayLabel = "io.drainproof.envoy-gateway"
)

// NotCarried are the probes the stand-in cannot carry through an Envoy Gateway proxy: Envoy
// Gateway routes every HTTPRoute by RDS through its HTTP connection manager, which the L4
// stand-in does not model. A scenario's http or load probe is reported NOT RUN, never passed.
var NotCarried = map[string]string{
	"http": "needs real Envoy: the stand-in is L4 (Envoy Gateway routes HTTPRoutes by RDS, which it does not model)",
	"load": "needs real Envoy: the stand-in is L4 (Envoy Gateway routes HTTPRoutes by RDS, which it does not model)",
}

// nonroot is the uid/gid Envoy Gateway runs every container as (its chart's and its proxy
// Deployments' securityContext), distroless' "nonroot".
const nonroot = "65532:65532"

// imager writes the two images into the cache.
type imager struct {
	cache string
	steps *imgbuild.Steps
}

// layouts version the images' layouts (bump when basics or the configs change).
const (
	controlPlaneLayout = "envoy-gateway-layout-1"
	proxyLayout        = "envoy-gateway-proxy-layout-1"
)

// controlPlane: envoy-gateway FROM scratch as Envoy Gateway's own image is on distroless (the
// binary at /usr/local/bin, user nonroot, entrypoint the binary), with the /tmp the shutdown
// manager writes its ready file to. The chart runs it as the controller and the certgen job; the
// controller names it as every proxy pod's shutdown-manager image.
func (m imager) controlPlane(bin string) (*Image, error) {
	return m.image("envoy-gateway", ControlPlaneRepo, controlPlaneLayout, bin, imgbuild.Config{
		Entrypoint: []string{"/usr/local/bin/" + Binary}, User: nonroot, WorkingDir: "/",
		Labels: map[string]string{GatewayLabel: Module + "@" + Version},
	}, "/usr/local/bin/"+Binary)
}

// proxy: the Envoy stand-in as /usr/local/bin/envoy (the controller's proxy container runs the
// command `envoy` with Envoy's flags), FROM scratch, user nonroot, labelled as a stand-in.
func (m imager) proxy(standIn string) (*Image, error) {
	return m.image("envoy-gateway-proxy", ProxyRepo, proxyLayout, standIn, imgbuild.Config{
		Entrypoint: []string{"/usr/local/bin/envoy"}, User: nonroot, WorkingDir: "/",
		Labels: map[string]string{DataPlaneLabel: DataPlaneStandIn, GatewayLabel: Module + "@" + Version},
	}, "/usr/local/bin/envoy")
}

// image builds one single-binary image keyed by the binary's content, unless cached.
func (m imager) image(name, repo, layout, bin string, cfg imgbuild.Config, at string) (*Image, error) {
	binKey, err := fileKey(bin)
	if err != nil {
		return nil, err
	}
	key := imgbuild.Key(name, Version, binKey, layout)[:12]
	img := &Image{Ref: repo + ":" + Version + "-" + key, Archive: filepath.Join(m.cache, "archives", name+"-"+key+".tar")}
	err = m.steps.Run(name+" image "+img.Ref, func() (bool, error) {
		if imgbuild.HasStamp(img.Archive+".stamp", key) {
			img.Cached = true
			return true, nil
		}
		l, err := imgbuild.NewLayer(append(basics(), imgbuild.File(at, bin, 0o755)))
		if err != nil {
			return false, err
		}
		i, err := imgbuild.NewImage(cfg, l)
		if err != nil {
			return false, err
		}
		if err := imgbuild.WriteArchive(img.Archive, map[string]v1.Image{img.Ref: i}); err != nil {
			return false, err
		}
		return false, imgbuild.WriteStamp(img.Archive+".stamp", key)
	})
	imgbuild.PruneKeyed(filepath.Join(m.cache, "archives"), name+"-", key, 2)
	return img, err
}

// basics are what a FROM-scratch image of a Go program needs: /tmp, CA certificates, and
// passwd/group naming root and nonroot (65532).
func basics() []imgbuild.Entry {
	es := []imgbuild.Entry{
		imgbuild.Dir("/tmp", 0o777|os.ModeSticky),
		imgbuild.Bytes("/etc/passwd", []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"), 0o644),
		imgbuild.Bytes("/etc/group", []byte("root:x:0:\nnonroot:x:65532:\n"), 0o644),
		imgbuild.Dir("/home/nonroot", 0o755),
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		es = append(es, imgbuild.File("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt", 0o644))
	}
	return es
}

// fileKey hashes a file's content (a relink that changes nothing keeps the image).
func fileKey(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return imgbuild.Key(string(data)), nil
}
