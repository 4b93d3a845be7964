package organization

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

// TestReconcileNormalBindsExactlyTheGroupsNamed: the organization's
// namespace is created and labelled, each role is bound to exactly the
// groups the spec names, and a role whose groups are removed loses its
// binding.
func TestReconcileNormalBindsExactlyTheGroupsNamed(t *testing.T) {
	ctx := context.Background()
	c := fakehub.Client(t)
	r := &Reconciler{Client: c}
	org := &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme", Generation: 1},
		Spec: platformv1alpha1.OrganizationSpec{AdminGroups: []string{"acme-admins"}, DeveloperGroups: []string{"acme-devs", "acme-contractors"}}}
	if _, err := r.ReconcileNormal(ctx, org); err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(org.Status.Conditions, platformv1alpha1.ConditionReady) || org.Status.Namespace != "acme" {
		t.Fatalf("organization not Ready in namespace acme: %+v", org.Status)
	}
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: "acme"}, ns); err != nil {
		t.Fatal(err)
	}
	if ns.Labels[platformv1alpha1.LabelOrganization] != "acme" || ns.Labels[platformv1alpha1.LabelManagedBy] != platformv1alpha1.ManagedByValue {
		t.Errorf("namespace labels %v", ns.Labels)
	}
	subjects := func(role string) []string {
		rb := &rbacv1.RoleBinding{}
		err := c.Get(ctx, client.ObjectKey{Namespace: "acme", Name: role}, rb)
		if apierrors.IsNotFound(err) {
			return nil
		} else if err != nil {
			t.Fatal(err)
		}
		if rb.RoleRef.Kind != "ClusterRole" || rb.RoleRef.Name != role {
			t.Errorf("%s binds %s %s", role, rb.RoleRef.Kind, rb.RoleRef.Name)
		}
		var out []string
		for _, s := range rb.Subjects {
			if s.Kind != rbacv1.GroupKind {
				t.Errorf("%s binds a %s", role, s.Kind)
			}
			out = append(out, s.Name)
		}
		return out
	}
	for role, want := range map[string][]string{RoleAdmin: {"acme-admins"}, RoleDeveloper: {"acme-devs", "acme-contractors"}, RoleViewer: nil} {
		if got := subjects(role); len(got) != len(want) || (len(want) > 0 && (got[0] != want[0] || got[len(got)-1] != want[len(want)-1])) {
			t.Errorf("%s binds %v, want %v", role, got, want)
		}
	}
	org.Spec.DeveloperGroups = nil
	if _, err := r.ReconcileNormal(ctx, org); err != nil {
		t.Fatal(err)
	}
	if got := subjects(RoleDeveloper); got != nil {
		t.Errorf("with no developer groups the developer role still binds %v", got)
	}
}

// TestANamespaceOfSomeoneElseIsNeitherAdoptedNorDeleted: an organization
// named after a namespace it does not own is Stalled, and deleting the
// organization leaves that namespace alone.
func TestANamespaceOfSomeoneElseIsNeitherAdoptedNorDeleted(t *testing.T) {
	ctx := context.Background()
	foreign := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-public", Labels: map[string]string{"team": "platform"}}}
	c := fakehub.Client(t, foreign)
	r := &Reconciler{Client: c}
	org := &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "kube-public", Generation: 1, Finalizers: []string{platformv1alpha1.Finalizer}},
		Spec: platformv1alpha1.OrganizationSpec{AdminGroups: []string{"x"}}}
	if _, err := r.ReconcileNormal(ctx, org); err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(org.Status.Conditions, platformv1alpha1.ConditionStalled) {
		t.Fatalf("not Stalled on a foreign namespace: %+v", org.Status.Conditions)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "kube-public", Name: RoleAdmin}, &rbacv1.RoleBinding{}); !apierrors.IsNotFound(err) {
		t.Errorf("a role binding was made in a foreign namespace: %v", err)
	}
	if _, err := r.ReconcileDelete(ctx, org); err != nil {
		t.Fatal(err)
	}
	if len(org.Finalizers) != 0 {
		t.Errorf("the finalizer stays: %v", org.Finalizers)
	}
	got := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: "kube-public"}, got); err != nil || !got.DeletionTimestamp.IsZero() {
		t.Errorf("the foreign namespace was deleted: %v %v", err, got.DeletionTimestamp)
	}
}
