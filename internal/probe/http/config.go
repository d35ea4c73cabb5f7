package http

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/drainproof/drainproof/internal/probe"
)

// Flag names that SetupErrors name. The CLI should register these names.
const (
	FlagURL          = "--http"
	FlagConnections  = "--connections"
	FlagInterval     = "--interval"
	FlagStream       = "--http-stream"
	FlagStreamChunks = "--http-stream-chunks"
	FlagLifetime     = "--lifetime"
	FlagDuration     = "--duration"
	FlagTimeout      = "--http-timeout"
)

// Defaults for DefaultConfig.
const (
	DefaultConnections  = 10
	DefaultInterval     = 100 * time.Millisecond
	DefaultStreamChunks = 50
	DefaultTimeout      = 5 * time.Second
)

// Config says what the probe does. New validates it strictly: a zero value is
// not silently replaced by a default (start from DefaultConfig instead), so a
// CLI that passes --interval 0 gets an error naming --interval.
type Config struct {
	URL         string        // http://host:port/path (--http)
	Connections int           // dedicated keep-alive TCP connections (--connections), > 0
	Interval    time.Duration // one request per interval per connection (--interval), > 0
	// Stream: each request is a long chunked response (see package doc).
	Stream bool
	// StreamChunks: chunks asked of /stream when the URL has no path (> 0 when Stream).
	StreamChunks int
	// Lifetime: the client closes each slot's connection at the first request
	// boundary after Run start + Lifetime; 0 means it lives until Duration.
	Lifetime time.Duration
	Duration time.Duration // the whole run, > 0 (--duration)
	Timeout  time.Duration // dial timeout, and longest silence of a request in flight, > 0
	// Label prefixes connection ids ("http" by default, "http-stream" in
	// stream mode), so two probes can share one ledger.
	Label string
}

// DefaultConfig is a usable config for target and duration.
func DefaultConfig(target string, duration time.Duration) Config {
	return Config{
		URL:          target,
		Connections:  DefaultConnections,
		Interval:     DefaultInterval,
		StreamChunks: DefaultStreamChunks,
		Duration:     duration,
		Timeout:      DefaultTimeout,
	}
}

// Validate checks c without touching the network. Every error is a
// *probe.SetupError naming the flag at fault.
func (c Config) Validate() error {
	if _, err := parseTarget(c.URL); err != nil {
		return &probe.SetupError{Field: FlagURL, Err: err}
	}
	switch {
	case c.Connections <= 0:
		return probe.Setupf(FlagConnections, "must be at least 1, got %d", c.Connections)
	case c.Interval <= 0:
		return probe.Setupf(FlagInterval, "must be positive, got %s", c.Interval)
	case c.Stream && c.StreamChunks <= 0:
		return probe.Setupf(FlagStreamChunks, "must be at least 1 in stream mode, got %d", c.StreamChunks)
	case c.Lifetime < 0:
		return probe.Setupf(FlagLifetime, "must not be negative, got %s", c.Lifetime)
	case c.Duration <= 0:
		return probe.Setupf(FlagDuration, "must be positive, got %s", c.Duration)
	case c.Timeout <= 0:
		return probe.Setupf(FlagTimeout, "must be positive, got %s", c.Timeout)
	}
	return nil
}

// target is a validated URL, ready to be dialled and written.
type target struct {
	url     string // as given, for events
	address string // host:port to dial
	request []byte // the serialised GET, identical for every request
}

func parseTarget(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("a URL is required, e.g. http://127.0.0.1:8080/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%q: only http:// URLs are supported, got scheme %q", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q: no host", raw)
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q: bad port %q", raw, p)
		}
	}
	return u, nil
}

// newTarget builds the dial address and request bytes of a valid config.
func newTarget(c Config) target {
	u, _ := parseTarget(c.URL)
	port := u.Port()
	if port == "" {
		port = "80"
	}
	if c.Stream && (u.Path == "" || u.Path == "/") {
		u.Path = "/stream"
		u.RawQuery = fmt.Sprintf("chunks=%d&interval=%s", c.StreamChunks, c.Interval)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: drainproof-probe\r\nAccept: */*\r\n\r\n", u.RequestURI(), u.Host)
	return target{url: u.String(), address: net.JoinHostPort(u.Hostname(), port), request: []byte(b.String())}
}
