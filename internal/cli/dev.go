package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/demo"
)

func newDevCommand(o *options) *cobra.Command {
	var dashboard string
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole platform locally until Ctrl-C: a hub, five planes, the manager, the samples",
		Long: `dev starts a local fleet of real Kubernetes API servers — a hub, data planes
eu-1, na-1 and asia-1 (with a controller manager and kwok, so workloads become
Available), a build plane and an observability plane — runs the manager,
applies config/samples and waits until everything is Ready. It needs the
binaries of 'make tools' (make demo builds them and runs this).`,
		Example: "  make demo        # builds what is missing, then runs: aileron dev",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demo.Run(cmd.Context(), demo.Options{Out: o.out, DashboardAddress: dashboard, Ready: func(ctx context.Context, hub client.Client) error {
				rows, err := statusRows(ctx, hub, "acme", "", time.Now())
				if err != nil {
					return err
				}
				if _, err := fmt.Fprintln(o.out); err != nil {
					return err
				}
				return printStatus(o.out, rows)
			}})
		},
	}
	cmd.Flags().StringVar(&dashboard, "dashboard-address", "127.0.0.1:8080", "Where the dashboard is served.")
	return cmd
}
