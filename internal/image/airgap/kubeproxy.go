package airgap

import (
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/drainproof/drainproof/internal/image/imgbuild"
)

// treeFiles collects files of a Debian tree (plus the symlinks on the way to them and the shared
// libraries they load) as layer entries at the same paths, for slim images built from the tree.
type treeFiles struct {
	root    string
	entries map[string]imgbuild.Entry // in-image path -> entry
	libDirs []string                  // where the dynamic loader looks, in order
}

func newTreeFiles(root string) *treeFiles {
	return &treeFiles{root: root, entries: map[string]imgbuild.Entry{},
		libDirs: []string{"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib"}}
}

// resolve follows p inside the tree (absolute link targets are taken relative to the tree, not
// the host), records every symlink crossed, and returns the final in-tree path.
func (t *treeFiles) resolve(p string) (string, error) {
	p = path.Clean(p)
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for i := 0; i < len(parts); i++ {
		next := path.Join(cur, parts[i])
		st, err := os.Lstat(filepath.Join(t.root, next))
		if err != nil {
			return "", fmt.Errorf("%s in %s: %w", p, t.root, err)
		}
		if st.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		target, err := os.Readlink(filepath.Join(t.root, next))
		if err != nil {
			return "", err
		}
		t.entries[next] = imgbuild.Symlink(next, target)
		if !path.IsAbs(target) {
			target = path.Join(cur, target)
		}
		rest := append(strings.Split(strings.TrimPrefix(path.Clean(target), "/"), "/"), parts[i+1:]...)
		if len(rest) > 255 {
			return "", fmt.Errorf("%s in %s: too many symlinks", p, t.root)
		}
		parts, i, cur = rest, -1, "/"
	}
	return cur, nil
}

// add includes file p and, if it is an ELF object, its interpreter and needed libraries.
func (t *treeFiles) add(p string) error {
	real, err := t.resolve(p)
	if err != nil {
		return err
	}
	if _, done := t.entries[real]; done {
		return nil
	}
	host := filepath.Join(t.root, real)
	st, err := os.Stat(host)
	if err != nil {
		return err
	}
	t.entries[real] = imgbuild.File(real, host, st.Mode().Perm())
	f, err := elf.Open(host)
	if err != nil {
		return nil // not ELF: a plain file
	}
	defer f.Close()
	var deps []string
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b := make([]byte, prog.Filesz)
			if _, err := prog.ReadAt(b, 0); err == nil {
				deps = append(deps, strings.TrimRight(string(b), "\x00"))
			}
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("%s: needed libraries: %w", p, err)
	}
	for _, l := range libs {
		found := ""
		for _, d := range t.libDirs {
			if _, err := os.Stat(filepath.Join(t.root, d, l)); err == nil {
				found = path.Join(d, l)
				break
			}
		}
		if found == "" {
			return fmt.Errorf("%s needs %s, not found in %s under %v", p, l, t.root, t.libDirs)
		}
		deps = append(deps, found)
	}
	for _, d := range deps {
		if err := t.add(d); err != nil {
			return err
		}
	}
	return nil
}

// list returns the collected entries sorted by path.
func (t *treeFiles) list() []imgbuild.Entry {
	out := make([]imgbuild.Entry, 0, len(t.entries))
	for _, e := range t.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// iptablesNames are pointed at our iptables-wrapper, which picks legacy or nft on first use.
var iptablesNames = []string{"iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"}

// kubeProxyEntries are the files of the slim kube-proxy image: kube-proxy, iptables (both
// backends' multi-binaries with every xtables extension, which kube-proxy's rules load: statistic,
// comment, mark, conntrack, multiport, addrtype...), conntrack, and what they link against, all
// taken from the node's Debian tree.
func kubeProxyEntries(tree, kubeProxy, iptablesWrapper string) ([]imgbuild.Entry, error) {
	t := newTreeFiles(tree)
	files := []string{"/usr/sbin/xtables-nft-multi", "/usr/sbin/xtables-legacy-multi", "/usr/sbin/conntrack"}
	exts, err := filepath.Glob(filepath.Join(tree, "usr/lib/x86_64-linux-gnu/xtables/*.so"))
	if err != nil || len(exts) == 0 {
		return nil, fmt.Errorf("no xtables extensions under %s/usr/lib/x86_64-linux-gnu/xtables (iptables not in the tree?)", tree)
	}
	for _, e := range exts {
		files = append(files, "/usr/lib/x86_64-linux-gnu/xtables/"+filepath.Base(e))
	}
	for _, f := range []string{"/etc/nsswitch.conf", "/etc/protocols", "/etc/services", "/etc/ethertypes"} {
		if _, err := os.Stat(filepath.Join(tree, f)); err == nil {
			files = append(files, f)
		}
	}
	for _, f := range files {
		if err := t.add(f); err != nil {
			return nil, err
		}
	}
	es := t.list()
	es = append(es,
		imgbuild.File("/usr/local/bin/kube-proxy", kubeProxy, 0o755),
		imgbuild.File("/usr/sbin/iptables-wrapper", iptablesWrapper, 0o755),
		imgbuild.Dir("/tmp", 0o777|os.ModeSticky),
		imgbuild.Dir("/run", 0o755),
		imgbuild.Symlink("/var/run", "../run"),
	)
	for _, n := range iptablesNames {
		es = append(es, imgbuild.Symlink("/usr/sbin/"+n, "iptables-wrapper"))
	}
	return es, nil
}
