package reports

import (
	"path/filepath"
	"strings"

	"al.essio.dev/pkg/shellescape"
)

// Reproduce turns the argv a run was started with into the one its reports
// print: the program is "drainproof" (not the path it was run from), and
// absolute paths (a flag's value, --flag=PATH, or an argument) become
// relative to wd, the directory it was run in, so the line names no
// directory of the machine that ran it and works again from wd.
func Reproduce(argv []string, wd string) []string {
	if len(argv) == 0 {
		return nil
	}
	out := make([]string, len(argv))
	out[0] = "drainproof"
	for i, a := range argv[1:] {
		if flag, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
			out[i+1] = flag + "=" + relPath(val, wd)
			continue
		}
		out[i+1] = relPath(a, wd)
	}
	return out
}

func relPath(p, wd string) string {
	if !filepath.IsAbs(p) || wd == "" {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil {
		return r
	}
	return p
}

// shellQuote joins argv into one copy-pasteable POSIX shell command.
func shellQuote(argv []string) string { return shellescape.QuoteCommand(argv) }
