// Command aileron is the command-line interface to an Aileron hub. It also
// works as a kubectl plugin: installed on the PATH as kubectl-aileron, it
// runs as `kubectl aileron`.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/aileron-dev/aileron/internal/version"
)

func main() {
	if err := newRootCommand(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "aileron",
		Short:         "Work with an Aileron platform: components, releases, planes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(&cobra.Command{
		Use:     "version",
		Short:   "Print the version of this binary",
		Example: "  aileron version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version.Get())
			return err
		},
	})
	return root
}
