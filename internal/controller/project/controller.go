// Package project reconciles Projects: it checks the project's pipeline,
// and on deletion removes the project's components, whose own finalizers
// clean the planes.
package project

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
	"github.com/aileron-dev/aileron/internal/controller/index"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=projects,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=projects/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=projects/finalizers,verbs=update
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=components,verbs=get;list;watch;delete

// Reconciler reconciles Projects.
type Reconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller; a pipeline's readiness
// changing re-checks the projects that use it.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.Project{}, common.OnSpec()).
		Watches(&platformv1alpha1.DeploymentPipeline{}, handler.EnqueueRequestsFromMapFunc(r.projectsOfPipeline),
			builder.WithPredicates(common.ReadyChanged())).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func (r *Reconciler) projectsOfPipeline(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ProjectList{},
		client.InNamespace(o.GetNamespace()), client.MatchingFields{index.ProjectPipeline: o.GetName()})
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.Project{}, r)
}

// ReconcileNormal checks the project's pipeline.
func (r *Reconciler) ReconcileNormal(ctx context.Context, p *platformv1alpha1.Project) (ctrl.Result, error) {
	name := p.Spec.DeploymentPipelineRef.Name
	pl := &platformv1alpha1.DeploymentPipeline{}
	if found, err := common.GetReference(ctx, r.Client, client.ObjectKey{Namespace: p.Namespace, Name: name}, pl, p,
		fmt.Sprintf("DeploymentPipeline %s does not exist in organization %s: create it, or change spec.deploymentPipelineRef", name, p.Namespace)); !found {
		return ctrl.Result{}, err
	}
	if !conditions.IsReady(pl) {
		conditions.MarkProgressing(p, platformv1alpha1.ReasonDependencyNotReady, conditions.NotReady("DeploymentPipeline", pl))
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(p, "pipeline "+name+" is Ready")
	return ctrl.Result{}, nil
}

// ReconcileDelete removes the project's components and lets the project go
// when they are gone.
func (r *Reconciler) ReconcileDelete(ctx context.Context, p *platformv1alpha1.Project) (ctrl.Result, error) {
	if done, res, err := common.DeleteChildren(ctx, r.Client, p, "components", &platformv1alpha1.ComponentList{},
		client.InNamespace(p.Namespace), client.MatchingFields{index.ComponentProject: p.Name}); !done {
		return res, err
	}
	common.LetGo(p)
	return ctrl.Result{}, nil
}
