package ssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

// offlineTarget has real files but an address nobody listens on.
func offlineTarget(t *testing.T) target {
	dir := t.TempDir()
	key := testsupport.NewClientKey(t, dir)
	addr := testsupport.FreePort(t)
	kh := filepath.Join(dir, "known_hosts")
	testsupport.WriteKnownHosts(t, kh, addr, randomKey(t))
	return target{addr: addr, user: "probe", keyFile: key.KeyFile, knownHosts: kh}
}

func randomKey(t *testing.T) gossh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestValidateNamesTheFlagAtFault(t *testing.T) {
	tg := offlineTarget(t)
	for _, tc := range []struct {
		field string
		mod   func(*Config)
	}{
		{FlagAddr, func(c *Config) { c.Addr = "" }},
		{FlagAddr, func(c *Config) { c.Addr = "localhost" }},
		{FlagAddr, func(c *Config) { c.Addr = "localhost:99999" }},
		{FlagUser, func(c *Config) { c.User = "" }},
		{FlagKey, func(c *Config) { c.KeyFile = "" }},
		{FlagKnownHosts, func(c *Config) { c.KnownHostsFile = "" }},
		{FlagCommand, func(c *Config) { c.Command = "" }},
		{FlagSessions, func(c *Config) { c.Sessions = 0 }},
		{FlagSessions, func(c *Config) { c.Sessions = -3 }},
		{FlagHeartbeat, func(c *Config) { c.Heartbeat = 0 }},
		{FlagHeartbeat, func(c *Config) { c.Heartbeat = -time.Second }},
		{FlagHeartbeatTimeout, func(c *Config) { c.HeartbeatTimeout = 0 }},
		{FlagDropAfter, func(c *Config) { c.DropAfter = -time.Second }},
		{FlagDropAfter, func(c *Config) { c.DropAfter = time.Second; c.HeartbeatTimeout = 2 * time.Second }},
		{FlagLifetime, func(c *Config) { c.Lifetime = -time.Second }},
		{FlagDialTimeout, func(c *Config) { c.DialTimeout = 0 }},
	} {
		cfg := testConfig(tg, 1, tc.mod)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%s: invalid config %+v accepted", tc.field, cfg)
			continue
		}
		testsupport.WantSetupError(t, err, tc.field)
		if _, nerr := New(cfg); nerr == nil || nerr.Error() != err.Error() {
			t.Errorf("New does not validate: %v vs %v", nerr, err)
		}
	}
	if err := testConfig(tg, 1, nil).Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
}

func TestSessionsAboveTheOpenFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	n := int(lim.Max) // plus the reserve, one session per descriptor cannot fit
	err := testConfig(offlineTarget(t), n, nil).Validate()
	testsupport.WantSetupError(t, err, FlagSessions, fmt.Sprintf("%d exceeds the open-file limit %d", n, lim.Max))
}

func TestUnreadableOrBadKeyFileNamesSSHKey(t *testing.T) {
	tg := offlineTarget(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not a key\n"), 0o600)
	locked := filepath.Join(dir, "locked")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-a", "1", "-N", "secret", "-f", locked).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing"): "cannot read private key",
		garbage:                       "not a private key",
		locked:                        "passphrase-protected",
	} {
		_, err := New(testConfig(tg, 1, func(c *Config) { c.KeyFile = file }))
		testsupport.WantSetupError(t, err, FlagKey, want)
	}
}

func TestKnownHostsWithoutTheHostOrMissingNamesKnownHosts(t *testing.T) {
	tg := offlineTarget(t)
	other := filepath.Join(t.TempDir(), "known_hosts")
	testsupport.WriteKnownHosts(t, other, "10.9.8.7:2222", randomKey(t))
	_, err := New(testConfig(tg, 1, func(c *Config) { c.KnownHostsFile = other }))
	testsupport.WantSetupError(t, err, FlagKnownHosts, "pins no host key for "+tg.addr)
	_, err = New(testConfig(tg, 1, func(c *Config) { c.KnownHostsFile = other + ".missing" }))
	testsupport.WantSetupError(t, err, FlagKnownHosts, "cannot read known_hosts")
}

func TestWrongHostKeyIsSetupErrorNamingKnownHostsAndNeverADrop(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	tg := fixtureTarget(srv)
	testsupport.WriteKnownHosts(t, tg.knownHosts, tg.addr, randomKey(t)) // pin the wrong key
	p := mustNew(t, testConfig(tg, 2, nil))
	testsupport.WantSetupError(t, p.Preflight(context.Background()), FlagKnownHosts, "host key mismatch", gossh.FingerprintSHA256(srv.HostKey))
	// Run (without the Preflight that would have stopped it) ends at the
	// first mismatch with the same setup error and an Incomplete event.
	l := ledger.New()
	testsupport.WantSetupError(t, p.Run(context.Background(), l), FlagKnownHosts, "host key mismatch")
	es := l.Events()
	if n := count(es, ledger.DialFailure); n < 1 || n > 2 || count(es, ledger.Established) != 0 || count(es, ledger.Incomplete) != 1 {
		t.Fatalf("want 1 or 2 dial failures and one Incomplete event:\n%s", dump(es))
	}
	for _, e := range ofKind(es, ledger.DialFailure) {
		if e.Cause != ledger.CauseHostKey {
			t.Errorf("%s: cause %q, want host-key", e.Conn, e.Cause)
		}
	}
}

func TestUnauthorizedKeyIsSetupErrorNamingSSHKey(t *testing.T) {
	srv := testsupport.StartSSHD(t, nil)
	tg := fixtureTarget(srv)
	tg.keyFile = testsupport.NewClientKey(t, t.TempDir()).KeyFile // not in authorized_keys
	p := mustNew(t, testConfig(tg, 1, nil))
	testsupport.WantSetupError(t, p.Preflight(context.Background()), FlagKey, "refused key", tg.keyFile)
}

func TestUnreachableAddressIsSetupErrorNamingSSH(t *testing.T) {
	tg := offlineTarget(t)
	p := mustNew(t, testConfig(tg, 1, nil))
	testsupport.WantSetupError(t, p.Preflight(context.Background()), FlagAddr, "cannot connect to "+tg.addr)
}

// A TCP server that is not SSH (it accepts and hangs up): a setup error
// about the handshake, naming --ssh.
func TestNotAnSSHServerIsSetupErrorNamingSSH(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tg := offlineTarget(t)
	tg.addr = l.Addr().String()
	testsupport.WriteKnownHosts(t, tg.knownHosts, tg.addr, randomKey(t))
	p := mustNew(t, testConfig(tg, 1, nil))
	testsupport.WantSetupError(t, p.Preflight(context.Background()), FlagAddr, "SSH handshake with "+tg.addr)
}
