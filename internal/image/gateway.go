package image

import (
	"context"
	"path/filepath"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// GatewayPackages are the Debian packages of the gateway image on top of minbase
// (nginx-light builds its TCP "stream" proxy as a separate module package).
var GatewayPackages = []string{"haproxy", "nginx-light", "libnginx-mod-stream", "ca-certificates"}

// gatewayCleanup trims the debootstrap'ed tree (apt state and docs are dead weight in an image)
// and makes the runtime directories the Debian configs expect (/run/haproxy for haproxy's
// stats socket). Idempotent.
const gatewayCleanup = `
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/* /var/cache/debconf/*-old /var/log/*.log
mkdir -p /run/haproxy /var/lib/haproxy /var/lib/nginx
: > /etc/machine-id
`

// Gateway builds (or reuses) the gateway image tarball: Debian <suite> minbase + haproxy +
// nginx-light (from Debian's mirror via debootstrap) + the fixture binaries in /usr/local/bin.
// The image has no entrypoint: manifests give the command (haproxy -f ..., nginx -g ...).
func Gateway(ctx context.Context, o Options) (*Built, error) {
	e, unlock, fix, err := startBuild(ctx, o)
	if err != nil {
		return nil, err
	}
	defer unlock()
	base := imgbuild.DebianBase{
		Name:      "gateway",
		Tree:      imgbuild.Rootfs{Dir: filepath.Join(e.cache, "rootfs", "gateway-"+e.o.Suite), Suite: e.o.Suite, Include: GatewayPackages},
		Cleanup:   gatewayCleanup,
		LayersDir: filepath.Join(e.cache, "layers"),
	}
	key := imgbuild.Key("gateway", base.Key(), fix.key)[:12]
	b := &Built{Ref: GatewayRef(e.o.Suite, key), Archive: filepath.Join(e.cache, "archives", "gateway-"+key+".tar"), Binaries: fix.names}
	if imgbuild.HasStamp(b.Archive+".stamp", key) {
		err := e.steps.Run("gateway image "+b.Ref, func() (bool, error) { return true, nil })
		b.Timings, b.Cached = e.steps.Timings(), true
		return b, err
	}
	rootLayer, err := base.Layer(ctx, e.steps)
	if err != nil {
		return nil, err
	}
	err = e.steps.Run("gateway image "+b.Ref, func() (bool, error) {
		fl, err := imgbuild.NewLayer(fixtureEntries(fix.dir, fix.names))
		if err != nil {
			return false, err
		}
		return false, writeImage(b, key, rootLayer, fl)
	})
	if err != nil {
		return nil, err
	}
	b.Timings = e.steps.Timings()
	imgbuild.PruneKeyed(filepath.Join(e.cache, "archives"), "gateway-", key, 2)
	return b, nil
}
