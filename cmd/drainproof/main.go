// Command drainproof proves, with real connections, that a proxy, gateway or
// Kubernetes configuration drains cleanly.
//
// Exit codes (every subcommand): 0 the verdict passed, or a known-bad twin
// failed as it must (or the command did its job), 1 the verdict failed (or a
// twin's negative control did not hold), 2 bad usage or a setup error (the
// message names the flag, file or field at fault), 3 the run is INCOMPLETE:
// interrupted, cut short by --duration or a timeout, nothing disrupted or
// nothing carried; or NOT RUN (an image it needs cannot be had); verdict.json
// says why.
//
// The command tree is spf13/cobra's (as kubectl's and kind's): help on stdout
// with exit 0, `help CMD`, `completion bash|zsh|fish`, `version`. Every
// error is printed once, on stderr, behind errorPrefix.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/drainproof/drainproof/internal/verdict"
)

const (
	exitPass       = 0
	exitFail       = 1
	exitSetup      = 2
	exitIncomplete = 3
	programName    = "drainproof"
	// errorPrefix leads every error message the command prints.
	errorPrefix = programName + ": "
)

// exitCodesHelp ends every command's help.
const exitCodesHelp = `Exit status:
  0 PASS (or FAILED AS EXPECTED for a known-bad twin), or the command did its job
  1 FAIL (or CONTROL DID NOT HOLD for a known-bad twin)
  2 bad usage or a setup error (the message names the flag, file or field)
  3 INCOMPLETE: interrupted, --duration cut sessions short, nothing disrupted or
    nothing carried; the run cannot be judged (verdict.json and summary.md say why);
    or NOT RUN: an image the run needs cannot be had (the preflight names it)
`

// usageError is bad command-line input: exit 2 with the message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errVerdictFailed is returned by commands whose verdict failed: exit 1.
var errVerdictFailed = errors.New("verdict failed")

// errIncomplete is returned by commands whose run could not be judged: exit 3.
var errIncomplete = errors.New("run incomplete")

// outcomeError maps an outcome to the command's result (and so its exit
// status): nil for PASS and FAILED AS EXPECTED, errIncomplete for a run (or
// runs) that could not be judged, errVerdictFailed otherwise.
func outcomeError(o verdict.Outcome) error {
	switch {
	case o == verdict.Incomplete || o == verdict.NotRun:
		return errIncomplete
	case o.OK():
		return nil
	}
	return errVerdictFailed
}

func main() { os.Exit(realMain(os.Args[1:])) }

func realMain(args []string) int {
	root := newRoot()
	if len(args) == 0 { // no command is a usage error (exit 2), never a silent success
		root.SetOut(os.Stderr)
		_ = root.Help()
		fmt.Fprintf(os.Stderr, "\n%sno command given (see the list above)\n", errorPrefix)
		return exitSetup
	}
	root.SetArgs(args)
	// Ctrl-C / SIGTERM cancel the context; commands clean up what they made.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	code := exitCode(err)
	if code == exitSetup {
		fmt.Fprintf(os.Stderr, "%s%v\n", errorPrefix, err)
	}
	return code
}

// exitCode is the exit status a command's result means.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitPass
	case errors.Is(err, errVerdictFailed):
		return exitFail
	case errors.Is(err, errIncomplete):
		return exitIncomplete
	}
	return exitSetup // usage, flag parsing, setup: the message says which
}

// newRoot builds the command tree.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   programName,
		Short: "prove with real connections that a proxy, gateway or Kubernetes configuration drains cleanly",
		Long: `drainproof holds real SSH sessions, keep-alive HTTP connections and load through a proxy,
gateway or mesh while it is disrupted (a rollout, a delete, an eviction, a reload), and judges
whether any connection dropped. Every run leaves ledger.jsonl, verdict.json, junit.xml,
summary.md and report.html.`,
		SilenceErrors: true, // realMain prints each error once, behind errorPrefix
		SilenceUsage:  true, // an error is not a reason to print the whole help
	}
	root.SetOut(os.Stdout)
	root.SetErr(os.Stderr)
	root.SetUsageTemplate(root.UsageTemplate() + "\n" + exitCodesHelp)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v\nSee '%s --help'.", err, c.CommandPath())
	})
	root.AddCommand(newProbeCmd(), newRunCmd(), newReportCmd(), newListCmd(), newLintCmd(), newClusterCmd(), newVersionCmd(), newMatrixCmd())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	forEachCommand(root, refuseRepeatedFlags)
	return root
}

// forEachCommand calls f on c and every command below it.
func forEachCommand(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		forEachCommand(sub, f)
	}
}

// noArgs refuses positional arguments, naming the first.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}
