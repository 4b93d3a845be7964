// Package promotion reconciles Promotions: it checks a request against the
// component's pipeline and the source's running release (or, for a
// rollback, the target's history), waits for an approval where the target
// requires one, then moves the target's ReleaseBinding and records who
// asked, who approved and through which request.
package promotion

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=promotions,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=promotions/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=promotions/finalizers,verbs=update

// Reconciler reconciles Promotions.
type Reconciler struct {
	client.Client
	// APIReader reads straight from the API server. A promotion's verdict
	// is final, so the rules are checked against fresh objects, never a
	// cache that may lag the source's latest status by a moment.
	APIReader               client.Reader
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.Promotion{}, common.OnSpec()).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.Promotion{}, r)
}

// ReconcileNormal decides a promotion, once.
func (r *Reconciler) ReconcileNormal(ctx context.Context, p *platformv1alpha1.Promotion) (ctrl.Result, error) {
	switch p.Status.Phase {
	case platformv1alpha1.PromotionSucceeded, platformv1alpha1.PromotionFailed, platformv1alpha1.PromotionRejected:
		return ctrl.Result{}, nil // decided: a promotion is a record, never replayed
	}
	target := p.Spec.TargetEnvironmentRef.Name
	plan, violation, err := r.plan(ctx, p)
	if err != nil {
		return ctrl.Result{}, err
	}
	if violation != "" {
		finish(p, platformv1alpha1.PromotionFailed, platformv1alpha1.ReasonRuleViolated, violation)
		return ctrl.Result{}, nil
	}
	p.Status.Release, p.Status.RequiresApproval = plan.release, plan.requiresApproval
	approvedBy := ""
	if plan.requiresApproval {
		a := p.Spec.Approval
		switch {
		case a == nil:
			p.Status.Phase = platformv1alpha1.PromotionAwaitingApproval
			conditions.MarkProgressing(p, platformv1alpha1.ReasonAwaitingApproval, fmt.Sprintf(
				"%s requires an approval of release %s: an organization admin runs `aileron approve %s -n %s` (or `aileron reject`)", target, plan.release, p.Name, p.Namespace))
			return ctrl.Result{}, nil
		case a.Decision == platformv1alpha1.Rejected:
			finish(p, platformv1alpha1.PromotionRejected, platformv1alpha1.ReasonRejected, withComment("rejected by "+a.By, a.Comment))
			return ctrl.Result{}, nil
		}
		approvedBy = a.By
	}
	via := p.Name
	err = binding.Move(ctx, r.Client, client.ObjectKey{Namespace: p.Namespace, Name: binding.Name(p.Spec.ComponentRef.Name, target)},
		plan.template, plan.release, platformv1alpha1.BindingHistoryEntry{By: p.Spec.RequestedBy, ApprovedBy: approvedBy, Via: via})
	if err != nil {
		return ctrl.Result{}, err
	}
	finish(p, platformv1alpha1.PromotionSucceeded, platformv1alpha1.ReasonPromoted, fmt.Sprintf("%s now runs release %s", target, plan.release))
	return ctrl.Result{}, nil
}

type plan struct {
	release          string
	requiresApproval bool
	template         *platformv1alpha1.ReleaseBinding
}

