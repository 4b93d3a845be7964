// Command aileron is the command-line interface to an Aileron hub. It also
// works as a kubectl plugin: installed on the PATH as kubectl-aileron, it
// runs as `kubectl aileron`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/aileron-dev/aileron/internal/cli"
)

func main() {
	os.Exit(run())
}

// run executes the command line and returns the exit code: 0, 1 when the
// platform refused or failed, 2 for a mistake in the command line.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := cli.NewRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		if cli.ExitCode(err) == 2 {
			fmt.Fprintln(os.Stderr, "Run 'aileron --help' for usage.")
		}
	}
	return cli.ExitCode(err)
}
