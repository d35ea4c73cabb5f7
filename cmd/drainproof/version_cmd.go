package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/drainproof/drainproof/internal/buildinfo"
)

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version [-o json]",
		Short: "print drainproof's version and commit",
		Long: `Print drainproof's version and the commit it was built from: set by the release build
(-ldflags, see the Makefile), else what the Go toolchain embedded (module version, vcs.revision);
"unknown" when neither knows.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			i := buildinfo.Read()
			switch output {
			case "":
				fmt.Printf("%s %s\n", programName, i)
				return nil
			case "json":
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(i)
			}
			return usagef("--output: %q is not json", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json (default: one line)")
	return cmd
}
