// Package cli is the aileron command: status, promotion, approvals,
// rollback and history of components; plane registration; and previews of
// what Aileron would deliver. It uses kubectl's kubeconfig and context
// flags, so it also works as the kubectl plugin `kubectl aileron`.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/version"
)

// UsageError is a mistake in how a command was called: it is reported
// with the command's usage, and exits with code 2.
type UsageError struct{ error }

func usageErrorf(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// ExitCode is the process exit code for err: 0, 1 for failures, 2 for
// usage errors.
func ExitCode(err error) int {
	var u UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	default:
		return 1
	}
}

// options are shared by every command.
type options struct {
	flags   *genericclioptions.ConfigFlags
	out     io.Writer
	errOut  io.Writer
	timeout time.Duration
}

// NewRootCommand builds the aileron command tree.
func NewRootCommand(out, errOut io.Writer) *cobra.Command {
	o := &options{flags: genericclioptions.NewConfigFlags(true), out: out, errOut: errOut}
	root := &cobra.Command{
		Use:   "aileron",
		Short: "Work with an Aileron platform: components, releases, promotions, planes",
		Long: `aileron talks to an Aileron hub with your kubeconfig, like kubectl.
The namespace (-n) is the organization. Installed on the PATH as
kubectl-aileron, it also runs as "kubectl aileron".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	o.flags.AddFlags(root.PersistentFlags())
	root.PersistentFlags().DurationVar(&o.timeout, "wait-timeout", 2*time.Minute, "How long commands that wait for the platform wait.")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return UsageError{err} })
	root.AddCommand(
		newStatusCommand(o),
		newPromoteCommand(o), newDecisionCommand(o, true), newDecisionCommand(o, false),
		newRollbackCommand(o), newHistoryCommand(o),
		newPlaneCommand(o),
		newRenderCommand(o), newDiffCommand(o),
		newTypesCommand(o), newExplainCommand(o),
		newDevCommand(o),
		&cobra.Command{
			Use: "version", Short: "Print the version of this binary", Example: "  aileron version", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), version.Get())
				return err
			},
		},
	)
	return root
}

// exactArgs is cobra.ExactArgs with a usage error that names what is missing.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageErrorf("expected %d argument(s): %v, got %d", len(names), names, len(args))
		}
		return nil
	}
}

func (o *options) restConfig() (*rest.Config, error) {
	cfg, err := o.flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	return cfg, nil
}

// client returns a client for the hub and the organization (namespace).
func (o *options) client() (client.Client, string, error) {
	cfg, err := o.restConfig()
	if err != nil {
		return nil, "", err
	}
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		return nil, "", fmt.Errorf("connecting to the hub: %w", err)
	}
	ns, _, err := o.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

// whoAmI asks the hub who the caller is: identities recorded on
// promotions are the ones the API server authenticated.
func (o *options) whoAmI(ctx context.Context) (string, error) {
	cfg, err := o.restConfig()
	if err != nil {
		return "", err
	}
	me, err := binding.WhoAmI(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("asking the hub who you are: %w", err)
	}
	return me, nil
}
