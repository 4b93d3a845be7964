// Package gitops reconciles each Organization's Argo CD objects on the hub:
// its AppProject, one ApplicationSet per cell with GitOps-mode planes, the
// repository's registration with Argo CD, and the life of the generated
// Applications. ApplicationSets may create and update Applications but
// never delete them; this controller deletes an Application itself, and
// only on complete knowledge: with pruning when a cell leaves a plane,
// without when the plane switched to direct delivery.
package gitops

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	delivery "github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/internal/hubapply"
	"github.com/aileron-dev/aileron/internal/planes"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=organizations;environments;projects;releasebindings;dataplanes,verbs=get;list;watch
// Its permissions in Argo CD's namespace are in config/argocd/rbac.yaml.

// retry is when an organization is looked at again while something it
// waits for has no event of its own (a plane connecting, Argo CD pruning).
const retry = 10 * time.Second

// Reconciler reconciles Organizations' Argo CD objects.
type Reconciler struct {
	client.Client
	Registry                *planes.Registry
	GitOps                  *delivery.Service
	MaxConcurrentReconciles int
	// ResyncPeriod is how often the repository Secret is applied again
	// whatever it holds: it cannot be watched (see restoreDeleted), so one
	// deleted by hand comes back within that time.
	ResyncPeriod time.Duration

	// applied remembers what was last applied of each object (by
	// hubapply.Key), so that an unchanged object costs no write.
	applied hubapply.Applied[string]
	// secrets does the same for the repository Secrets, for ResyncPeriod.
	secrets hubapply.Applied[string]
}

// SetupWithManager registers the controller and what it watches.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.secrets.Recheck = r.ResyncPeriod
	byNamespace := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: o.GetNamespace()}}}
	})
	byLabel := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		if org := o.GetLabels()[platformv1alpha1.LabelOrganization]; org != "" {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: org}}}
		}
		return nil
	})
	allOrganizations := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
		return common.RequestsFor(ctx, r.Client, &platformv1alpha1.OrganizationList{})
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("gitops").
		For(&platformv1alpha1.Organization{}, common.OnSpec()).
		Watches(&platformv1alpha1.Environment{}, byNamespace).
		Watches(&platformv1alpha1.Project{}, byNamespace, builder.WithPredicates(common.CreatedOrDeleted())).
		Watches(&platformv1alpha1.ReleaseBinding{}, byNamespace,
			builder.WithPredicates(predicate.Or(common.CreatedOrDeleted(), predicate.LabelChangedPredicate{}))).
		Watches(&platformv1alpha1.DataPlane{}, allOrganizations,
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, common.ReachabilityChanged()))).
		Watches(&argocd.Application{}, byLabel).
		Watches(&argocd.ApplicationSet{}, r.restoreDeleted()).
		Watches(&argocd.AppProject{}, r.restoreDeleted()).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.organizationsOfSecret)).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// restoreDeleted puts back, at once, an ApplicationSet or AppProject
// someone deleted: what was last applied no longer says what the hub
// holds, so it is forgotten, and the organization is reconciled. Other
// changes to them are Argo CD's (status) or come back at the next apply
// of a changed plan. Secrets in Argo CD's namespace cannot be watched:
// the manager may write them, never read them.
func (r *Reconciler) restoreDeleted() handler.EventHandler {
	return handler.Funcs{
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			org := e.Object.GetLabels()[platformv1alpha1.LabelOrganization]
			if org == "" || e.Object.GetLabels()[platformv1alpha1.LabelManagedBy] != platformv1alpha1.ManagedByValue {
				return
			}
			r.forget(e.Object)
			q.Add(reconcile.Request{NamespacedName: client.ObjectKey{Name: org}})
		},
	}
}

// organizationsOfSecret maps a credentials Secret to the organizations
// whose repository it opens: rotated credentials reach Argo CD at once.
func (r *Reconciler) organizationsOfSecret(ctx context.Context, o client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, org := range r.GitOps.OrganizationsUsing(ctx, r.Client, o) {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: org}})
	}
	return reqs
}

