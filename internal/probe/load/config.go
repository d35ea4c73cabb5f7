package load

import (
	"fmt"
	"net/url"
	"time"

	"github.com/drainproof/drainproof/internal/probe"
)

// Flag names that SetupErrors name. The CLI should register these names.
const (
	FlagURL      = "--load"
	FlagRate     = "--rate"
	FlagDuration = "--duration"
	FlagTimeout  = "--load-timeout"
	FlagWorkers  = "--load-workers"
)

// Defaults for DefaultConfig.
const (
	DefaultTimeout = 10 * time.Second
	DefaultWorkers = 10 // vegeta's own default; more are started when these are all busy
)

// Config says what the attack does. New validates it strictly: zero values
// are errors, not defaults (start from DefaultConfig).
type Config struct {
	URL      string        // http:// or https:// target, GET (--load)
	Rate     int           // requests per second (--rate), > 0
	Duration time.Duration // how long to attack (--duration), > 0
	Timeout  time.Duration // per request, connect to end of body, > 0
	Workers  int           // initial attack workers, > 0
}

// DefaultConfig is a usable config for target, rate and duration.
func DefaultConfig(target string, rate int, duration time.Duration) Config {
	return Config{URL: target, Rate: rate, Duration: duration, Timeout: DefaultTimeout, Workers: DefaultWorkers}
}

// Validate checks c without touching the network. Every error is a
// *probe.SetupError naming the flag at fault.
func (c Config) Validate() error {
	if err := checkURL(c.URL); err != nil {
		return &probe.SetupError{Field: FlagURL, Err: err}
	}
	switch {
	case c.Rate <= 0:
		return probe.Setupf(FlagRate, "must be at least 1 request per second, got %d", c.Rate)
	case c.Duration <= 0:
		return probe.Setupf(FlagDuration, "must be positive, got %s", c.Duration)
	case c.Timeout <= 0:
		return probe.Setupf(FlagTimeout, "must be positive, got %s", c.Timeout)
	case c.Workers <= 0:
		return probe.Setupf(FlagWorkers, "must be at least 1, got %d", c.Workers)
	}
	return nil
}

func checkURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("a URL is required, e.g. http://127.0.0.1:8080/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: want an http:// or https:// URL, got scheme %q", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%q: no host", raw)
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: bad port %q", raw, p)
		}
	}
	return nil
}
