package ssh

import (
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/drainproof/drainproof/internal/probe"
)

// Flag names that SetupErrors name. The CLI should register these names.
const (
	FlagAddr             = "--ssh"
	FlagUser             = "--ssh-user"
	FlagKey              = "--ssh-key"
	FlagKnownHosts       = "--ssh-known-hosts"
	FlagCommand          = "--ssh-command"
	FlagSessions         = "--sessions"
	FlagHeartbeat        = "--heartbeat"
	FlagHeartbeatTimeout = "--heartbeat-timeout"
	FlagDropAfter        = "--drop-after"
	FlagLifetime         = "--lifetime"
	FlagDialTimeout      = "--dial-timeout"
	FlagRedial           = "--redial"
)

// Defaults for DefaultConfig.
const (
	DefaultSessions         = 10
	DefaultHeartbeat        = 100 * time.Millisecond
	DefaultHeartbeatTimeout = 2 * time.Second
	DefaultDropAfter        = 10 * time.Second
	DefaultLifetime         = 20 * time.Second
	DefaultCommand          = "cat"
	DefaultDialTimeout      = 5 * time.Second
	DefaultDialConcurrency  = 8 // under OpenSSH's default MaxStartups 10:30:100
)

// fdReserve is the open files the process needs besides one socket per
// session: ledger, logs, listeners, the Go runtime, the CLI's other probes.
const fdReserve = 64

// Config says what the probe does. Validate is strict: a zero duration is
// not silently replaced by a default (start from DefaultConfig instead), so a
// CLI that passes --heartbeat 0 gets an error naming --heartbeat.
type Config struct {
	Addr           string // HOST:PORT to dial (--ssh)
	User           string // login name (--ssh-user)
	KeyFile        string // unencrypted private key, PEM/OpenSSH format (--ssh-key)
	KnownHostsFile string // known_hosts pinning the host key of Addr (--ssh-known-hosts)
	Command        string // exec'd per session; must echo stdin to stdout (--ssh-command)

	Sessions int // sessions opened at start, one TCP connection each (--sessions), > 0

	// Heartbeat is the interval between heartbeat lines (--heartbeat), > 0.
	// At most one heartbeat is outstanding: a tick that finds the previous one
	// unanswered sends nothing.
	Heartbeat time.Duration
	// HeartbeatTimeout (--heartbeat-timeout, > 0): an echo that comes back
	// later than this is a Stall event (the connection lived).
	HeartbeatTimeout time.Duration
	// DropAfter (--drop-after, >= HeartbeatTimeout): a heartbeat still
	// unanswered this long after it was sent makes the session a Drop with
	// cause "heartbeat-timeout"; the probe then closes the connection.
	DropAfter time.Duration
	// Lifetime (--lifetime, >= 0): each session is closed by the client this
	// long after it was established. 0: sessions live until Run's ctx ends.
	Lifetime time.Duration
	// DialTimeout bounds TCP connect plus SSH handshake, auth and the exec
	// request of one connection (--dial-timeout), > 0.
	DialTimeout time.Duration
	// Redial (--redial): when a session ends before its lifetime by any way
	// but the client's own close, the slot dials a new connection
	// ("ssh-0007.2", ".3", ...) that lives until the slot's original end.
	Redial bool
	// DialConcurrency caps handshakes in flight at once (no flag; 0 means
	// DefaultDialConcurrency, 8). It keeps a many-session start under the
	// server's limit on unauthenticated connections: OpenSSH's default
	// MaxStartups 10:30:100 starts refusing at random above 10.
	DialConcurrency int
	// Label prefixes connection ids ("ssh" by default), so two probes can
	// share one ledger.
	Label string
}

// DefaultConfig is the documented defaults for everything but the target,
// user and files.
func DefaultConfig() Config {
	return Config{
		Command:          DefaultCommand,
		Sessions:         DefaultSessions,
		Heartbeat:        DefaultHeartbeat,
		HeartbeatTimeout: DefaultHeartbeatTimeout,
		DropAfter:        DefaultDropAfter,
		Lifetime:         DefaultLifetime,
		DialTimeout:      DefaultDialTimeout,
	}
}

// Validate checks c without touching the network or the files. Every error
// is a *probe.SetupError naming the flag at fault. It raises the process's
// soft RLIMIT_NOFILE to its hard limit, then requires room for one socket
// per session plus a reserve.
func (c Config) Validate() error {
	if err := checkAddr(c.Addr); err != nil {
		return &probe.SetupError{Field: FlagAddr, Err: err}
	}
	switch {
	case c.User == "":
		return probe.Setupf(FlagUser, "a user name is required")
	case c.KeyFile == "":
		return probe.Setupf(FlagKey, "a private key file is required")
	case c.KnownHostsFile == "":
		return probe.Setupf(FlagKnownHosts, "a known_hosts file pinning the host key of %s is required (never skipped)", c.Addr)
	case c.Command == "":
		return probe.Setupf(FlagCommand, "a command that echoes stdin is required, e.g. %q", DefaultCommand)
	case c.Sessions <= 0:
		return probe.Setupf(FlagSessions, "must be > 0, got %d", c.Sessions)
	case c.Heartbeat <= 0:
		return probe.Setupf(FlagHeartbeat, "must be positive, got %s", c.Heartbeat)
	case c.HeartbeatTimeout <= 0:
		return probe.Setupf(FlagHeartbeatTimeout, "must be positive, got %s", c.HeartbeatTimeout)
	case c.DropAfter <= 0:
		return probe.Setupf(FlagDropAfter, "must be positive, got %s", c.DropAfter)
	case c.DropAfter < c.HeartbeatTimeout:
		return probe.Setupf(FlagDropAfter, "%s is shorter than %s %s", c.DropAfter, FlagHeartbeatTimeout, c.HeartbeatTimeout)
	case c.Lifetime < 0:
		return probe.Setupf(FlagLifetime, "must not be negative, got %s", c.Lifetime)
	case c.DialTimeout <= 0:
		return probe.Setupf(FlagDialTimeout, "must be positive, got %s", c.DialTimeout)
	case c.DialConcurrency < 0:
		return probe.Setupf("DialConcurrency", "must not be negative, got %d", c.DialConcurrency)
	}
	limit, err := raiseOpenFileLimit()
	if err != nil {
		return probe.Setupf(FlagSessions, "cannot read the open-file limit: %v", err)
	}
	if need := uint64(c.Sessions) + fdReserve; need > limit {
		return probe.Setupf(FlagSessions, "%d exceeds the open-file limit %d (each session holds a socket, plus %d in reserve; raise `ulimit -Hn`)", c.Sessions, limit, fdReserve)
	}
	return nil
}

func checkAddr(addr string) error {
	if addr == "" {
		return fmt.Errorf("an address HOST:PORT is required")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT: %v", addr, err)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: bad port %q", addr, port)
	}
	return nil
}

// raiseOpenFileLimit lifts the soft RLIMIT_NOFILE to the hard limit and
// returns the soft limit now in force.
func raiseOpenFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			return raised.Cur, nil
		}
	}
	return lim.Cur, nil
}
