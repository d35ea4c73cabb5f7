package lint

import (
	"fmt"
	"io"
	"strings"
)

// Finding is one misconfiguration: where it is, the two values that
// conflict, what goes wrong and how to fix it.
type Finding struct {
	Rule      string `json:"rule"`
	Object    Ref    `json:"object"`
	Container string `json:"container,omitempty"`
	// Field is the value at fault (the one the fix changes, usually).
	Field Value `json:"field"`
	// Versus is the value Field conflicts with (nil when the finding is
	// about Field alone).
	Versus  *Value `json:"versus,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// Heuristic: the rule infers what it cannot see (an application's
	// shutdown behaviour); the finding may not apply.
	Heuristic bool   `json:"heuristic,omitempty"`
	Source    Source `json:"source"`
	// RenderedBy says the object was judged in a rendered form, not as
	// written (Istio's injection), and by what; field paths are that form's.
	RenderedBy string `json:"renderedBy,omitempty"`
}

// WriteText writes findings for a terminal, one block each.
func WriteText(w io.Writer, fs []Finding) error {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s", f.Object)
		if f.Container != "" {
			fmt.Fprintf(&b, " container %s", f.Container)
		}
		fmt.Fprintf(&b, ": %s", f.Rule)
		if f.Heuristic {
			b.WriteString(" (heuristic)")
		}
		if s := f.Source.String(); s != "" {
			fmt.Fprintf(&b, "  [%s]", s)
		}
		b.WriteString("\n")
		if f.RenderedBy != "" {
			fmt.Fprintf(&b, "  (%s)\n", f.RenderedBy)
		}
		fmt.Fprintf(&b, "  %s = %s\n", f.Field.Path, f.Field.Value)
		if f.Versus != nil {
			fmt.Fprintf(&b, "  vs %s = %s\n", f.Versus.Path, f.Versus.Value)
		}
		fmt.Fprintf(&b, "  %s\n  fix: %s\n", f.Message, f.Fix)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
