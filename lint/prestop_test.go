package lint

import (
	"testing"
	"time"
)

func TestAnalyseExec(t *testing.T) {
	for _, tc := range []struct {
		name            string
		cmd             []string
		kind            stopKind
		sleep, deadline time.Duration
	}{
		{"plain sleep", []string{"sleep", "40"}, stopSleep, 40 * time.Second, 0},
		{"shell sleep with unit", []string{"/bin/sh", "-c", "sleep 1m"}, stopSleep, time.Minute, 0},
		{"health check then sleep (gloo gracefulShutdown)", []string{"/bin/sh", "-c", `wget --post-data "" --timeout 5 -O /dev/null 127.0.0.1:19000/healthcheck/fail; sleep 25`}, stopSleep, 25 * time.Second, 0},
		{"poll loop bounded by seq × sleep", []string{"/bin/sh", "-c", `for i in $(seq 1 8640); do if [[ $(wget -O- "127.0.0.1:19000/stats?usedonly&filter=x" | awk '{s+=$2}END{print s}') -ne 0 ]]; then sleep 10; else break; fi done`}, stopWait, 0, 86400 * time.Second},
		{"unbounded while loop (netstat)", []string{"/bin/sh", "-c", "while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs) -ne 0 ]; do sleep 1; done"}, stopWait, 0, 0},
		{"loop under timeout", []string{"bash", "-c", "timeout 120 sh -c 'until [ -z \"$(ss -Htn state established)\" ]; do sleep 1; done'"}, stopWait, 0, 120 * time.Second},
		{"drainwait deadline", []string{"/usr/local/bin/drainwait", "--haproxy-master", "unix:///run/haproxy/master.sock", "--deadline", "90s"}, stopWait, 0, 90 * time.Second},
		{"envoy gateway shutdown", []string{"envoy-gateway", "envoy", "shutdown", "--drain-timeout=60s"}, stopWait, 0, 60 * time.Second},
		{"drain helper, no deadline", []string{"/drainwait", "--until-closed", "127.0.0.1:8081"}, stopWait, 0, 0},
		{"something else", []string{"/bin/kill", "-QUIT", "1"}, stopOther, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := analyseExec(tc.cmd, "p")
			if ps.kind != tc.kind || ps.sleep != tc.sleep || ps.deadline != tc.deadline {
				t.Errorf("kind %d sleep %s deadline %s, want kind %d sleep %s deadline %s", ps.kind, ps.sleep, ps.deadline, tc.kind, tc.sleep, tc.deadline)
			}
		})
	}
}
