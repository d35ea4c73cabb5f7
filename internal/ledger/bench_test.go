package ledger_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

// BenchmarkAddJSONLines is the cost of recording one event through the
// file sink (one write(2) per event), from many goroutines at once like the
// probes; "events/s" is the ceiling this puts on a run's event rate.
func BenchmarkAddJSONLines(b *testing.B) {
	sink, err := ledger.CreateJSONLines(filepath.Join(b.TempDir(), "ledger.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	l := ledger.New(sink)
	e := ledger.Event{Kind: ledger.Request, Probe: "http", Conn: "http-0042", Target: "http://127.0.0.1:8080/",
		Peer: "10.0.0.1:41234", Code: 200, Latency: 1234 * time.Microsecond, Detail: map[string]string{"pod": "ns/httpd-0"}}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Add(e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
}
