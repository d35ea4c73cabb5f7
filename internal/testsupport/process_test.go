package testsupport

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestProcessOutputReadinessAndExit(t *testing.T) {
	p := StartProcess(t, "sh", exec.Command("sh", "-c", "echo ready; exec sleep 60"))
	p.WaitReady(t, 10*time.Second, "saying ready", func() bool { return strings.Contains(p.RawOutput(), "ready") })
	if code := p.ExitCode(); code != -1 {
		t.Fatalf("ExitCode while running = %d, want -1", code)
	}
	p.Kill()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("killed process did not exit")
	}
	if code := p.ExitCode(); code != -1 {
		t.Fatalf("ExitCode after SIGKILL = %d, want -1 (killed by a signal)", code)
	}

	q := StartProcess(t, "sh", exec.Command("sh", "-c", "echo out; echo err >&2; exit 3"))
	q.WaitLog(t, "err", 10*time.Second)
	<-q.Done()
	if code := q.ExitCode(); code != 3 {
		t.Fatalf("ExitCode = %d, want 3", code)
	}
	if got := q.Output(); got != "out\nerr" {
		t.Fatalf("Output = %q, want stdout and stderr combined", got)
	}
}

func TestWithLoopbackListen(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, []string{"--listen", "127.0.0.1:0"}},
		{[]string{"--x", "1"}, []string{"--listen", "127.0.0.1:0", "--x", "1"}},
		{[]string{"--listen", ":80"}, []string{"--listen", ":80"}},
		{[]string{"-listen=:80"}, []string{"-listen=:80"}},
		{[]string{"--listener", "a"}, []string{"--listen", "127.0.0.1:0", "--listener", "a"}},
	} {
		if got := WithLoopbackListen(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("WithLoopbackListen(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
