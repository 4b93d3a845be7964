// Package releasebinding reconciles ReleaseBindings: it renders the bound
// Release for each data plane of the Environment and delivers it, reads the
// workloads' health back into the binding's status, prunes what a render
// no longer contains, and cleans every plane when the binding goes.
package releasebinding

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/hubapply"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/resolve"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releasebindings,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releasebindings/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releasebindings/finalizers,verbs=update
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=releases;environments;dataplanes;components;organizations;secretreferences,verbs=get;list;watch

// Requeue intervals while waiting on something outside the hub.
const (
	progressingRequeue = 3 * time.Second
	unreachableRequeue = 30 * time.Second
)

// Reconciler reconciles ReleaseBindings.
type Reconciler struct {
	client.Client
	Registry *planes.Registry
	// GitOps resolves repositories and writes to them; nil when Argo CD is
	// not installed on the hub.
	GitOps *gitops.Service
	// ResyncPeriod is how often a delivered render is applied again even
	// when it has not changed, restoring objects edited or deleted on a
	// plane by hand.
	ResyncPeriod            time.Duration
	MaxConcurrentReconciles int
	// WatchTransform, when set, runs on each Deployment the planes'
	// workload watches receive, before it is slimmed (tests delay it).
	WatchTransform toolscache.TransformFunc

	// applied remembers, per binding and plane (appliedKey), the last
	// render applied, when, and the generations the plane answered with:
	// an unchanged render is not applied again before ResyncPeriod. It is
	// lost on restart, which costs one no-op apply per binding.
	applied hubapply.Memory[string, direct.Generations]
	// cells does the same for each cell on each plane (cellAppliedKey),
	// which every component of a project in an environment shares.
	cells hubapply.Memory[string, struct{}]
	// refusals remembers, per binding and plane, the plane's last refusal
	// of a render (a refusal).
	refusals sync.Map
	// workloads watches the Deployments delivered to each data plane.
	workloads *workloads
}

// SetupWithManager registers the controller and what it watches: its
// Environment (planes resolved), the DataPlanes (reachability, gateway),
// and the Components it depends on (their endpoints).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.applied.Recheck, r.cells.Recheck = r.ResyncPeriod, r.ResyncPeriod
	r.workloads = newWorkloads(r.bindingsOfComponentIn, r.applied.Forget)
	r.workloads.transform = r.WatchTransform
	r.Registry.AddWatcher(r.workloads.watch)
	b := ctrl.NewControllerManagedBy(mgr)
	if r.GitOps != nil {
		// Fixed repository credentials are used at once.
		b = b.Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfCredentials))
	}
	return b.
		For(&platformv1alpha1.ReleaseBinding{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted()))).
		Watches(&platformv1alpha1.Environment{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfEnvironment)).
		// A binding may name a release before it exists (applied from Git
		// alongside the component): it is delivered once the release is
		// made. Releases are immutable, so only creation matters.
		Watches(&platformv1alpha1.Release{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfRelease),
			builder.WithPredicates(common.CreatedOrDeleted())).
		Watches(&platformv1alpha1.DataPlane{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfPlane),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.ReachabilityChanged()))).
		Watches(&platformv1alpha1.Component{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfCallers),
			common.OnSpec()).
		// An organization's resources are in every binding's render.
		Watches(&platformv1alpha1.Organization{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfOrganization),
			builder.WithPredicates(resourcesChanged())).
		// The keys a binding reads and where from are in its render.
		Watches(&platformv1alpha1.SecretReference{}, handler.EnqueueRequestsFromMapFunc(r.bindingsOfSecretReference),
			common.OnSpec()).
		WatchesRawSource(source.Channel(r.workloads.events, &handler.EnqueueRequestForObject{})).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// bindingsOfSecretReference maps a SecretReference to the bindings that
// read it: those of the releases whose component does, and those whose
// overrides do.
func (r *Reconciler) bindingsOfSecretReference(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{},
		client.InNamespace(o.GetNamespace()), client.MatchingFields{index.BindingSecretRef: o.GetName()})
	releases := &platformv1alpha1.ReleaseList{}
	if err := r.List(ctx, releases, client.InNamespace(o.GetNamespace()), client.MatchingFields{index.ReleaseSecretRef: o.GetName()}); err != nil {
		return reqs
	}
	for _, rel := range releases.Items {
		reqs = append(reqs, r.bindingsOfRelease(ctx, &rel)...)
	}
	return reqs
}

func (r *Reconciler) bindingsOfOrganization(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{}, client.InNamespace(o.GetName()))
}

// resourcesChanged passes the updates of an organization that change its
// resources: its groups or repository change no render.
func resourcesChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		before, okBefore := e.ObjectOld.(*platformv1alpha1.Organization)
		after, okAfter := e.ObjectNew.(*platformv1alpha1.Organization)
		return !okBefore || !okAfter || !equality.Semantic.DeepEqual(before.Spec.Resources, after.Spec.Resources)
	}}
}

func (r *Reconciler) bindingsOfEnvironment(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{},
		client.InNamespace(o.GetNamespace()), client.MatchingFields{index.BindingEnvironment: o.GetName()})
}

