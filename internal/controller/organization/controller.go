// Package organization reconciles Organizations: each gets a hub namespace
// of its own name, labelled as the tenant's, and RoleBindings there that
// grant the tenant roles (aileron-org-admin, aileron-developer,
// aileron-viewer) to the groups its spec names.
package organization

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=organizations,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=organizations/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=organizations/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create;patch;delete
// RoleBindings are patched and deleted by name: the three tenant bindings
// only. RBAC cannot limit `create` by name (the name is not known to the
// authorizer when an object is created), so create stays a grant of its
// own; config/admission/manager_scope.yaml holds it to the same three
// names, each bound to the ClusterRole of its name, in an organization's
// namespace.
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=patch;delete,resourceNames=aileron-org-admin;aileron-developer;aileron-viewer
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=aileron-org-admin;aileron-developer;aileron-viewer

// Tenant roles, shipped in config/rbac/tenant_roles.yaml.
const (
	RoleAdmin     = "aileron-org-admin"
	RoleDeveloper = "aileron-developer"
	RoleViewer    = "aileron-viewer"
)

// Reconciler reconciles Organizations.
type Reconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// SetupWithManager registers the controller.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&platformv1alpha1.Organization{}, common.OnSpec()).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(organizationOfNamespace),
			builder.WithPredicates(common.ManagedByAileron())).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

func organizationOfNamespace(_ context.Context, o client.Object) []reconcile.Request {
	org := o.GetLabels()[platformv1alpha1.LabelOrganization]
	if org == "" || org != o.GetName() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: org}}}
}

// Reconcile runs the shared skeleton.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return common.Reconcile(ctx, r.Client, req, &platformv1alpha1.Organization{}, r)
}

// ReconcileNormal ensures the namespace and the role bindings.
func (r *Reconciler) ReconcileNormal(ctx context.Context, org *platformv1alpha1.Organization) (ctrl.Result, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: org.Name}}
	if err := r.Get(ctx, client.ObjectKeyFromObject(ns), ns); err == nil {
		if owner := ns.Labels[platformv1alpha1.LabelOrganization]; owner != org.Name {
			conditions.MarkStalled(org, platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf(
				"namespace %s already exists and does not belong to this organization: label it %s=%s to adopt it, or choose another name",
				org.Name, platformv1alpha1.LabelOrganization, org.Name))
			return ctrl.Result{}, nil
		}
		if !ns.DeletionTimestamp.IsZero() {
			conditions.MarkProgressing(org, platformv1alpha1.ReasonProgressing, "waiting for the previous namespace "+org.Name+" to finish deleting")
			return ctrl.Result{RequeueAfter: 5 * time.Second}, nil
		}
	} else if !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, ns, func() error {
		ns.Labels = common.MergeLabels(ns.Labels, map[string]string{
			platformv1alpha1.LabelOrganization: org.Name,
			platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
		})
		return nil
	}); err != nil {
		return ctrl.Result{}, err
	}
	for role, groups := range map[string][]string{
		RoleAdmin:     org.Spec.AdminGroups,
		RoleDeveloper: org.Spec.DeveloperGroups,
		RoleViewer:    org.Spec.ViewerGroups,
	} {
		if err := r.ensureBinding(ctx, org.Name, role, groups); err != nil {
			return ctrl.Result{}, err
		}
	}
	org.Status.Namespace = org.Name
	conditions.MarkReady(org, "namespace "+org.Name+" and its role bindings are in place")
	return ctrl.Result{}, nil
}

// ensureBinding makes the namespace's binding of role name exactly groups,
// and removes it when there are none.
func (r *Reconciler) ensureBinding(ctx context.Context, namespace, role string, groups []string) error {
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: role}}
	if len(groups) == 0 {
		return client.IgnoreNotFound(r.Delete(ctx, rb))
	}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, rb, func() error {
		rb.Labels = common.MergeLabels(rb.Labels, map[string]string{
			platformv1alpha1.LabelOrganization: namespace,
			platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
		})
		rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}
		rb.Subjects = make([]rbacv1.Subject, 0, len(groups))
		for _, g := range groups {
			rb.Subjects = append(rb.Subjects, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: g})
		}
		return nil
	})
	return err
}

// ReconcileDelete deletes the organization's namespace, which deletes
// everything in it; the controllers of those objects clean the planes
// while the namespace terminates. The finalizer goes when the namespace has.
func (r *Reconciler) ReconcileDelete(ctx context.Context, org *platformv1alpha1.Organization) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	err := r.Get(ctx, client.ObjectKey{Name: org.Name}, ns)
	switch {
	case apierrors.IsNotFound(err):
		common.LetGo(org)
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, err
	case ns.Labels[platformv1alpha1.LabelOrganization] != org.Name:
		// Not ours: leave it alone.
		common.LetGo(org)
		return ctrl.Result{}, nil
	}
	if ns.DeletionTimestamp.IsZero() {
		if err := r.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	conditions.MarkProgressing(org, platformv1alpha1.ReasonDeleting, "waiting for namespace "+org.Name+" and everything in it to be deleted")
	return ctrl.Result{RequeueAfter: 5 * time.Second}, nil
}
