package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/drainproof/drainproof/scenarios"
)

// listWidth is the width the default table fits: the description column
// takes what the other columns leave, cut with "...".
const listWidth = 100

// listFormats are list's -o values besides the default table.
var listFormats = []string{"wide", "json", "yaml"}

type listOptions struct {
	selector string
	output   string
}

// scenarioList is list's -o json|yaml document, shaped like a Kubernetes list.
type scenarioList struct {
	APIVersion string                `json:"apiVersion"`
	Kind       string                `json:"kind"`
	Items      []*scenarios.Scenario `json:"items"`
}

func (o *listOptions) run() error {
	switch o.output {
	case "", "wide", "json", "yaml":
	default:
		return usagef("--output: %q is not one of %s", o.output, strings.Join(listFormats, ", "))
	}
	sel, err := labels.Parse(o.selector)
	if err != nil {
		return usagef("--selector: %v", err)
	}
	c, err := scenarios.Builtin()
	if err != nil {
		return err
	}
	var items []*scenarios.Scenario
	for _, n := range c.Names() {
		s, _ := c.Get(n)
		if sel.Matches(labels.Set(s.Labels)) {
			items = append(items, s)
		}
	}
	if len(items) == 0 {
		// Said on stderr, as kubectl does: stdout stays a valid (empty) document.
		fmt.Fprintf(os.Stderr, "No scenarios match the selector %q (see the LABELS column of 'drainproof list -o wide').\n", o.selector)
	}
	switch o.output {
	case "json", "yaml":
		doc := scenarioList{APIVersion: scenarios.APIVersion, Kind: "ScenarioList", Items: items}
		if doc.Items == nil {
			doc.Items = []*scenarios.Scenario{}
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		if o.output == "yaml" {
			if b, err = yaml.JSONToYAML(b); err != nil {
				return err
			}
		} else {
			b = append(b, '\n')
		}
		_, err = os.Stdout.Write(b)
		return err
	case "wide":
		return writeWide(os.Stdout, items)
	}
	if len(items) == 0 {
		return nil
	}
	return writeTable(os.Stdout, items, listWidth)
}

// expects is what a scenario must do: pass, or fail (a known-bad twin).
func expects(s *scenarios.Scenario) string {
	if s.IsNegativeControl() {
		return "fail"
	}
	return "pass"
}

// writeTable writes NAME, EXPECT, DISRUPTION and a DESCRIPTION cut so every
// line fits width columns.
func writeTable(w io.Writer, items []*scenarios.Scenario, width int) error {
	rows := [][]string{{"NAME", "EXPECT", "DISRUPTION", "DESCRIPTION"}}
	for _, s := range items {
		rows = append(rows, []string{s.Name, expects(s), string(s.Disruption.Action), oneLine(s.Description)})
	}
	const gap = 2
	widths := make([]int, 3)
	for _, r := range rows {
		for i := range widths {
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	used := 0
	for _, n := range widths {
		used += n + gap
	}
	room := max(width-used, len("DESCRIPTION"))
	for _, r := range rows {
		line := ""
		for i, n := range widths {
			line += r[i] + strings.Repeat(" ", n+gap-utf8.RuneCountInString(r[i]))
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line+cut(r[3], room), " ")); err != nil {
			return err
		}
	}
	return nil
}

// writeWide writes every column in full.
func writeWide(w io.Writer, items []*scenarios.Scenario) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tEXPECT\tTWINS/CONTROLS\tPROFILE\tDISRUPTION\tLABELS\tDESCRIPTION")
	for _, s := range items {
		links := strings.Join(s.Twins, ",")
		if s.IsNegativeControl() {
			links = strings.Join(s.NegativeControlOf, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t%s\t%s\n", s.Name, expects(s), orNone(links), s.ProfileName(),
			s.Disruption.Action, s.Disruption.Target, orNone(joinLabels(s.Labels)), oneLine(s.Description))
	}
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func joinLabels(m map[string]string) string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to n runes, ending in "..." when it cut (ASCII: a CI log
// or a terminal without UTF-8 counts it as the three columns it takes).
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:max(n-3, 0)]), " ") + "..."
}

// completeScenarios completes --scenario with the catalog's names (and files).
func completeScenarios(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	c, err := scenarios.Builtin()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, n := range c.Names() {
		s, _ := c.Get(n)
		out = append(out, n+"\t"+cut(oneLine(s.Description), 60))
	}
	return out, cobra.ShellCompDirectiveDefault
}
