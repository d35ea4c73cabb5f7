// Command drainproof proves, with real connections, that a proxy, gateway or
// Kubernetes configuration drains cleanly.
//
// Exit codes (every subcommand): 0 the verdict passed (or the command did its
// job), 1 the verdict failed, 2 bad usage or a setup error (the message names
// the flag, file or field at fault).
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
)

const (
	exitPass    = 0
	exitFail    = 1
	exitSetup   = 2
	programName = "drainproof"
)

// usageError is bad command-line input: exit 2 with the message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// verdictFailed is returned by commands whose verdict failed: exit 1.
var errVerdictFailed = errors.New("verdict failed")

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
	fmt.Fprintf(os.Stderr, "\nRun '%s <command> -h' for its flags.\n", programName)
}

// newFlags is a FlagSet whose parse errors become usage errors (exit 2).
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(programName+" "+name, flag.ContinueOnError)
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
