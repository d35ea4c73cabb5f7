package ledger_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	"github.com/drainproof/drainproof/internal/testsupport"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

var appender = testsupport.NewProgram("github.com/drainproof/drainproof/internal/ledger/internal/appender")

// maxLoss is how recent an event may be and still be missing after a crash.
const maxLoss = 100 * time.Millisecond

// A SIGKILLed process loses at most the events of its last 100 ms and
// leaves no torn line: each event is written as a whole line when added.
func TestKilledWriterLosesNothingOlderThan100ms(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	cmd := exec.Command(appender.Path(t), "-every", "5ms", path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type added struct {
		seq int
		at  time.Time
	}
	lines := make(chan added)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			n, _ := strconv.Atoi(sc.Text())
			lines <- added{n, time.Now()}
		}
	}()
	var seen []added
	deadline := time.After(30 * time.Second)
	for len(seen) < 200 { // ~1 s of events at 5 ms
		select {
		case a, ok := <-lines:
			if !ok {
				t.Fatalf("appender exited early: %v\n%s", cmd.Wait(), stderr.String())
			}
			seen = append(seen, a)
		case <-deadline:
			t.Fatalf("appender printed %d events in 30s", len(seen))
		}
	}
	killedAt := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for a := range lines { // printed before the kill: added before it too
		seen = append(seen, a)
	}
	cmd.Wait()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Errorf("the file ends in a torn line: %q", b[bytes.LastIndexByte(b, '\n')+1:])
	}
	onDisk := map[int64]bool{}
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		var e ledger.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("line %d is not a whole event: %v: %q", i+1, err, line)
		}
		onDisk[e.Seq] = true
	}
	missing := 0
	for _, a := range seen {
		if !onDisk[int64(a.seq)] {
			missing++
			if killedAt.Sub(a.at) > maxLoss {
				t.Errorf("event %d, added %s before the kill, is not in the file", a.seq, killedAt.Sub(a.at).Round(time.Millisecond))
			}
		}
	}
	t.Logf("%d events added before SIGKILL, %d on disk, %d missing", len(seen), len(onDisk), missing)
}
