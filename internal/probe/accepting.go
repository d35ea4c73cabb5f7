package probe

import (
	"context"
	"fmt"
	"net"
	"time"
)

// WaitAccepting holds until addr accepts a TCP connection, or timeout: a
// Service can be available a moment before its address is routed (a
// NodePort by kube-proxy, a ClusterIP from a pod).
func WaitAccepting(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	var last error
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s does not accept connections after %s: %v", addr, timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