// Reconcile brings one organization's Argo CD objects to the plan.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := r.GitOps.ArgoCDNamespace
	org := &platformv1alpha1.Organization{}
	if err := r.Get(ctx, req.NamespacedName, org); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	} else if err != nil || !org.DeletionTimestamp.IsZero() {
		return r.removeAll(ctx, req.Name)
	}
	target, err := r.GitOps.For(ctx, r.Client, org)
	var cfgErr *delivery.ConfigError
	if errors.As(err, &cfgErr) {
		// The bindings report it; nothing of Argo CD is changed on a
		// configuration the platform team has to fix.
		ctrl.LoggerFrom(ctx).V(1).Info("no usable GitOps repository", "reason", cfgErr.Message)
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	} else if err != nil {
		return ctrl.Result{}, err
	}
	in, err := r.input(ctx, org.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	plan := Compute(in)
	result := ctrl.Result{}
	if !plan.Complete {
		result.RequeueAfter = retry
	}

	uses := len(plan.Destinations) > 0 || len(plan.Cells) > 0
	if uses {
		if plan.Complete {
			if err := r.apply(ctx, delivery.AppProject(ns, org.Name, target.Repository, plan.Destinations)); err != nil {
				return ctrl.Result{}, err
			}
		}
		if c := target.Credentials; c.Password != "" || len(c.SSHPrivateKey) > 0 {
			if err := r.applySecret(ctx, delivery.RepositorySecret(ns, org.Name, target.Repository, target.Credentials)); err != nil {
				return ctrl.Result{}, err
			}
			if r.ResyncPeriod > 0 && (result.RequeueAfter == 0 || result.RequeueAfter > r.ResyncPeriod) {
				result.RequeueAfter = r.ResyncPeriod
			}
		}
	}
	for cell, planes := range plan.Cells {
		if err := r.apply(ctx, delivery.ApplicationSet(ns, cell, target.Repository, planes)); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.pruneApplicationSets(ctx, org.Name, plan); err != nil {
		return ctrl.Result{}, err
	}
	waiting, err := r.reconcileApplications(ctx, org.Name, target, plan)
	if err != nil {
		return ctrl.Result{}, err
	}
	if waiting {
		result.RequeueAfter = retry
	}
	if !uses && !waiting {
		if err := r.deleteOnce(ctx, &argocd.AppProject{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: delivery.AppProjectName(org.Name)}}); err != nil {
			return ctrl.Result{}, err
		}
		if err := r.deleteSecret(ctx, org.Name); err != nil {
			return ctrl.Result{}, err
		}
	}
	return result, nil
}

// input gathers the organization's state from the cache.
func (r *Reconciler) input(ctx context.Context, org string) (Input, error) {
	in := Input{Organization: org, GitOps: map[string]bool{}, Servers: map[string]string{}}
	envs := &platformv1alpha1.EnvironmentList{}
	if err := r.List(ctx, envs, client.InNamespace(org)); err != nil {
		return in, err
	}
	for _, e := range envs.Items {
		in.Environments = append(in.Environments, Environment{
			Name: e.Name, Ready: conditions.IsReady(&e) && e.DeletionTimestamp.IsZero(), Planes: e.Status.DataPlanes,
		})
	}
	projects := &platformv1alpha1.ProjectList{}
	if err := r.List(ctx, projects, client.InNamespace(org)); err != nil {
		return in, err
	}
	for _, p := range projects.Items {
		in.Projects = append(in.Projects, p.Name)
	}
	// Only read, never changed: thousands of bindings are not copied out
	// of the cache for each reconcile.
	bindings := &platformv1alpha1.ReleaseBindingList{}
	if err := r.List(ctx, bindings, client.InNamespace(org), client.UnsafeDisableDeepCopy); err != nil {
		return in, err
	}
	for _, b := range bindings.Items {
		in.Bindings = append(in.Bindings, Binding{Project: b.Labels[platformv1alpha1.LabelProject], Environment: b.Spec.EnvironmentRef.Name})
	}
	dps := &platformv1alpha1.DataPlaneList{}
	if err := r.List(ctx, dps); err != nil {
		return in, err
	}
	for _, dp := range dps.Items {
		if dp.Spec.Delivery != platformv1alpha1.DeliveryGitOps {
			continue
		}
		in.GitOps[dp.Name] = true
		if p, err := r.Registry.Get(planes.Key{Type: platformv1alpha1.PlaneTypeData, Name: dp.Name}); err == nil || errors.Is(err, planes.ErrUnreachable) {
			if p != nil {
				in.Servers[dp.Name] = p.Config.Host
			}
		}
	}
	return in, nil
}