// bindingsOfComponentIn lists the bindings of a component to an
// environment: those a workload on a plane belongs to.
func (r *Reconciler) bindingsOfComponentIn(org, component, env string) []*platformv1alpha1.ReleaseBinding {
	list := &platformv1alpha1.ReleaseBindingList{}
	if err := r.List(context.Background(), list, client.InNamespace(org), client.MatchingFields{index.BindingComponent: component}); err != nil {
		return nil
	}
	var out []*platformv1alpha1.ReleaseBinding
	for i := range list.Items {
		if list.Items[i].Spec.EnvironmentRef.Name == env {
			out = append(out, &list.Items[i])
		}
	}
	return out
}

func (r *Reconciler) bindingsOfRelease(ctx context.Context, o client.Object) []reconcile.Request {
	return common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{},
		client.InNamespace(o.GetNamespace()), client.MatchingFields{index.BindingRelease: o.GetName()})
}

// bindingsOfPlane maps a DataPlane to the bindings delivering to it: those
// of the environments it belongs to, and those still holding objects on it.
func (r *Reconciler) bindingsOfPlane(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{}, client.MatchingFields{index.BindingPlane: o.GetName()})
	envs := &platformv1alpha1.EnvironmentList{}
	if err := r.List(ctx, envs, client.MatchingFields{index.EnvironmentPlane: o.GetName()}); err != nil {
		return reqs
	}
	for _, env := range envs.Items {
		reqs = append(reqs, r.bindingsOfEnvironment(ctx, &env)...)
	}
	return reqs
}

// bindingsOfCredentials maps a repository credentials Secret to the
// bindings of the organizations that use it.
func (r *Reconciler) bindingsOfCredentials(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, org := range r.GitOps.OrganizationsUsing(ctx, r.Client, o) {
		reqs = append(reqs, common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{}, client.InNamespace(org))...)
	}
	return reqs
}

// bindingsOfCallers maps a Component to the bindings of the components
// that depend on it: its endpoints are in their render.
func (r *Reconciler) bindingsOfCallers(ctx context.Context, o client.Object) []reconcile.Request {
	callee, ok := o.(*platformv1alpha1.Component)
	if !ok {
		return nil
	}
	callers := &platformv1alpha1.ComponentList{}
	if err := r.List(ctx, callers, client.InNamespace(callee.Namespace),
		client.MatchingFields{index.ComponentDependency: callee.Spec.ProjectRef.Name + "/" + callee.Name}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, c := range callers.Items {
		reqs = append(reqs, common.RequestsFor(ctx, r.Client, &platformv1alpha1.ReleaseBindingList{},
			client.InNamespace(c.Namespace), client.MatchingFields{index.BindingComponent: c.Name})...)
	}
	return reqs
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.ReleaseBinding{}, r)
}

