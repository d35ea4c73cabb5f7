package istio

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
	"github.com/drainproof/drainproof/internal/image/standin"
)

// Image repositories (docker.io/ is how containerd records Docker Hub-style names; pod specs
// use the full form so the kubelet finds the loaded image without normalising).
const (
	IstiodRepo = "docker.io/drainproof/istiod"
	ProxyRepo  = "docker.io/drainproof/istio-proxy"
)

// The label in the istio-proxy image's config that says what runs as Envoy in it. Reports read
// it (from the image or the pod's image) to class results: DataPlaneStandIn is a result class of
// its own, never a result on real Envoy.
const (
	DataPlaneLabel   = standin.DataPlaneLabel
	DataPlaneStandIn = standin.DataPlane
	// IstioLabel records the Istio module and line the image's binaries were built from.
	IstioLabel = "io.drainproof.istio"
)

// ProxyPackages are the Debian packages of the istio-proxy image on top of minbase: iptables
// for pilot-agent's istio-iptables (the istio-init container and the sidecar's own rules). It
// runs iptables-legacy or iptables-nft (and their -save/-restore) by name, choosing the one
// whose tables already hold rules, so both must be there; Debian's iptables package has both.
var ProxyPackages = []string{"iptables", "ca-certificates"}

// proxyCleanup trims the tree and adds what Istio's base image has: the istio-proxy user
// (uid/gid 1337, which the injection template runs the sidecar as) and Istio's directories.
const proxyCleanup = `
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/* /var/cache/debconf/*-old /var/log/*.log
getent group istio-proxy >/dev/null || groupadd -g 1337 istio-proxy
getent passwd istio-proxy >/dev/null || useradd -u 1337 -g 1337 -M -d /nonexistent -s /usr/sbin/nologin istio-proxy
mkdir -p /var/lib/istio/envoy /var/lib/istio/data /var/lib/istio/config /etc/istio/proxy /etc/istio/pod
chown -R 1337:1337 /var/lib/istio /etc/istio/proxy
: > /etc/machine-id
`

// istiodImage: pilot-discovery FROM scratch with what it reads at run time besides its mounted
// volumes (mesh config, injection template, certificates all come from the chart's volumes):
// CA certificates, /tmp, passwd/group with istio-proxy (1337, the image's user, as in
// pilot/docker/Dockerfile.pilot; the chart's runAsNonRoot needs a numeric user).
func (b *builder) istiodImage(binDir string) (*Image, error) {
	bin := filepath.Join(binDir, "pilot-discovery")
	binKey, err := imgbuild.FileKey(bin)
	if err != nil {
		return nil, err
	}
	key := imgbuild.Key("istiod", Version, binKey, istiodLayout)[:12]
	img := &Image{Ref: IstiodRepo + ":" + Line + "-" + key, Archive: filepath.Join(b.cache, "archives", "istiod-"+key+".tar")}
	err = b.steps.Run("istiod image "+img.Ref, func() (bool, error) {
		if imgbuild.HasStamp(img.Archive+".stamp", key) {
			img.Cached = true
			return true, nil
		}
		es := append(basics(), imgbuild.File("/usr/local/bin/pilot-discovery", bin, 0o755),
			imgbuild.Dir("/var/lib/istio", 0o755), imgbuild.Dir("/etc/istio", 0o755))
		l, err := imgbuild.NewLayer(es)
		if err != nil {
			return false, err
		}
		i, err := imgbuild.NewImage(imgbuild.Config{
			Entrypoint: []string{"/usr/local/bin/pilot-discovery"}, User: "1337:1337", WorkingDir: "/",
			Labels: map[string]string{IstioLabel: Module + "@" + Version + " (Istio " + Line + " line)"},
		}, l)
		if err != nil {
			return false, err
		}
		return false, writeArchive(img, key, i)
	})
	imgbuild.PruneKeyed(filepath.Join(b.cache, "archives"), "istiod-", key, 2)
	return img, err
}

// istiodLayout versions the istiod image's layout (bump when basics or the config change).
const istiodLayout = "istiod-layout-1"