// apply server-side applies obj unless it is what was last applied.
func (r *Reconciler) apply(ctx context.Context, obj client.Object) error {
	return r.applied.ApplyAll(ctx, r.Client, hubapply.Key(obj), obj)
}

// applySecret applies the organization's repository Secret unless it is
// what was applied within ResyncPeriod.
func (r *Reconciler) applySecret(ctx context.Context, secret *corev1.Secret) error {
	return r.secrets.ApplyAll(ctx, r.Client, secret.Name, secret)
}

// deleteSecret deletes the organization's repository Secret, once.
func (r *Reconciler) deleteSecret(ctx context.Context, org string) error {
	name := delivery.RepositorySecretName(org)
	return r.secrets.DeleteAll(ctx, r.Client, name, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.GitOps.ArgoCDNamespace, Name: name}})
}

// deleteOnce deletes obj, remembering it did so that an organization
// without GitOps costs no request after the first.
func (r *Reconciler) deleteOnce(ctx context.Context, obj client.Object) error {
	return r.applied.DeleteAll(ctx, r.Client, hubapply.Key(obj), obj)
}

func (r *Reconciler) forget(obj client.Object) {
	r.applied.Forget(hubapply.Key(obj))
}

// pruneApplicationSets deletes the ApplicationSets of cells the plan no
// longer has. Their Applications stay (the sync policy forbids the
// ApplicationSet controller to delete them) and are handled one by one.
func (r *Reconciler) pruneApplicationSets(ctx context.Context, org string, plan Plan) error {
	list := &argocd.ApplicationSetList{}
	if err := r.List(ctx, list, client.InNamespace(r.GitOps.ArgoCDNamespace), client.MatchingLabels{platformv1alpha1.LabelOrganization: org}); err != nil {
		return err
	}
	for i := range list.Items {
		as := &list.Items[i]
		cell := cellOfLabels(as.Labels)
		if _, ok := plan.Cells[cell]; ok || plan.Hold[cell.Environment] {
			continue
		}
		if err := r.Delete(ctx, as); client.IgnoreNotFound(err) != nil {
			return err
		}
		r.forget(as)
	}
	return nil
}

func cellOfLabels(l map[string]string) delivery.Cell {
	return delivery.Cell{Organization: l[platformv1alpha1.LabelOrganization], Project: l[platformv1alpha1.LabelProject], Environment: l[platformv1alpha1.LabelEnvironment]}
}

