package run

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshMaterial is the per-run key material: a host key for fixtures/sshd (so
// the probe can pin it) and a client key it authorizes. Nothing is reused
// across runs.
type sshMaterial struct {
	hostKeyPEM     []byte
	hostPub        ssh.PublicKey
	authorizedKeys []byte
	clientKeyPath  string
}

func newSSHMaterial(dir string) (*sshMaterial, error) {
	hostPriv, hostPub, err := newKey()
	if err != nil {
		return nil, err
	}
	clientPriv, clientPub, err := newKey()
	if err != nil {
		return nil, err
	}
	m := &sshMaterial{hostKeyPEM: hostPriv, hostPub: hostPub, authorizedKeys: ssh.MarshalAuthorizedKey(clientPub)}
	m.clientKeyPath = filepath.Join(dir, "ssh_client_key")
	if err := os.WriteFile(m.clientKeyPath, clientPriv, 0o600); err != nil {
		return nil, err
	}
	return m, nil
}

// writeKnownHosts pins the host key for addr ("ip:port") and returns the file.
func (m *sshMaterial) writeKnownHosts(dir, addr string) (string, error) {
	p := filepath.Join(dir, "ssh_known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, m.hostPub) + "\n"
	return p, os.WriteFile(p, []byte(line), 0o600)
}

func newKey() (privPEM []byte, pub ssh.PublicKey, err error) {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(sk, "drainproof")
	if err != nil {
		return nil, nil, fmt.Errorf("marshal ssh key: %w", err)
	}
	pub, err = ssh.NewPublicKey(pk)
	return pem.EncodeToMemory(block), pub, err
}

// knownHostsLine pins the host key for addr ("ip:port").
func (m *sshMaterial) knownHostsLine(addr string) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, m.hostPub) + "\n"
}

// clientKey is the client's private key (PEM), for in-cluster probers.
func (m *sshMaterial) clientKey() ([]byte, error) { return os.ReadFile(m.clientKeyPath) }
