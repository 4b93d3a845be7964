package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

func newPromoteCommand(o *options) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "promote COMPONENT --from ENV --to ENV",
		Short: "Promote the release running in one environment to the next one of the pipeline",
		Long: `promote creates a Promotion: the release running Ready in --from moves to --to,
if the component's pipeline has that path. If --to requires approval, the
promotion waits until an organization admin other than you approves it.`,
		Example: `  aileron promote web --from development --to staging -n acme
  aileron promote web --from staging --to production -n acme   # waits for approval`,
		Args: exactArgs("COMPONENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return usageErrorf("--from and --to are required")
			}
			// The promotion pins the release running in --from now: an
			// approval applies to that release, never to one --from moves
			// to while the promotion waits.
			release, err := o.runningRelease(cmd.Context(), args[0], from)
			if err != nil {
				return err
			}
			return o.request(cmd.Context(), args[0], from, to, release)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "Source environment: its running release is promoted.")
	cmd.Flags().StringVar(&to, "to", "", "Target environment.")
	return cmd
}

func newRollbackCommand(o *options) *cobra.Command {
	var env, to string
	cmd := &cobra.Command{
		Use:   "rollback COMPONENT --env ENV [--to RELEASE]",
		Short: "Move an environment back to an earlier release of its history",
		Long: `rollback creates a Promotion back to a release the environment ran before:
--to, or the one before the current release. It follows the same rules as a
promotion, including approval where the environment requires it.`,
		Example: `  aileron rollback api --env production -n acme
  aileron rollback api --env production --to api-4f1c2a9e07 -n acme`,
		Args: exactArgs("COMPONENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if env == "" {
				return usageErrorf("--env is required")
			}
			if to == "" {
				c, ns, err := o.client()
				if err != nil {
					return err
				}
				b := &platformv1alpha1.ReleaseBinding{}
				if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: binding.Name(args[0], env)}, b); err != nil {
					return fmt.Errorf("component %s does not run in %s: %w", args[0], env, err)
				}
				if to = pipeline.Previous(b.Status.History, b.Spec.Release); to == "" {
					return fmt.Errorf("%s in %s has no earlier release to roll back to (see: aileron history %s --env %s)", args[0], env, args[0], env)
				}
			}
			return o.request(cmd.Context(), args[0], "", env, to)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "The environment to roll back.")
	cmd.Flags().StringVar(&to, "to", "", "The release to return to (default: the one before the current).")
	return cmd
}

// runningRelease is the release comp runs in env, or "" when it runs
// nothing there yet (the promotion then fails, saying so).
func (o *options) runningRelease(ctx context.Context, comp, env string) (string, error) {
	c, ns, err := o.client()
	if err != nil {
		return "", err
	}
	b := &platformv1alpha1.ReleaseBinding{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: binding.Name(comp, env)}, b); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("reading what %s runs in %s: %w", comp, env, err)
	}
	return b.Status.Release, nil
}

// request creates a Promotion as the authenticated user and reports how
// it was decided.
func (o *options) request(ctx context.Context, comp, from, to, release string) error {
	c, ns, err := o.client()
	if err != nil {
		return err
	}
	me, err := o.whoAmI(ctx)
	if err != nil {
		return err
	}
	verb := "to"
	if from == "" {
		verb = "rollback"
	}
	p := &platformv1alpha1.Promotion{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: comp + "-" + verb + "-" + to + "-"},
		Spec: platformv1alpha1.PromotionSpec{
			ComponentRef:         platformv1alpha1.LocalObjectReference{Name: comp},
			TargetEnvironmentRef: platformv1alpha1.LocalObjectReference{Name: to},
			Release:              release,
			RequestedBy:          me,
		},
	}
	if from != "" {
		p.Spec.SourceEnvironmentRef = &platformv1alpha1.LocalObjectReference{Name: from}
	}
	if err := c.Create(ctx, p); err != nil {
		return fmt.Errorf("creating the promotion: %w", err)
	}
	return o.report(ctx, c, p)
}

