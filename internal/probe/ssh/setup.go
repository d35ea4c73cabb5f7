package ssh

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/drainproof/drainproof/internal/probe"
)

// loadSigner reads an unencrypted private key for --ssh-key.
func loadSigner(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, probe.Setupf(FlagKey, "cannot read private key: %v", err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		var pass *gossh.PassphraseMissingError
		if errors.As(err, &pass) {
			return nil, probe.Setupf(FlagKey, "%s is passphrase-protected; the probe needs an unencrypted key", path)
		}
		return nil, probe.Setupf(FlagKey, "%s is not a private key: %v", path, err)
	}
	return signer, nil
}

// hostKeys is the pinned host key check for one address, from --ssh-known-hosts.
type hostKeys struct {
	file     string
	addr     string
	callback gossh.HostKeyCallback
	// algorithms are the key types pinned for addr, offered to the server
	// in this order, so a server with several host keys presents a pinned one.
	algorithms []string
	pinned     []knownhosts.KnownKey
}

// loadHostKeys reads the known_hosts file and requires at least one key
// pinned for addr. It never falls back to accepting any key.
func loadHostKeys(file, addr string) (*hostKeys, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, probe.Setupf(FlagKnownHosts, "cannot read known_hosts: %v", err)
	}
	cb, err := knownhosts.New(file)
	if err != nil {
		return nil, probe.Setupf(FlagKnownHosts, "%s: %v", file, err)
	}
	hk := &hostKeys{file: file, addr: addr, callback: cb}
	// Ask the database about a key nobody pins: the KeyError lists the keys
	// that are pinned for addr (none: the host is unknown).
	probeKey, _ := gossh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	var keyErr *knownhosts.KeyError
	err = cb(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey)
	if !errors.As(err, &keyErr) {
		return nil, probe.Setupf(FlagKnownHosts, "%s: checking %s: %v", file, addr, err)
	}
	if len(keyErr.Want) == 0 {
		return nil, probe.Setupf(FlagKnownHosts, "%s pins no host key for %s (add a line for %s, e.g. the one fixtures/sshd prints, or from `ssh-keyscan`)", file, addr, knownhosts.Normalize(addr))
	}
	hk.pinned = keyErr.Want
	seen := map[string]bool{}
	for _, k := range keyErr.Want {
		for _, alg := range algorithmsFor(k.Key.Type()) {
			if !seen[alg] {
				seen[alg] = true
				hk.algorithms = append(hk.algorithms, alg)
			}
		}
	}
	return hk, nil
}

// algorithmsFor maps a key type to the host key algorithms that sign with it.
func algorithmsFor(keyType string) []string {
	if keyType == gossh.KeyAlgoRSA {
		return []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// explain turns a host key rejection into a setup error naming the file.
func (hk *hostKeys) explain(err error, offered gossh.PublicKey) error {
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	switch {
	case errors.As(err, &revoked):
		return probe.Setupf(FlagKnownHosts, "%s: the host key of %s is revoked at %s", hk.file, hk.addr, revoked.Revoked.String())
	case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
		var pins []string
		for _, k := range keyErr.Want {
			pins = append(pins, fmt.Sprintf("%s:%d pins %s %s", k.Filename, k.Line, k.Key.Type(), gossh.FingerprintSHA256(k.Key)))
		}
		got := "no key"
		if offered != nil {
			got = offered.Type() + " " + gossh.FingerprintSHA256(offered)
		}
		return probe.Setupf(FlagKnownHosts, "host key mismatch for %s: the server presented %s, but %s", hk.addr, got, strings.Join(pins, "; "))
	}
	return probe.Setupf(FlagKnownHosts, "%s: host key of %s rejected: %v", hk.file, hk.addr, err)
}