// proxyImage: Debian minbase + iptables (for istio-iptables), pilot-agent, Envoy's bootstrap
// template read from the module (tools/packaging/common/envoy_bootstrap.json, where
// Dockerfile.proxyv2 puts it) and the Envoy stand-in at /usr/local/bin/envoy, which pilot-agent
// execs. Entrypoint pilot-agent, as proxyv2's.
func (b *builder) proxyImage(ctx context.Context, agentDir, standIn, modDir string) (*Image, error) {
	agent := filepath.Join(agentDir, "pilot-agent")
	bootstrap := filepath.Join(modDir, "tools", "packaging", "common", "envoy_bootstrap.json")
	base := imgbuild.DebianBase{
		Name:      "istio-proxy",
		Tree:      imgbuild.Rootfs{Dir: filepath.Join(b.cache, "rootfs", "istio-proxy-"+b.o.Suite), Suite: b.o.Suite, Include: ProxyPackages},
		Cleanup:   proxyCleanup,
		LayersDir: filepath.Join(b.cache, "layers"),
	}
	rootKey := base.Key()
	var parts []string
	for _, f := range []string{agent, standIn, bootstrap} {
		k, err := imgbuild.FileKey(f)
		if err != nil {
			return nil, err
		}
		parts = append(parts, k)
	}
	key := imgbuild.Key("istio-proxy", Version, rootKey, strings.Join(parts, ","), proxyLayout)[:12]
	img := &Image{Ref: ProxyRepo + ":" + Line + "-" + key, Archive: filepath.Join(b.cache, "archives", "istio-proxy-"+key+".tar")}
	if imgbuild.HasStamp(img.Archive+".stamp", key) {
		img.Cached = true
		return img, b.steps.Run("istio-proxy image "+img.Ref, func() (bool, error) { return true, nil })
	}
	root, err := base.Layer(ctx, b.steps)
	if err != nil {
		return nil, err
	}
	err = b.steps.Run("istio-proxy image "+img.Ref, func() (bool, error) {
		l, err := imgbuild.NewLayer([]imgbuild.Entry{
			imgbuild.File("/usr/local/bin/pilot-agent", agent, 0o755),
			imgbuild.File("/usr/local/bin/envoy", standIn, 0o755),
			imgbuild.File("/var/lib/istio/envoy/envoy_bootstrap_tmpl.json", bootstrap, 0o644),
		})
		if err != nil {
			return false, err
		}
		i, err := imgbuild.NewImage(imgbuild.Config{
			Entrypoint: []string{"/usr/local/bin/pilot-agent"}, WorkingDir: "/",
			Env: []string{"ISTIO_META_ISTIO_PROXY_SHA=envoy-standin-" + parts[1][:12]},
			Labels: map[string]string{
				DataPlaneLabel: DataPlaneStandIn,
				IstioLabel:     Module + "@" + Version + " (Istio " + Line + " line)",
			},
		}, root, l)
		if err != nil {
			return false, err
		}
		return false, writeArchive(img, key, i)
	})
	imgbuild.PruneKeyed(filepath.Join(b.cache, "archives"), "istio-proxy-", key, 2)
	return img, err
}

// proxyLayout versions the istio-proxy image's layout.
const proxyLayout = "istio-proxy-layout-1"

// basics are what a FROM-scratch image of a Go program needs: /tmp, CA certificates, and
// passwd/group naming root and istio-proxy (1337).
func basics() []imgbuild.Entry {
	es := []imgbuild.Entry{
		imgbuild.Dir("/tmp", 0o777|os.ModeSticky),
		imgbuild.Bytes("/etc/passwd", []byte("root:x:0:0:root:/root:/sbin/nologin\nistio-proxy:x:1337:1337:istio-proxy:/nonexistent:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"), 0o644),
		imgbuild.Bytes("/etc/group", []byte("root:x:0:\nistio-proxy:x:1337:\nnogroup:x:65534:\n"), 0o644),
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		es = append(es, imgbuild.File("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt", 0o644))
	}
	return es
}

func writeArchive(img *Image, key string, i v1.Image) error {
	if err := imgbuild.WriteArchive(img.Archive, map[string]v1.Image{img.Ref: i}); err != nil {
		return err
	}
	return imgbuild.WriteStamp(img.Archive+".stamp", key)
}
