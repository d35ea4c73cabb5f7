// Command drainproof proves, with real connections, that a proxy, gateway or
// Kubernetes configuration drains cleanly.
//
// Exit codes (every subcommand): 0 the verdict passed, or a known-bad twin
// failed as it must (or the command did its job), 1 the verdict failed (or a
// twin's negative control did not hold), 2 bad usage or a setup error (the
// message names the flag, file or field at fault), 3 the run is INCOMPLETE:
// interrupted, cut short by --duration or a timeout, nothing disrupted or
// nothing carried; verdict.json says why.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/drainproof/drainproof/harness/verdict"
)

const (
	exitPass       = 0
	exitFail       = 1
	exitSetup      = 2
	exitIncomplete = 3
	programName    = "drainproof"
)

// exitCodesHelp is printed by every usage text.
const exitCodesHelp = `exit status: 0 PASS (or FAILED AS EXPECTED for a known-bad twin), 1 FAIL (or CONTROL DID NOT HOLD),
2 bad usage or a setup error, 3 INCOMPLETE (interrupted, --duration cut sessions short, nothing
disrupted or nothing carried: the run cannot be judged; verdict.json and summary.md say why)`

// usageError is bad command-line input: exit 2 with the message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errVerdictFailed is returned by commands whose verdict failed: exit 1.
var errVerdictFailed = errors.New("verdict failed")

// errIncomplete is returned by commands whose run could not be judged: exit 3.
var errIncomplete = errors.New("run incomplete")

// outcomeError maps a verdict's outcome to the command's result (and so its
// exit status): nil for PASS and FAILED AS EXPECTED.
func outcomeError(v verdict.Verdict) error {
	switch {
	case v.Outcome == verdict.Incomplete:
		return errIncomplete
	case v.Outcome.OK():
		return nil
	}
	return errVerdictFailed
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string) error) {
	commands[name] = command{summary, run}
}

func main() { os.Exit(realMain(os.Args[1:])) }

func realMain(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage()
		if len(args) == 0 {
			return exitSetup
		}
		return exitPass
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: unknown command %q\n\n", programName, args[0])
		printUsage()
		return exitSetup
	}
	// Ctrl-C / SIGTERM cancel the context; commands clean up what they made.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:])
	switch {
	case err == nil:
		return exitPass
	case errors.Is(err, flag.ErrHelp):
		return exitPass
	case errors.Is(err, errVerdictFailed):
		return exitFail
	case errors.Is(err, errIncomplete):
		return exitIncomplete
	default:
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", programName, args[0], err)
		return exitSetup
	}
}

func printUsage() {
	fmt.Fprintf(os.Stderr, "usage: %s <command> [flags]\n\ncommands:\n", programName)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun '%s <command> -h' for its flags.\n\n%s\n", programName, exitCodesHelp)
}

// newFlags is a FlagSet whose parse errors become usage errors (exit 2).
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(programName+" "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s [flags]\n\n", programName, name)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\n%s\n", exitCodesHelp)
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
