package lint

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// stopKind is what a preStop hook does, as far as its text shows.
type stopKind int

const (
	stopNone  stopKind = iota // no preStop
	stopSleep                 // a fixed sleep (possibly after a one-shot command)
	stopWait                  // waits for a condition: a loop, a drain helper, an httpGet
	stopOther                 // a command whose timing cannot be read
)

// preStop is what lint reads from a container's preStop hook.
type preStop struct {
	kind stopKind
	// sleep is the fixed sleep (stopSleep); deadline is the longest the
	// hook may run (stopWait), 0 when the text shows no bound.
	sleep, deadline time.Duration
	path            string // field path of the hook's value (…lifecycle.preStop.exec.command)
	text            string // the hook as written
}

// readPreStop analyses c's preStop.
func readPreStop(c containerRef) preStop {
	if c.c.Lifecycle == nil || c.c.Lifecycle.PreStop == nil {
		return preStop{kind: stopNone, path: c.path + ".lifecycle.preStop"}
	}
	return analysePreStop(c.c.Lifecycle.PreStop, c.path+".lifecycle.preStop")
}

func analysePreStop(h *corev1.LifecycleHandler, p string) preStop {
	switch {
	case h.Sleep != nil:
		return preStop{kind: stopSleep, sleep: time.Duration(h.Sleep.Seconds) * time.Second, path: p + ".sleep.seconds", text: "sleep " + strconv.FormatInt(h.Sleep.Seconds, 10)}
	case h.HTTPGet != nil:
		// An httpGet blocks until the server answers (Envoy Gateway's
		// shutdown-manager answers /shutdown/ready once drained).
		return preStop{kind: stopWait, path: p + ".httpGet", text: "GET " + h.HTTPGet.Path}
	case h.Exec != nil:
		return analyseExec(h.Exec.Command, p+".exec.command")
	}
	return preStop{kind: stopOther, path: p}
}

var (
	reLoop     = regexp.MustCompile(`(^|[\s;&|('"])(while|until|for)\s`)
	reSleep    = regexp.MustCompile(`(?:^|[\s;&|(])sleep\s+([0-9.]+[smh]?)`)
	reSeq      = regexp.MustCompile(`\bseq\s+(?:[0-9]+\s+)?([0-9]+)\b`)
	reTimeout  = regexp.MustCompile(`(?:^|[\s;&|(])timeout\s+(?:-\S+\s+)*([0-9.]+[smh]?)\s`)
	reDeadline = regexp.MustCompile(`--(?:deadline|timeout|drain-timeout)(?:=|\s+)"?([0-9.]+[smh]?)`)
)

// analyseExec reads an exec preStop: `sleep N`, `sh -c "…"` scripts (a
// fixed sleep, or a loop polling a condition with the bound its `seq` and
// `sleep` give), or a helper with --deadline/--timeout/--drain-timeout
// (drainwait, Envoy Gateway's shutdown manager).
func analyseExec(cmd []string, p string) preStop {
	ps := preStop{path: p, text: strings.Join(cmd, " ")}
	script := ps.text
	if len(cmd) >= 3 && isShell(cmd[0]) && strings.HasPrefix(cmd[1], "-") && strings.Contains(cmd[1], "c") {
		script = strings.Join(cmd[2:], " ")
	}
	if reLoop.MatchString(script) {
		ps.kind = stopWait
		if m := reTimeout.FindStringSubmatch(script); m != nil {
			ps.deadline = parseSeconds(m[1])
		} else if m := reSeq.FindStringSubmatch(script); m != nil {
			// for i in $(seq 1 N); do …; sleep S; done: at most N×S.
			n, _ := strconv.Atoi(m[1])
			ps.deadline = time.Duration(n) * sumSleeps(script)
		}
		return ps
	}
	if s := sumSleeps(script); s > 0 {
		ps.kind, ps.sleep = stopSleep, s
		return ps
	}
	if m := reDeadline.FindStringSubmatch(script); m != nil {
		ps.kind, ps.deadline = stopWait, parseSeconds(m[1])
		return ps
	}
	if len(cmd) > 0 && !isShell(cmd[0]) && strings.Contains(baseName(cmd[0]), "drain") {
		ps.kind = stopWait // a drain helper without a deadline flag
		return ps
	}
	ps.kind = stopOther
	return ps
}

func isShell(s string) bool {
	switch baseName(s) {
	case "sh", "bash", "ash", "dash", "zsh", "busybox":
		return true
	}
	return false
}

func sumSleeps(script string) time.Duration {
	var d time.Duration
	for _, m := range reSleep.FindAllStringSubmatch(script, -1) {
		d += parseSeconds(m[1])
	}
	return d
}

// parseSeconds reads "90", "90s", "1.5m", "2h".
func parseSeconds(s string) time.Duration {
	if d, err := time.ParseDuration(s); err == nil {
		return d
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
