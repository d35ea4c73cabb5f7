package load

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/drainproof/drainproof/internal/probe"
)

// tracker dials the attack's connections and remembers the live ones, so the
// run's end can close them all (vegeta has no way to cancel hits in flight)
// and Stats can show connections open and ever made.
type tracker struct {
	dialer net.Dialer
	stats  *probe.Stats
	mu     sync.Mutex
	live   map[*trackedConn]struct{}
	closed bool
}

func newTracker(timeout time.Duration, stats *probe.Stats) *tracker {
	return &tracker{
		dialer: net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second},
		stats:  stats,
		live:   map[*trackedConn]struct{}{},
	}
}

func (t *tracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := t.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: t}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	t.live[tc] = struct{}{}
	t.stats.Open.Add(1)
	t.stats.Connections.Add(1)
	return tc, nil
}

// closeAll closes every live connection and refuses new ones.
func (t *tracker) closeAll() {
	t.mu.Lock()
	t.closed = true
	conns := make([]*trackedConn, 0, len(t.live))
	for c := range t.live {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

type trackedConn struct {
	net.Conn
	t    *tracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.live, c)
		c.t.mu.Unlock()
		c.t.stats.Open.Add(-1)
	})
	return c.Conn.Close()
}