// report waits until the promotion is decided or awaits an approval, and
// prints the outcome. A refused or rejected promotion is an error.
func (o *options) report(ctx context.Context, c client.Client, p *platformv1alpha1.Promotion) error {
	key := client.ObjectKeyFromObject(p)
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, o.timeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, key, p); err != nil {
			return false, err
		}
		return p.Status.Phase != "" && p.Status.Phase != platformv1alpha1.PromotionPending && p.Status.ObservedGeneration == p.Generation, nil
	})
	if err != nil {
		return fmt.Errorf("promotion %s was not decided within %s: %w", p.Name, o.timeout, err)
	}
	msg := ""
	if cond := meta.FindStatusCondition(p.Status.Conditions, platformv1alpha1.ConditionReady); cond != nil {
		msg = cond.Message
	}
	if _, err := fmt.Fprintf(o.out, "promotion %s: %s\n  %s\n", p.Name, p.Status.Phase, msg); err != nil {
		return err
	}
	switch p.Status.Phase {
	case platformv1alpha1.PromotionFailed:
		return fmt.Errorf("promotion %s was refused: %s", p.Name, msg)
	case platformv1alpha1.PromotionRejected:
		return fmt.Errorf("promotion %s was rejected: %s", p.Name, msg)
	}
	return nil
}

func newDecisionCommand(o *options, approve bool) *cobra.Command {
	var comment string
	name, decision, past := "reject", platformv1alpha1.Rejected, "Rejects"
	if approve {
		name, decision, past = "approve", platformv1alpha1.Approved, "Approves"
	}
	cmd := &cobra.Command{
		Use:     name + " PROMOTION",
		Short:   past + " a promotion that awaits approval (organization admins, not the requester)",
		Example: fmt.Sprintf("  aileron %s web-to-production-x7k2p -n acme --comment \"change CHG-1042\"", name),
		Args:    exactArgs("PROMOTION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ns, err := o.client()
			if err != nil {
				return err
			}
			me, err := o.whoAmI(ctx)
			if err != nil {
				return err
			}
			p := &platformv1alpha1.Promotion{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: args[0]}, p); err != nil {
				return fmt.Errorf("reading promotion %s: %w", args[0], err)
			}
			if p.Status.Phase != platformv1alpha1.PromotionAwaitingApproval {
				return fmt.Errorf("promotion %s does not await an approval: it is %s", p.Name, orDash(string(p.Status.Phase)))
			}
			patch := client.MergeFrom(p.DeepCopy())
			p.Spec.Approval = &platformv1alpha1.Approval{Decision: decision, By: me, Comment: comment}
			if err := c.Patch(ctx, p, patch); err != nil {
				return fmt.Errorf("%s promotion %s: %w", strings.TrimSuffix(name, "e")+"ing", p.Name, err)
			}
			return o.report(ctx, c, p)
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "Why: recorded on the promotion.")
	return cmd
}

func newHistoryCommand(o *options) *cobra.Command {
	var env, output string
	cmd := &cobra.Command{
		Use:     "history COMPONENT --env ENV",
		Short:   "List the releases an environment ran, newest first, with who moved it and how",
		Example: "  aileron history api --env production -n acme",
		Args:    exactArgs("COMPONENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if env == "" {
				return usageErrorf("--env is required")
			}
			c, ns, err := o.client()
			if err != nil {
				return err
			}
			b := &platformv1alpha1.ReleaseBinding{}
			if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: binding.Name(args[0], env)}, b); err != nil {
				return fmt.Errorf("component %s does not run in %s: %w", args[0], env, err)
			}
			if output != "table" {
				return structured(o.out, output, b.Status.History)
			}
			rows := make([][]string, 0, len(b.Status.History))
			for _, h := range b.Status.History {
				release := h.Release
				if state := pipeline.StateOf(h.State); state != platformv1alpha1.BindingActive {
					release += " (" + string(state) + ")"
				}
				rows = append(rows, []string{release, h.Time.UTC().Format(time.RFC3339), h.By, orDash(h.ApprovedBy), h.Via})
			}
			return table(o.out, []string{"RELEASE", "TIME", "BY", "APPROVED BY", "VIA"}, rows)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "The environment.")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table, json or yaml.")
	return cmd
}
