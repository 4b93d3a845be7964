// Package environment reconciles Environments: it resolves the DataPlanes
// an environment runs on, from its reference or its label selector, and
// keeps the list current as planes come, go and change labels.
package environment

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/resolve"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=environments,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=environments/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=environments/finalizers,verbs=update
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releasebindings,verbs=get;list;watch;delete

// Reconciler reconciles Environments.
type Reconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller. Any DataPlane event
// re-resolves every environment: there are few of both, and a label change
// can move a plane into or out of any selector.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.Environment{}, common.OnSpec()).
		Watches(&platformv1alpha1.DataPlane{}, handler.EnqueueRequestsFromMapFunc(r.allEnvironments),
			builder.WithPredicates(predicate.Or(predicate.LabelChangedPredicate{}, predicate.GenerationChangedPredicate{}))).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func (r *Reconciler) allEnvironments(ctx context.Context, _ client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.EnvironmentList{})
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.Environment{}, r)
}

// ReconcileNormal resolves the environment's planes.
func (r *Reconciler) ReconcileNormal(ctx context.Context, env *platformv1alpha1.Environment) (ctrl.Result, error) {
	planes, problem, err := r.resolve(ctx, env)
	if err != nil {
		return ctrl.Result{}, err
	}
	env.Status.DataPlanes = planes
	if problem != "" {
		conditions.MarkStalled(env, platformv1alpha1.ReasonReferenceNotFound, problem)
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(env, fmt.Sprintf("runs on %d data plane(s)", len(planes)))
	return ctrl.Result{}, nil
}

// resolve returns the sorted names of the environment's planes, or a
// message saying why there are none.
func (r *Reconciler) resolve(ctx context.Context, env *platformv1alpha1.Environment) ([]string, string, error) {
	list := &platformv1alpha1.DataPlaneList{}
	if err := r.List(ctx, list); err != nil {
		return nil, "", err
	}
	planes, problem := resolve.Planes(env, list.Items)
	return planes, problem, nil
}

// ReconcileDelete removes the environment's bindings, whose own finalizers
// clean the planes, and lets the environment go when they have.
func (r *Reconciler) ReconcileDelete(ctx context.Context, env *platformv1alpha1.Environment) (ctrl.Result, error) {
	if done, res, err := common.DeleteChildren(ctx, r.Client, env, "release bindings", &platformv1alpha1.ReleaseBindingList{},
		client.InNamespace(env.Namespace), client.MatchingFields{index.BindingEnvironment: env.Name}); !done {
		return res, err
	}
	common.LetGo(env)
	return ctrl.Result{}, nil
}
