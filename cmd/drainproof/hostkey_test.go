package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drainproof/drainproof/internal/testsupport"
)

// A second backend with another host key behind the same address, met after
// the preflight passed: exit 2 naming --ssh-known-hosts, never a verdict.
func TestProbeHostKeyChangeExits2(t *testing.T) {
	a := testsupport.StartSSHD(t, nil)
	b := testsupport.StartSSHD(t, nil, "--authorized-keys", a.Client.AuthorizedKeysFile)
	px := testsupport.StartHAProxy(t, testsupport.HAProxyTCP, a.Addr, b.Addr)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	testsupport.WriteKnownHosts(t, kh, px.Addr, a.HostKey)
	// Round-robin decides whether the preflight meets a; retry until it did
	// (the ledger exists only once the preflight passed).
	for try := 1; try <= 4; try++ {
		out := t.TempDir()
		r := cli(t, "probe", "--ssh", px.Addr, "--ssh-key", a.Client.KeyFile, "--ssh-known-hosts", kh,
			"--sessions", "6", "--heartbeat", "100ms", "--duration", "30s", "--out", out)
		if _, err := os.Stat(filepath.Join(out, "ledger.jsonl")); err != nil {
			continue // the preflight met b: a setup error too, but not the case under test
		}
		if r.code != 2 || !strings.Contains(r.stderr, "--ssh-known-hosts: host key mismatch") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit 2 naming --ssh-known-hosts", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "verdict.json")); err == nil {
			t.Fatalf("a verdict was written for a run whose host key changed")
		}
		return
	}
	t.Fatal("no preflight reached the pinned backend in 4 tries")
}