// reconcileApplications deletes the Applications the plan no longer wants
// and finishes the deletion of those Argo CD is done with. It reports
// whether it waits for Argo CD.
func (r *Reconciler) reconcileApplications(ctx context.Context, org string, target *delivery.Target, plan Plan) (bool, error) {
	list := &argocd.ApplicationList{}
	if err := r.List(ctx, list, client.InNamespace(r.GitOps.ArgoCDNamespace), client.MatchingLabels{platformv1alpha1.LabelOrganization: org}); err != nil {
		return false, err
	}
	waiting := false
	for i := range list.Items {
		app := &list.Items[i]
		cell, plane := cellOfLabels(app.Labels), app.Labels[platformv1alpha1.LabelPlane]
		if !app.DeletionTimestamp.IsZero() {
			done, err := r.finishDeletion(ctx, app, cell, plane, target)
			if err != nil {
				return false, err
			}
			waiting = waiting || !done
			continue
		}
		if plan.Wanted(cell, plane) {
			continue
		}
		if plan.Release[app.Name] && controllerutil.ContainsFinalizer(app, argocd.ResourcesFinalizer) {
			// Direct delivery takes the workloads over: Argo CD must let
			// go without pruning anything.
			patch := client.MergeFrom(app.DeepCopy())
			controllerutil.RemoveFinalizer(app, argocd.ResourcesFinalizer)
			if err := r.Patch(ctx, app, patch); err != nil {
				return false, client.IgnoreNotFound(err)
			}
		}
		if err := r.Delete(ctx, app); client.IgnoreNotFound(err) != nil {
			return false, err
		}
		ctrl.LoggerFrom(ctx).Info("deleted Argo CD Application", "application", app.Name, "prune", !plan.Release[app.Name])
		waiting = true
	}
	return waiting, nil
}

// finishDeletion removes the cell's file from Git once Argo CD has pruned
// (or let go of) what the Application ran, then lets the Application go.
func (r *Reconciler) finishDeletion(ctx context.Context, app *argocd.Application, cell delivery.Cell, plane string, target *delivery.Target) (bool, error) {
	if !controllerutil.ContainsFinalizer(app, platformv1alpha1.Finalizer) {
		return true, nil
	}
	if controllerutil.ContainsFinalizer(app, argocd.ResourcesFinalizer) {
		return false, nil
	}
	dir := delivery.CellDir(target.Repository.Path, cell.Organization, cell.Project, cell.Environment, plane)
	if _, err := target.Repo.Commit(ctx, gitrepo.Change{
		Files:   map[string][]byte{delivery.CellFile(dir): nil},
		Message: fmt.Sprintf("%s/%s/%s: remove the cell from plane %s", cell.Organization, cell.Project, cell.Environment, plane),
	}); err != nil {
		return false, err
	}
	patch := client.MergeFrom(app.DeepCopy())
	common.LetGo(app)
	return true, client.IgnoreNotFound(r.Patch(ctx, app, patch))
}

// removeAll deletes what an organization that is gone had in Argo CD: its
// Applications with pruning, its ApplicationSets, its AppProject and its
// repository Secret. Its files stay in Git: the repository may be shared,
// and it is the record of what ran.
func (r *Reconciler) removeAll(ctx context.Context, org string) (ctrl.Result, error) {
	ns := r.GitOps.ArgoCDNamespace
	sel := client.MatchingLabels{platformv1alpha1.LabelOrganization: org}
	sets := &argocd.ApplicationSetList{}
	if err := r.List(ctx, sets, client.InNamespace(ns), sel); err != nil {
		return ctrl.Result{}, err
	}
	for i := range sets.Items {
		if err := r.Delete(ctx, &sets.Items[i]); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	apps := &argocd.ApplicationList{}
	if err := r.List(ctx, apps, client.InNamespace(ns), sel); err != nil {
		return ctrl.Result{}, err
	}
	for i := range apps.Items {
		app := &apps.Items[i]
		if app.DeletionTimestamp.IsZero() {
			if err := r.Delete(ctx, app); client.IgnoreNotFound(err) != nil {
				return ctrl.Result{}, err
			}
		} else if !controllerutil.ContainsFinalizer(app, argocd.ResourcesFinalizer) && controllerutil.ContainsFinalizer(app, platformv1alpha1.Finalizer) {
			patch := client.MergeFrom(app.DeepCopy())
			common.LetGo(app)
			if err := r.Patch(ctx, app, patch); client.IgnoreNotFound(err) != nil {
				return ctrl.Result{}, err
			}
		}
	}
	if len(apps.Items) > 0 {
		return ctrl.Result{RequeueAfter: retry}, nil
	}
	if err := r.deleteOnce(ctx, &argocd.AppProject{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: delivery.AppProjectName(org)}}); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.deleteSecret(ctx, org)
}
