// Package stack reconciles PlaneStacks: each becomes the Sveltos
// ClusterProfiles (with the ConfigMaps of its manifests items) and the Argo
// CD ApplicationSets that deliver it, by label, to every plane of its type
// the selector matches; what the stack no longer renders is deleted.
package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/hubapply"
	"github.com/aileron-dev/aileron/internal/stack"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=planestacks,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=planestacks/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=planestacks/finalizers,verbs=update
// +kubebuilder:rbac:groups=config.projectsveltos.io,resources=clusterprofiles,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",namespace=aileron-system,resources=configmaps,verbs=get;list;watch;create;patch;delete
// Its permissions in Argo CD's namespace are in config/argocd/rbac.yaml.

// Reconciler reconciles PlaneStacks.
type Reconciler struct {
	client.Client
	// Namespace is the operator's: manifests items' ConfigMaps live there.
	Namespace string
	// ArgoCDNamespace is Argo CD's; empty when Argo CD is not installed.
	ArgoCDNamespace string
	// Sveltos is set when the hub serves Sveltos' kinds.
	Sveltos                 bool
	MaxConcurrentReconciles int

	// applied remembers what was applied for each stack last.
	applied hubapply.Applied[string]
}

// SetupWithManager registers the controller. Planes coming, going or
// relabelled change how many a stack selects; rendered objects changed by
// hand are put back.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.PlaneStack{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted())))
	planeChanged := builder.WithPredicates(predicate.Or(predicate.LabelChangedPredicate{}, common.CreatedOrDeleted()))
	for _, p := range []client.Object{&platformv1alpha1.DataPlane{}, &platformv1alpha1.BuildPlane{}, &platformv1alpha1.ObservabilityPlane{}} {
		b = b.Watches(p, handler.EnqueueRequestsFromMapFunc(r.stacksOfPlane), planeChanged)
	}
	owned := builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, common.CreatedOrDeleted()))
	if r.Sveltos {
		b = b.Watches(&sveltos.ClusterProfile{}, handler.EnqueueRequestsFromMapFunc(r.stackOf), owned).
			Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.stackOf), owned)
	}
	if r.ArgoCDNamespace != "" {
		b = b.Watches(&argocd.ApplicationSet{}, handler.EnqueueRequestsFromMapFunc(r.stackOf), owned)
	}
	return b.WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).Complete(r)
}

// stackOf maps a rendered object changed or deleted by someone else to
// its stack, which applies everything again.
func (r *Reconciler) stackOf(_ context.Context, o client.Object) []reconcile.Request {
	if name := o.GetLabels()[stack.LabelStack]; name != "" {
		r.applied.Forget(name)
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
	}
	return nil
}

// deliver applies what the stack renders and deletes what it rendered
// before and no longer does. A stack is reconciled whenever a plane of its
// type comes, goes or is relabelled, which changes its status, not its
// objects: they are applied again only when they change or one of them
// was changed by someone else (stackOf forgets the stack). Pruning reads
// the cache and writes only what is left over, so it runs every time.
func (r *Reconciler) deliver(ctx context.Context, name string, objs []client.Object) error {
	if err := r.applied.ApplyAll(ctx, r.Client, name, objs...); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, o := range objs {
		keep[hubapply.Key(o)] = true
	}
	return r.prune(ctx, name, keep)
}

func (r *Reconciler) stacksOfPlane(ctx context.Context, o client.Object) []reconcile.Request {
	p, ok := o.(platformv1alpha1.Plane)
	if !ok {
		return nil
	}
	list := &platformv1alpha1.PlaneStackList{}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing plane stacks")
		return nil
	}
	var out []reconcile.Request
	for _, s := range list.Items {
		if s.Spec.PlaneType == p.PlaneType() {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: s.Name}})
		}
	}
	return out
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.PlaneStack{}, r)
}

