// Command iptables-wrapper picks the iptables backend for the slim kube-proxy image, the way the
// upstream iptables-wrappers do: on first use it counts the rules each backend (legacy, nft)
// already holds in this network namespace, points the iptables* names at the busier backend's
// xtables multi-binary, and re-executes the requested command through it. Later calls go straight
// to the multi-binary because the names no longer point here.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

const sbin = "/usr/sbin"

// names are the commands this wrapper stands in for.
var names = []string{"iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"}

func main() {
	mode := pickMode(countRules("legacy"), countRules("nft"))
	for _, n := range names {
		tmp := filepath.Join(sbin, "."+n+".tmp")
		_ = os.Remove(tmp)
		if err := os.Symlink("xtables-"+mode+"-multi", tmp); err == nil {
			_ = os.Rename(tmp, filepath.Join(sbin, n))
		}
	}
	// xtables multi-binaries dispatch on the base name of argv[0].
	argv := append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)
	bin := filepath.Join(sbin, "xtables-"+mode+"-multi")
	err := syscall.Exec(bin, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "iptables-wrapper: exec %s: %v\n", bin, err)
	os.Exit(1)
}

// pickMode prefers nft unless legacy holds more rules (a host that already uses legacy).
func pickMode(legacy, nft int) string {
	if legacy > nft {
		return "legacy"
	}
	return "nft"
}

// countRules counts the rules ("-A ..." lines) in both address families for a backend.
func countRules(mode string) int {
	n := 0
	for _, save := range []string{"iptables-save", "ip6tables-save"} {
		out, err := exec.Command(filepath.Join(sbin, "xtables-"+mode+"-multi"), save).Output()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "-") {
				n++
			}
		}
	}
	return n
}