// plan applies the rules. A broken rule is returned as a violation: a
// message for the requester saying which rule and why.
func (r *Reconciler) plan(ctx context.Context, p *platformv1alpha1.Promotion) (plan, string, error) {
	ns, comp, target := p.Namespace, p.Spec.ComponentRef.Name, p.Spec.TargetEnvironmentRef.Name
	c := &platformv1alpha1.Component{}
	if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: comp}, c, "component %s does not exist in organization %s", comp, ns); v != "" || err != nil {
		return plan{}, v, err
	}
	project := &platformv1alpha1.Project{}
	if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: c.Spec.ProjectRef.Name}, project, "project %s of component %s does not exist", c.Spec.ProjectRef.Name, comp); v != "" || err != nil {
		return plan{}, v, err
	}
	pl := &platformv1alpha1.DeploymentPipeline{}
	if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: project.Spec.DeploymentPipelineRef.Name}, pl, "pipeline %s of project %s does not exist", project.Spec.DeploymentPipelineRef.Name, project.Name); v != "" || err != nil {
		return plan{}, v, err
	}
	if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: target}, &platformv1alpha1.Environment{}, "target environment %s does not exist in organization %s", target, ns); v != "" || err != nil {
		return plan{}, v, err
	}
	out := plan{template: binding.Template(ns, project.Name, comp, target)}
	if src := p.Spec.SourceEnvironmentRef; src != nil {
		allowed, approval := pipeline.Allowed(pl.Spec, src.Name, target)
		if !allowed {
			return plan{}, fmt.Sprintf("pipeline %s has no path from %s to %s (from %s it allows: %s)",
				pl.Name, src.Name, target, src.Name, orNone(targetsFrom(pl.Spec, src.Name))), nil
		}
		b := &platformv1alpha1.ReleaseBinding{}
		if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: binding.Name(comp, src.Name)}, b,
			"component %s does not run in %s: there is nothing to promote", comp, src.Name); v != "" || err != nil {
			return plan{}, v, err
		}
		// A promotion moves the release it was requested for: the one the
		// requester pinned, or the one the source ran when the promotion
		// was first seen (recorded in status before any approval is asked
		// for). An approval applies to exactly that release; a source that
		// moved on since fails the promotion rather than carry a release
		// nobody approved.
		pinned := p.Spec.Release
		if pinned == "" {
			pinned = p.Status.Release
		}
		if moved := pipeline.MovedFrom(pinned, b); moved != "" {
			if p.Status.Release == "" {
				// The first look: the requester pinned a release the
				// source does not run.
				return plan{}, fmt.Sprintf("release %s is not the one running in %s (%s runs there)", pinned, src.Name, moved), nil
			}
			return plan{}, fmt.Sprintf("%s moved from %s to %s since the promotion was requested: an approval applies only to the release it was asked for; request a new promotion to move %s",
				src.Name, pinned, moved, moved), nil
		}
		if !conditions.IsReady(b) || b.Status.Release == "" || b.Status.Release != b.Spec.Release {
			return plan{}, fmt.Sprintf("the release of %s in %s is not running Ready (%s): only a release that runs Ready in the source is promoted",
				comp, src.Name, conditions.ReadyMessage(b.Status.Conditions)), nil
		}
		out.release, out.requiresApproval = b.Status.Release, approval
		return out, "", nil
	}
	// A rollback: back to a release the target ran before.
	b := &platformv1alpha1.ReleaseBinding{}
	if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: binding.Name(comp, target)}, b, "component %s does not run in %s: there is nothing to roll back", comp, target); v != "" || err != nil {
		return plan{}, v, err
	}
	if !pipeline.InHistory(b.Status.History, p.Spec.Release) {
		return plan{}, fmt.Sprintf("release %s is not in the history of %s in %s: a rollback returns to a release the environment ran before",
			p.Spec.Release, comp, target), nil
	}
	if v, err := lookup(ctx, r.APIReader, client.ObjectKey{Namespace: ns, Name: p.Spec.Release}, &platformv1alpha1.Release{}, "release %s no longer exists", p.Spec.Release); v != "" || err != nil {
		return plan{}, v, err
	}
	out.release, out.requiresApproval = p.Spec.Release, pipeline.TargetRequiresApproval(pl.Spec, target)
	return out, "", nil
}

// lookup reads an object the rules need. A missing one is a violation,
// described by format and args; other errors are errors, to retry.
func lookup(ctx context.Context, c client.Reader, key client.ObjectKey, obj client.Object, format string, args ...any) (string, error) {
	if err := c.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf(format, args...), nil
		}
		return "", err
	}
	return "", nil
}

// ReconcileDelete has nothing to clean: a promotion is a record.
func (r *Reconciler) ReconcileDelete(_ context.Context, p *platformv1alpha1.Promotion) (ctrl.Result, error) {
	common.LetGo(p)
	return ctrl.Result{}, nil
}

func finish(p *platformv1alpha1.Promotion, phase platformv1alpha1.PromotionPhase, reason, message string) {
	p.Status.Phase = phase
	now := metav1.Now()
	p.Status.CompletionTime = &now
	if phase == platformv1alpha1.PromotionSucceeded {
		conditions.MarkReady(p, message)
		return
	}
	conditions.MarkStalled(p, reason, message)
}

func withComment(s, comment string) string {
	if comment == "" {
		return s
	}
	return s + ": " + comment
}

func targetsFrom(spec platformv1alpha1.DeploymentPipelineSpec, from string) []string {
	var out []string
	for _, p := range spec.PromotionPaths {
		if p.SourceEnvironmentRef == from {
			for _, t := range p.TargetEnvironmentRefs {
				out = append(out, t.Name)
			}
		}
	}
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}
