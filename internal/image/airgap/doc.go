// Package airgap builds a kind node image with no container registry: every binary is built from
// Go modules through the module proxy, the OS comes from Debian's mirror (debootstrap), and the
// images kubeadm needs are made in-process and pre-imported into the node's containerd.
//
// Steps (BuildNodeImage; each logged with its duration, each cached by its own inputs):
//
//  1. Node OS: debootstrap Debian (minbase + systemd, containerd, runc, iptables, ...) and lay
//     kind's base-image files over it, read from the sigs.k8s.io/kind module in the module cache
//     (never copied into this repository). Loaded into docker as drainproof/base:<suite>-<key>.
//  2. Binaries: Kubernetes through a generated wrapper module (k8s.io/kubernetes's go.mod points
//     its k8s.io staging modules at ./staging, so the wrapper replaces each with its published
//     v0.X.Y twin); etcd, our slim CoreDNS, the CNI plugins and crictl through wrapper modules
//     too (`go install m@v` refuses replace directives and asks the proxy for @latest, which it
//     refuses for some modules); our own pause, kindnet-lite and iptables-wrapper.
//  3. Images, named exactly as `kubeadm config images list` prints them (checked against the
//     built kubeadm), FROM scratch; kube-proxy's image also carries iptables (nft and legacy),
//     conntrack and their shared libraries, taken from the node OS tree by reading ELF headers.
//  4. The node's own containerd (docker run of the base image) imports them into a state
//     directory; that directory, the binaries and /kind/{version,manifests} become layers on
//     the base, and the result is loaded as drainproof/node:v<k8s>-<key>.
//
// Traps of these machines, and what this package does about them:
//   - No CAP_SYS_RESOURCE in the VM's bounding set: docker needs a runc wrapper that drops it
//     (shared/ci/docker-up installs it); inside the node, containerd's restrict_oom_score_adj is
//     turned on, or runc fails to lower oom_score_adj for pod sandboxes.
//   - kindnetd's and local-path-provisioner's sources are not on the module proxy: kindnet-lite
//     (ptp CNI config + routes between nodes) and the in-tree host-path StorageClass stand in.
//   - `kind build node-image` pulls images from registries, so the node image is assembled here.
//   - systemd must be stopped with SIGRTMIN+3: the image config says so (the containerd run for
//     pre-import overrides it with SIGTERM).
//   - Kubernetes 1.33.13 is the default (the newest 1.33 patch whose staging modules are all on
//     the proxy); Options.Versions from ForKubernetes builds another minor (1.34–1.36: etcd,
//     CoreDNS and pause as that kubeadm asks), each cached under its own key and docker tag. A
//     release whose staging modules the proxy does not all serve fails before compiling, naming
//     the module it refused. From 1.35 on the kubelet refuses cgroup v1 hosts by default; these
//     machines' docker runs cgroup v1, so such images start it with --fail-cgroupv1=false.
//   - kindnet-lite masquerades only traffic leaving the cluster's pod subnet (kindnetd's rule),
//     so pod-to-pod traffic across nodes keeps its source IP.
//
// Cache layout under <DRAINPROOF_CACHE or ~/.cache/drainproof>/airgap (airgap-v<version> for a
// Kubernetes version other than the default: see CacheDirName): rootfs/ (debootstrap
// trees), src/ (wrapper modules), bin/<tool>-<key>/ (binaries), layers/ (layer tarballs),
// images/ (component image archive), .lock (one build at a time). Stamp files hold the key a
// cached output was built for; outputs of older keys are pruned after a build.
package airgap
