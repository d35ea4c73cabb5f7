// Command appender is a test program for the ledger's crash safety: it adds
// an event to a JSONLines ledger every -every, like a probe recording
// heartbeat-paced results, and prints each event's Seq on stdout once Add
// has returned. A test SIGKILLs it and compares the file with what it printed.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
)

func main() {
	every := flag.Duration("every", 5*time.Millisecond, "pause between events")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: appender [-every D] LEDGER")
		os.Exit(2)
	}
	sink, err := ledger.CreateJSONLines(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l := ledger.New(sink)
	for i := 1; ; i++ {
		e := ledger.Event{Kind: ledger.Request, Probe: "http", Conn: fmt.Sprintf("http-%04d", i%100),
			Target: "http://127.0.0.1:8080/", Peer: "10.0.0.1:41234", Code: 200, Latency: time.Duration(i) * time.Microsecond,
			Detail: map[string]string{"i": strconv.Itoa(i)}}
		if err := l.Add(e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stdout, i) // os.Stdout is unbuffered: printed means added
		time.Sleep(*every)
	}
}
