package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// A flag given twice is refused: `--ssh A --ssh B` probes one of them
// silently under pflag's last-one-wins, so it is a usage error (exit 2).
// List-valued flags (slices, arrays, maps) accumulate and are exempt.

// once wraps a flag's value so a second Set fails.
type once struct {
	pflag.Value
	first string
	set   bool
}

func (o *once) Set(s string) error {
	if o.set {
		return fmt.Errorf("given twice (first %q); give it once", o.first)
	}
	o.set, o.first = true, s
	return o.Value.Set(s)
}

// refuseRepeatedFlags wraps every single-valued flag of c.
func refuseRepeatedFlags(c *cobra.Command) {
	wrap := func(f *pflag.Flag) {
		if _, done := f.Value.(*once); done || accumulates(f.Value.Type()) {
			return
		}
		f.Value = &once{Value: f.Value}
		if f.DefValue == "0s" { // pflag no longer sees a duration: keep a zero default out of the help
			f.DefValue = "0"
		}
	}
	c.Flags().VisitAll(wrap)
	c.PersistentFlags().VisitAll(wrap)
}

func accumulates(typ string) bool {
	return strings.HasSuffix(typ, "Slice") || strings.HasSuffix(typ, "Array") || strings.Contains(typ, "To")
}

// probersUsage is --probers' help, the same for run and matrix (run.ParseProbers reads it).
const probersUsage = "where the SSH/HTTP/load probes run: `host` (this process), in-cluster (one prober pod per Ready node) or in-cluster=N (N pods spread over the nodes, each holding its share)"