// ReconcileNormal renders the stack, applies it, and deletes what it no
// longer renders.
func (r *Reconciler) ReconcileNormal(ctx context.Context, s *platformv1alpha1.PlaneStack) (ctrl.Result, error) {
	if cycle := stack.Cycle(s.Spec.Items); cycle != nil {
		conditions.MarkStalled(s, platformv1alpha1.ReasonDependencyCycle,
			fmt.Sprintf("items depend on each other in a circle (%s), so none could be deployed: remove one of these dependsOn entries", strings.Join(cycle, " → ")))
		return ctrl.Result{}, nil
	}
	if err := stack.CheckManifests(s.Spec.Items); err != nil {
		conditions.MarkStalled(s, platformv1alpha1.ReasonInvalidSpec, err.Error())
		return ctrl.Result{}, nil
	}
	matching, err := r.matchingPlanes(ctx, s)
	if err != nil {
		var invalid *invalidSelector
		if errors.As(err, &invalid) {
			conditions.MarkStalled(s, platformv1alpha1.ReasonInvalidSpec, invalid.Error()+": fix spec.planeSelector")
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	groups, items := stack.Split(s)
	switch {
	case len(items) > 0 && !r.Sveltos:
		conditions.MarkStalled(s, platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf(
			"%d item(s) are delivered by Sveltos, which is not installed on the hub: install Sveltos (and restart the manager), or deliver the stack with Argo CD in the Agentless or Mixed mode", len(items)))
		return ctrl.Result{}, nil
	case len(groups) > 0 && r.ArgoCDNamespace == "":
		conditions.MarkStalled(s, platformv1alpha1.ReasonInvalidSpec,
			"the stack is delivered by Argo CD, which is not installed on the hub: install Argo CD (and restart the manager), or set spec.delivery to Sveltos")
		return ctrl.Result{}, nil
	}

	var objs []client.Object
	var names []string
	if r.Sveltos {
		profiles, configMaps := stack.ClusterProfiles(r.Namespace, s)
		for _, cm := range configMaps {
			objs = append(objs, cm)
		}
		for _, p := range profiles {
			objs = append(objs, p)
			names = append(names, "ClusterProfile/"+p.Name)
		}
	}
	if r.ArgoCDNamespace != "" {
		sets := stack.ApplicationSets(r.ArgoCDNamespace, s)
		if len(sets) > 0 {
			objs = append(objs, stack.AppProject(r.ArgoCDNamespace))
		}
		for _, set := range sets {
			objs = append(objs, set)
			names = append(names, "ApplicationSet/"+set.Name)
		}
	}
	if err := r.deliver(ctx, s.Name, objs); err != nil {
		return ctrl.Result{}, err
	}
	sort.Strings(names)
	s.Status.Rendered = names
	s.Status.MatchingPlanes = int32(len(matching))
	conditions.MarkReady(s, fmt.Sprintf("%d item(s) delivered through %d object(s) to %d plane(s)", len(s.Spec.Items), len(names), len(matching)))
	return ctrl.Result{}, nil
}

// ReconcileDelete deletes everything the stack rendered: Argo CD and
// Sveltos then remove what they installed on the planes.
func (r *Reconciler) ReconcileDelete(ctx context.Context, s *platformv1alpha1.PlaneStack) (ctrl.Result, error) {
	if err := r.prune(ctx, s.Name, nil); err != nil {
		return ctrl.Result{}, err
	}
	r.applied.Forget(s.Name)
	common.LetGo(s)
	return ctrl.Result{}, nil
}

// prune deletes the objects labelled with the stack that keep does not
// name (by %T/namespace/name).
func (r *Reconciler) prune(ctx context.Context, name string, keep map[string]bool) error {
	sel := client.MatchingLabels{stack.LabelStack: name}
	var found []client.Object
	if r.Sveltos {
		profiles := &sveltos.ClusterProfileList{}
		if err := r.List(ctx, profiles, sel); err != nil {
			return err
		}
		for i := range profiles.Items {
			found = append(found, &profiles.Items[i])
		}
		cms := &corev1.ConfigMapList{}
		if err := r.List(ctx, cms, sel, client.InNamespace(r.Namespace)); err != nil {
			return err
		}
		for i := range cms.Items {
			found = append(found, &cms.Items[i])
		}
	}
	if r.ArgoCDNamespace != "" {
		sets := &argocd.ApplicationSetList{}
		if err := r.List(ctx, sets, sel, client.InNamespace(r.ArgoCDNamespace)); err != nil {
			return err
		}
		for i := range sets.Items {
			found = append(found, &sets.Items[i])
		}
	}
	for _, o := range found {
		if keep[hubapply.Key(o)] {
			continue
		}
		if err := r.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %T %s: %w", o, o.GetName(), err)
		}
		ctrl.LoggerFrom(ctx).Info("deleted what the stack no longer renders", "kind", fmt.Sprintf("%T", o), "name", o.GetName())
	}
	return nil
}

// invalidSelector is a planeSelector that does not parse.
type invalidSelector struct{ err error }

func (e *invalidSelector) Error() string { return e.err.Error() }

// matchingPlanes names the planes the stack selects now.
func (r *Reconciler) matchingPlanes(ctx context.Context, s *platformv1alpha1.PlaneStack) ([]string, error) {
	var list client.ObjectList
	switch s.Spec.PlaneType {
	case platformv1alpha1.PlaneTypeBuild:
		list = &platformv1alpha1.BuildPlaneList{}
	case platformv1alpha1.PlaneTypeObservability:
		list = &platformv1alpha1.ObservabilityPlaneList{}
	default:
		list = &platformv1alpha1.DataPlaneList{}
	}
	items, err := common.ListObjects(ctx, r.Client, list, client.UnsafeDisableDeepCopy)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range items {
		ok, err := stack.Selects(s, stack.Plane{Type: s.Spec.PlaneType, Name: p.GetName(), Labels: p.GetLabels()})
		if err != nil {
			return nil, &invalidSelector{err: err}
		}
		if ok {
			names = append(names, p.GetName())
		}
	}
	return names, nil
}