// ReconcileNormal delivers the binding's release to its environment's
// planes and cleans the planes it no longer targets.
func (r *Reconciler) ReconcileNormal(ctx context.Context, b *platformv1alpha1.ReleaseBinding) (ctrl.Result, error) {
	release := &platformv1alpha1.Release{}
	if found, err := common.GetReference(ctx, r.Client, client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.Release}, release, b,
		fmt.Sprintf("Release %s does not exist in organization %s", b.Spec.Release, b.Namespace)); !found {
		return ctrl.Result{}, err
	}
	if release.Spec.ComponentRef.Name != b.Spec.ComponentRef.Name {
		conditions.MarkStalled(b, platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf("Release %s is a release of component %s, not of %s",
			release.Name, release.Spec.ComponentRef.Name, b.Spec.ComponentRef.Name))
		return ctrl.Result{}, nil
	}
	project := release.Spec.ComponentSpec.ProjectRef.Name
	b.Labels = common.MergeLabels(b.Labels, binding.Labels(b.Namespace, project, b.Spec.ComponentRef.Name, b.Spec.EnvironmentRef.Name))

	env := &platformv1alpha1.Environment{}
	if found, err := common.GetReference(ctx, r.Client, client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.EnvironmentRef.Name}, env, b,
		fmt.Sprintf("Environment %s does not exist in organization %s", b.Spec.EnvironmentRef.Name, b.Namespace)); !found {
		return ctrl.Result{}, err
	}
	if !conditions.IsReady(env) {
		// Delivery stays as it is: an environment that transiently resolves
		// to no plane must not remove what runs.
		conditions.MarkProgressing(b, platformv1alpha1.ReasonDependencyNotReady, conditions.NotReady("Environment", env))
		// Except from planes being deleted: their deletion waits for the
		// binding, even when it took the environment's last plane.
		if leaving, err := r.leaveDeletedPlanes(ctx, b); err != nil || leaving {
			return ctrl.Result{RequeueAfter: progressingRequeue}, err
		}
		return ctrl.Result{}, nil
	}
	deps, err := resolve.Dependencies(ctx, r.Client, b.Namespace, project, release.Spec.ComponentSpec)
	var problem *resolve.Problem
	if errors.As(err, &problem) {
		conditions.MarkStalled(b, platformv1alpha1.ReasonReferenceNotFound, problem.Message)
		return ctrl.Result{}, nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	org := &platformv1alpha1.Organization{}
	if err := r.Get(ctx, client.ObjectKey{Name: b.Namespace}, org); err != nil {
		// A binding outside an organization's namespace renders with
		// Aileron's defaults.
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		org = nil
	}
	conf := binding.ConfigurationOf(b, org)
	if conf.Secrets, err = resolve.Secrets(ctx, r.Client, b.Namespace, release.Spec.ComponentSpec, b.Spec.Overrides); errors.As(err, &problem) {
		conditions.MarkStalled(b, platformv1alpha1.ReasonReferenceNotFound, problem.Message)
		return ctrl.Result{}, nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	// Overrides the release cannot take, or resources the organization
	// does not allow, are the binding's own error: what runs stays as it is
	// until they are mended.
	if err := binding.Check(b.Namespace, release, conf); err != nil {
		conditions.MarkStalled(b, platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf("release %s cannot run in environment %s: %v",
			release.Name, b.Spec.EnvironmentRef.Name, err))
		return ctrl.Result{}, nil
	}

	targets := env.Status.DataPlanes
	if b.Spec.State == platformv1alpha1.BindingUndeployed {
		targets = nil
	}
	previous := map[string]platformv1alpha1.PlaneDeliveryStatus{}
	for _, st := range b.Status.Planes {
		previous[st.Plane] = st
	}
	var outcomes []outcome
	in := input{binding: b, release: release, project: project, deps: deps, conf: conf}
	for _, plane := range targets {
		outcomes = append(outcomes, r.deliver(ctx, in, plane, previous[plane]))
		delete(previous, plane)
	}
	// What is left was delivered to planes the environment no longer has.
	for _, st := range previous {
		if err := r.cleanPlane(ctx, b, st); err != nil {
			outcomes = append(outcomes, failed(st, platformv1alpha1.HealthUnreachable,
				"waiting to remove the release from this plane, which the environment no longer uses: %v", err))
		}
	}
	sort.Slice(outcomes, func(i, j int) bool { return outcomes[i].status.Plane < outcomes[j].status.Plane })
	w := summarize(b, outcomes, len(targets), time.Now(), r.ResyncPeriod)
	if len(w.rollingOut) > 0 && r.workloads.watching(w.rollingOut) {
		// The plane's watch brings the workload's next change: a watch
		// that replaces another reports its first list as changes, and a
		// status written here that the hub's cache has not caught up with
		// is read again (common.Reconcile).
		w.after = r.ResyncPeriod
	}
	return ctrl.Result{RequeueAfter: w.after}, nil
}

// leaveDeletedPlanes cleans the planes of the binding's status that are
// being deleted and drops them from it. It tells whether some are not
// clean yet.
func (r *Reconciler) leaveDeletedPlanes(ctx context.Context, b *platformv1alpha1.ReleaseBinding) (bool, error) {
	kept := b.Status.Planes[:0:0]
	leaving := false
	for _, st := range b.Status.Planes {
		dp := &platformv1alpha1.DataPlane{}
		if err := r.Get(ctx, client.ObjectKey{Name: st.Plane}, dp); client.IgnoreNotFound(err) != nil {
			return false, err
		} else if err == nil && !dp.DeletionTimestamp.IsZero() {
			err := r.cleanPlane(ctx, b, st)
			if err == nil {
				continue
			}
			leaving = true
			st.Health, st.Message = platformv1alpha1.HealthUnreachable, "waiting to remove the release from this plane, which is being deleted: "+err.Error()
		}
		kept = append(kept, st)
	}
	b.Status.Planes = kept
	return leaving, nil
}

// ReconcileDelete removes everything the binding delivered from every
// plane. An unreachable plane holds the finalizer, named in the
// DeletionBlocked condition, until it answers again.
func (r *Reconciler) ReconcileDelete(ctx context.Context, b *platformv1alpha1.ReleaseBinding) (ctrl.Result, error) {
	var remaining []platformv1alpha1.PlaneDeliveryStatus
	var blocked []string
	for _, st := range b.Status.Planes {
		if err := r.cleanPlane(ctx, b, st); err != nil {
			st.Message = err.Error()
			remaining = append(remaining, st)
			blocked = append(blocked, st.Plane+" ("+st.Message+")")
		}
	}
	b.Status.Planes = remaining
	if len(remaining) > 0 {
		msg := "waiting to remove the release from plane(s): " + conditions.SummarizeBy("; ", blocked)
		conditions.Set(b, platformv1alpha1.ConditionDeletionBlocked, metav1.ConditionTrue, platformv1alpha1.ReasonPlaneUnreachable, msg)
		conditions.MarkProgressing(b, platformv1alpha1.ReasonDeleting, msg)
		return ctrl.Result{RequeueAfter: unreachableRequeue}, nil
	}
	common.LetGo(b)
	return ctrl.Result{}, nil
}
