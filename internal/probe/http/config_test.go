package http

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/testsupport"
)

func TestBadConfigNamesTheFlag(t *testing.T) {
	good := DefaultConfig("http://127.0.0.1:8080/", time.Second)
	if _, err := New(good); err != nil {
		t.Fatalf("default config rejected: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"empty URL", func(c *Config) { c.URL = "" }, FlagURL},
		{"not a URL", func(c *Config) { c.URL = "http://[::1" }, FlagURL},
		{"no scheme", func(c *Config) { c.URL = "127.0.0.1:8080" }, FlagURL},
		{"https", func(c *Config) { c.URL = "https://127.0.0.1/" }, FlagURL},
		{"no host", func(c *Config) { c.URL = "http:///path" }, FlagURL},
		{"bad port", func(c *Config) { c.URL = "http://127.0.0.1:99999/" }, FlagURL},
		{"zero connections", func(c *Config) { c.Connections = 0 }, FlagConnections},
		{"negative connections", func(c *Config) { c.Connections = -3 }, FlagConnections},
		{"zero interval", func(c *Config) { c.Interval = 0 }, FlagInterval},
		{"negative interval", func(c *Config) { c.Interval = -time.Second }, FlagInterval},
		{"zero stream chunks", func(c *Config) { c.Stream, c.StreamChunks = true, 0 }, FlagStreamChunks},
		{"negative lifetime", func(c *Config) { c.Lifetime = -time.Second }, FlagLifetime},
		{"zero duration", func(c *Config) { c.Duration = 0 }, FlagDuration},
		{"negative duration", func(c *Config) { c.Duration = -time.Minute }, FlagDuration},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, FlagTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			p, err := New(cfg)
			if p != nil {
				t.Fatalf("New returned a probe for a bad config")
			}
			testsupport.WantSetupError(t, err, tc.field)
		})
	}
}

func TestPreflightUnusableTargetsNameHTTP(t *testing.T) {
	srv := testsupport.StartHTTPD(t, nil)
	garbage, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	go func() { // a TCP server that does not speak HTTP
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-not-http\r\n"))
			c.Close()
		}
	}()
	for _, tc := range []struct{ name, url, want string }{
		{"nothing listening", "http://" + testsupport.FreePort(t) + "/", "unreachable"},
		{"not HTTP", "http://" + garbage.Addr().String() + "/", "no HTTP response"},
		{"404", srv.URL + "/no-such-page", "404"},
		{"400", srv.URL + "/?delay=forever", "400"},
		{"unresolvable", "http://no-such-host.invalid/", "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(tc.url, time.Second)
			cfg.Timeout = 2 * time.Second
			p := mustNew(t, cfg)
			err := p.Preflight(context.Background())
			testsupport.WantSetupError(t, err, FlagURL)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.url) {
				t.Fatalf("error %q does not say %q about %s", err, tc.want, tc.url)
			}
		})
	}
}

func TestRequestBytes(t *testing.T) {
	cfg := DefaultConfig("http://example.test:8081/a/b?x=1", time.Second)
	tg := newTarget(cfg)
	if tg.address != "example.test:8081" {
		t.Fatalf("address %q", tg.address)
	}
	want := "GET /a/b?x=1 HTTP/1.1\r\nHost: example.test:8081\r\n"
	if !strings.HasPrefix(string(tg.request), want) || !strings.HasSuffix(string(tg.request), "\r\n\r\n") {
		t.Fatalf("request %q", tg.request)
	}
	cfg = DefaultConfig("http://example.test", time.Second)
	cfg.Stream, cfg.StreamChunks, cfg.Interval = true, 7, 250*time.Millisecond
	tg = newTarget(cfg)
	if tg.address != "example.test:80" || !strings.HasPrefix(string(tg.request), "GET /stream?chunks=7&interval=250ms HTTP/1.1\r\n") {
		t.Fatalf("stream target %q %q", tg.address, tg.request)
	}
	cfg.URL = "http://example.test/events"
	if tg = newTarget(cfg); !strings.HasPrefix(string(tg.request), "GET /events HTTP/1.1\r\n") {
		t.Fatalf("a stream URL with its own path must be kept: %q", tg.request)
	}
}
