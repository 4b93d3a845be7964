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

// Reconciler reconciles one of the two kinds: both are compiled the same
// way and have nothing to clean up, so they differ only in what compiling
// means and what Ready says.
type Reconciler[T common.Object] struct {
	client.Client
	MaxConcurrentReconciles int
	newObject               func() T
	// compile checks the definition and says what compiled.
	compile func(T) (string, error)
}

// NewTypeReconciler reconciles ComponentTypes.
func NewTypeReconciler(c client.Client, maxConcurrentReconciles int) *Reconciler[*platformv1alpha1.ComponentType] {
	return &Reconciler[*platformv1alpha1.ComponentType]{
		Client: c, MaxConcurrentReconciles: maxConcurrentReconciles,
		newObject: func() *platformv1alpha1.ComponentType { return &platformv1alpha1.ComponentType{} },
		compile: func(t *platformv1alpha1.ComponentType) (string, error) {
			return fmt.Sprintf("%d templates compiled; the workload is a %s", len(t.Spec.Resources), t.Spec.Workload.Kind),
				render.TypeOf(t.Name, &t.Spec).Check()
		},
	}
}

// NewTraitReconciler reconciles Traits.
func NewTraitReconciler(c client.Client, maxConcurrentReconciles int) *Reconciler[*platformv1alpha1.Trait] {
	return &Reconciler[*platformv1alpha1.Trait]{
		Client: c, MaxConcurrentReconciles: maxConcurrentReconciles,
		newObject: func() *platformv1alpha1.Trait { return &platformv1alpha1.Trait{} },
		compile: func(t *platformv1alpha1.Trait) (string, error) {
			return fmt.Sprintf("%d templates and %d patches compiled", len(t.Spec.Creates), len(t.Spec.Patches)),
				render.TraitOf(t.Name, &t.Spec).Check()
		},
	}
}

// SetupWithManager registers the controller.
func (r *Reconciler[T]) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(r.newObject(), common.OnSpec()).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// Reconcile runs the shared skeleton.
func (r *Reconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, r.newObject(), r)
}

// ReconcileNormal compiles the definition.
func (r *Reconciler[T]) ReconcileNormal(_ context.Context, t T) (ctrl.Result, error) {
	compiled, err := r.compile(t)
	if err != nil {
		conditions.MarkStalled(t, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(t, compiled)
	return ctrl.Result{}, nil
}

// ReconcileDelete has nothing to clean: releases pin what they render
// with, and components that name a deleted type or trait report it
// missing.
func (r *Reconciler[T]) ReconcileDelete(_ context.Context, t T) (ctrl.Result, error) {
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
