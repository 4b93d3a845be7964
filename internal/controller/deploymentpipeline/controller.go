// Package deploymentpipeline reconciles DeploymentPipelines: it checks
// that the environments they name exist and that the paths form a DAG,
// and records the environment where releases land first.
package deploymentpipeline

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=deploymentpipelines,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=deploymentpipelines/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=deploymentpipelines/finalizers,verbs=update

// Reconciler reconciles DeploymentPipelines.
type Reconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller; an Environment appearing or
// going re-checks the pipelines of its organization.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.DeploymentPipeline{}, common.OnSpec()).
		Watches(&platformv1alpha1.Environment{}, handler.EnqueueRequestsFromMapFunc(r.pipelinesInNamespace),
			builder.WithPredicates(common.CreatedOrDeleted())).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func (r *Reconciler) pipelinesInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.DeploymentPipelineList{}, client.InNamespace(o.GetNamespace()))
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.DeploymentPipeline{}, r)
}

// ReconcileNormal validates the pipeline.
func (r *Reconciler) ReconcileNormal(ctx context.Context, p *platformv1alpha1.DeploymentPipeline) (ctrl.Result, error) {
	analysis, err := pipeline.Analyze(p.Spec)
	if err != nil {
		p.Status.InitialEnvironment = ""
		conditions.MarkStalled(p, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	p.Status.InitialEnvironment = analysis.Initial
	envs := &platformv1alpha1.EnvironmentList{}
	if err := r.List(ctx, envs, client.InNamespace(p.Namespace)); err != nil {
		return ctrl.Result{}, err
	}
	exists := map[string]bool{}
	for _, e := range envs.Items {
		exists[e.Name] = e.DeletionTimestamp.IsZero()
	}
	var missing []string
	for _, e := range analysis.Environments {
		if !exists[e] {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		conditions.MarkStalled(p, platformv1alpha1.ReasonReferenceNotFound, fmt.Sprintf(
			"the pipeline names environments that do not exist in organization %s: %s", p.Namespace, conditions.Summarize(missing)))
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(p, fmt.Sprintf("%d environments; releases land first in %s", len(analysis.Environments), analysis.Initial))
	return ctrl.Result{}, nil
}

// ReconcileDelete has nothing to clean: projects that use the pipeline
// report it missing.
func (r *Reconciler) ReconcileDelete(_ context.Context, p *platformv1alpha1.DeploymentPipeline) (ctrl.Result, error) {
	common.LetGo(p)
	return ctrl.Result{}, nil
}
