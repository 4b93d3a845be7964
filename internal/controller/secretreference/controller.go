// Package secretreference reconciles SecretReferences: nothing secret is
// on the hub, so there is nothing to deliver; the controller tells the
// organization admin who wrote one whether each environment it names
// exists (a misspelt one would silently read the default remote key).
package secretreference

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=secretreferences,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=secretreferences/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=secretreferences/finalizers,verbs=update
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=environments,verbs=get;list;watch

// Reconciler reconciles SecretReferences.
type Reconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller; an Environment created or
// deleted changes what its organization's SecretReferences may name.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.SecretReference{}, common.OnSpec()).
		Watches(&platformv1alpha1.Environment{}, handler.EnqueueRequestsFromMapFunc(r.referencesInNamespace),
			builder.WithPredicates(common.CreatedOrDeleted())).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func (r *Reconciler) referencesInNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.SecretReferenceList{}, client.InNamespace(o.GetNamespace()))
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.SecretReference{}, r)
}

// ReconcileNormal checks the environments the reference names.
func (r *Reconciler) ReconcileNormal(ctx context.Context, ref *platformv1alpha1.SecretReference) (ctrl.Result, error) {
	envs := &platformv1alpha1.EnvironmentList{}
	if err := r.List(ctx, envs, client.InNamespace(ref.Namespace)); err != nil {
		return ctrl.Result{}, err
	}
	have := make([]string, 0, len(envs.Items))
	for _, e := range envs.Items {
		have = append(have, e.Name)
	}
	if msg := UnknownEnvironments(ref.Spec, have); msg != "" {
		conditions.MarkStalled(ref, platformv1alpha1.ReasonReferenceNotFound, msg)
		return ctrl.Result{}, nil
	}
	conditions.MarkReady(ref, fmt.Sprintf("%d keys; components read them with secretRef, planes from their secret store", len(ref.Spec.Data)))
	return ctrl.Result{}, nil
}

// ReconcileDelete has nothing to clean: bindings that read a deleted
// reference stall, naming it, and keep what runs.
func (r *Reconciler) ReconcileDelete(_ context.Context, ref *platformv1alpha1.SecretReference) (ctrl.Result, error) {
	common.LetGo(ref)
	return ctrl.Result{}, nil
}

// UnknownEnvironments says which of spec's data[].environments[] name none
// of the organization's environments (have), or "" when all exist.
func UnknownEnvironments(spec platformv1alpha1.SecretReferenceSpec, have []string) string {
	var unknown []string
	for _, d := range spec.Data {
		for _, e := range d.Environments {
			if !slices.Contains(have, e.Environment) {
				unknown = append(unknown, fmt.Sprintf("data[%s].environments[%s]", d.Key, e.Environment))
			}
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	slices.Sort(have)
	return fmt.Sprintf("%s: no such environment in organization (its environments: %s)", strings.Join(unknown, ", "), strings.Join(have, ", "))
}
