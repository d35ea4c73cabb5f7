// StartOpenSSHD runs Debian's OpenSSH sshd on loopback: the third-party SSH
// server the probe must work against besides fixtures/sshd, with its own host
// key, a temp config and an authorized client key.

package testsupport

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// OpenSSHD is a running OpenSSH sshd. Its Process gives Output (what sshd
// logged so far, for failure messages), Done and the signals.
type OpenSSHD struct {
	*Process
	Addr       string        // 127.0.0.1:port
	User       string        // the user to log in as (the test's own user)
	HostKey    ssh.PublicKey // sshd's ed25519 host key
	Client     ClientKey     // authorized to log in
	KnownHosts string        // pins HostKey for Addr
	Dir        string
}

// OpenSSHDBinary finds sshd, failing the test with the package to install.
func OpenSSHDBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("sshd"); err == nil {
		return p
	}
	t.Fatal("OpenSSH sshd not found: install Debian's openssh-server (apt-get install openssh-server)")
	return ""
}

// StartOpenSSHD runs `sshd -D -e -f CONFIG` on a free loopback port and waits until
// it accepts connections. extraConfig lines are appended to the config.
// The process is killed at cleanup.
func StartOpenSSHD(t testing.TB, extraConfig ...string) *OpenSSHD {
	t.Helper()
	bin := OpenSSHDBinary(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd running as root insists on its privilege separation directory,
		// which Debian's service unit normally creates.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("create /run/sshd: %v", err)
		}
	}
	dir := t.TempDir()
	hostKeyFile := filepath.Join(dir, "ssh_host_ed25519_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "drainproof-test", "-f", hostKeyFile).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(hostKeyFile + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey(pub)
	if err != nil {
		t.Fatalf("parse %s.pub: %v", hostKeyFile, err)
	}
	s := &OpenSSHD{
		Addr: FreePort(t), User: u.Username, HostKey: hostKey, Client: NewClientKey(t, dir),
		KnownHosts: filepath.Join(dir, "known_hosts"), Dir: dir,
	}
	cfg := strings.Join(append([]string{
		"ListenAddress " + s.Addr,
		"HostKey " + hostKeyFile,
		"AuthorizedKeysFile " + s.Client.AuthorizedKeysFile,
		"PidFile none",
		"StrictModes no",
		"UsePAM no",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"UseDNS no",
		"MaxStartups 1000:30:2000",
		"LogLevel INFO",
		// bash run by sshd sources ~/.bashrc when it is the top-level shell
		// (SHLVL < 2): the test server's sessions must not depend on the
		// login user's rc files (a pyenv init there takes seconds and reads
		// stdin). The probe copes with such servers (see the ssh probe's
		// resend before the first echo); the tests here time other things.
		"SetEnv SHLVL=1",
	}, extraConfig...), "\n") + "\n"
	cfgFile := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	WriteKnownHosts(t, s.KnownHosts, s.Addr, hostKey)
	s.Process = StartProcess(t, "sshd", exec.Command(bin, "-D", "-e", "-f", cfgFile))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("OpenSSH sshd config:\n%s", cfg) // sshd's errors name config lines
		}
	})
	s.WaitReady(t, 10*time.Second, "listening on "+s.Addr, func() bool { return Accepts(s.Addr) })
	return s
}

func (s *OpenSSHD) String() string { return fmt.Sprintf("OpenSSH sshd on %s", s.Addr) }
