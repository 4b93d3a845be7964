// Package componenttype reconciles ComponentTypes and Traits: it compiles
// their templates and parameter schemas, so that an author sees a mistake
// on the object they wrote (Stalled, with the field and the compiler's
// words) before any component renders with it.
package componenttype

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/render"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=componenttypes;traits,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=componenttypes,verbs=create
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=componenttypes/status;traits/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=componenttypes/finalizers;traits/finalizers,verbs=update

// TypeReconciler reconciles ComponentTypes.
type TypeReconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller.
func (r *TypeReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.ComponentType{}, common.OnSpec()).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// Reconcile runs the shared skeleton.
func (r *TypeReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.ComponentType{}, r)
}

// ReconcileNormal compiles the type.
func (r *TypeReconciler) ReconcileNormal(_ context.Context, t *platformv1alpha1.ComponentType) (ctrl.Result, error) {
	if err := render.TypeOf(t.Name, &t.Spec).Check(); err != nil {
		conditions.MarkStalled(t, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(t, fmt.Sprintf("%d templates compiled; the workload is a %s", len(t.Spec.Resources), t.Spec.Workload.Kind))
	return ctrl.Result{}, nil
}

// ReconcileDelete has nothing to clean: releases pin what they render
// with, and components that name a deleted type report it missing.
func (r *TypeReconciler) ReconcileDelete(_ context.Context, t *platformv1alpha1.ComponentType) (ctrl.Result, error) {
	common.LetGo(t)
	return ctrl.Result{}, nil
}

// TraitReconciler reconciles Traits.
type TraitReconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller.
func (r *TraitReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.Trait{}, common.OnSpec()).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// Reconcile runs the shared skeleton.
func (r *TraitReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.Trait{}, r)
}

// ReconcileNormal compiles the trait.
func (r *TraitReconciler) ReconcileNormal(_ context.Context, t *platformv1alpha1.Trait) (ctrl.Result, error) {
	if err := render.TraitOf(t.Name, &t.Spec).Check(); err != nil {
		conditions.MarkStalled(t, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(t, fmt.Sprintf("%d templates and %d patches compiled", len(t.Spec.Creates), len(t.Spec.Patches)))
	return ctrl.Result{}, nil
}

// ReconcileDelete has nothing to clean, as for types.
func (r *TraitReconciler) ReconcileDelete(_ context.Context, t *platformv1alpha1.Trait) (ctrl.Result, error) {
	common.LetGo(t)
	return ctrl.Result{}, nil
}

// CreateDefaults creates each built-in ComponentType that does not exist
// yet. A type a platform team changed, or deleted and replaced, stays
// theirs: nothing is overwritten, and a deleted built-in comes back only
// at the next start of the manager (run it with
// --default-component-types=false to keep it away).
func CreateDefaults(ctx context.Context, c client.Client) error {
	for name, spec := range render.BuiltinTypes() {
		t := &platformv1alpha1.ComponentType{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}},
			Spec:       *spec,
		}
		err := c.Create(ctx, t)
		if err == nil {
			ctrl.LoggerFrom(ctx).Info("created built-in component type", "componentType", name)
		}
		if client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("creating the built-in ComponentType %s: %w", name, err)
		}
	}
	return nil
}
