# drainproof — see README.md.
#   make e2e     the main job: build/cached images, kind cluster, default suite, reports in _out/
#   make test    everything a change must pass: unit + loopback tests (real haproxy/sshd), the Envoy stand-in's
#                contract against pilot-agent's real code, then the kind smoke suite (haproxy, nginx, Istio)
#   make bench   capacity/speed benchmarks, figures printed as ratios

GO        ?= go
OUT       ?= $(CURDIR)/_out
LABELS    ?= suite=smoke
# true: drainproof's own node image, built from Go modules + Debian (no registry).
# false: kind's default node image, pulled from its registry.
AIR_GAPPED ?= true
BIN       := $(OUT)/bin/drainproof
# What `drainproof version` and every report say was tested (internal/buildinfo).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X github.com/drainproof/drainproof/internal/buildinfo.version=$(VERSION) \
             -X github.com/drainproof/drainproof/internal/buildinfo.commit=$(COMMIT)
GOTEST    := $(GO) test
export DRAINPROOF_OUT := $(OUT)

.PHONY: all build deps unit e2e e2e-harness test bench lint lint-workflows images clean standin-contract

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/drainproof

# Host packages the tests drive for real (Debian): haproxy, OpenSSH's sshd,
# nginx, debootstrap (air-gapped images), jq. Installed only when missing.
deps:
	@./.ci/host-deps

unit: deps
	$(GOTEST) -race -count=1 ./...

lint: build
	$(BIN) lint

# The GitHub workflows, checked with actionlint (pinned in tools/actionlint, its own module: the
# linter never enters drainproof's go.mod). A broken workflow fails `make test` here.
lint-workflows:
	$(GO) -C tools/actionlint tool actionlint $(CURDIR)/.github/workflows/*.yml

# Build (or reuse from the cache) the air-gapped node, fixtures and gateway images.
images: build
	$(BIN) cluster image --air-gapped=$(AIR_GAPPED)

e2e: deps images
	$(GOTEST) -tags e2e -count=1 -timeout 80m -v ./suites/... -args -labels "$(LABELS)" -air-gapped=$(AIR_GAPPED) -reports "$(OUT)/reports"

# The harness's own kind tests (cluster API, two-node clusters, every
# disruption's done condition and watch events), one package at a time.
e2e-harness: deps images
	$(GOTEST) -tags e2e -count=1 -p 1 -parallel 8 -timeout 40m ./internal/cluster/ ./internal/disrupt/

test: unit standin-contract lint lint-workflows e2e-harness e2e

# The L4 Envoy stand-in against pilot-agent's real code (Istio's bootstrap writer, readiness
# probe, drain/wait/kill), in its own module so Istio never enters go.mod. Compiling Istio's
# packages takes minutes and a few GB the first time.
# The same against Envoy Gateway's real code (bootstrap, certgen, translator, shutdown manager) in
# egcontract/, built with CGO_ENABLED=0 -trimpath like the envoy-gateway profile's binary, so its
# packages come from that build's cache.
standin-contract:
	cd fixtures/envoy-standin/istiocontract && $(GOTEST) -count=1 -timeout 20m ./...
	cd fixtures/envoy-standin/egcontract && CGO_ENABLED=0 GOWORK=off $(GOTEST) -trimpath -count=1 -timeout 20m ./...

bench: deps
	./.ci/bench

clean:
	rm -rf $(OUT)
