package buildrun

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render/build"
)

// ExecutorRole is the Role, in each organization's build namespace, that
// lets Argo's executor report step results, and nothing else.
const ExecutorRole = "aileron-build-executor"

// prepareNamespace makes organization's build namespace on the plane ready
// for a workflow: the namespace itself, labelled with the organization; the
// service account Argo's executor runs as, allowed only to report results;
// and a copy of the push Secret, kept in step with the one the platform
// keeps in the BuildPlane's namespace. A namespace of that name that is not
// labelled for the organization is never used.
func prepareNamespace(ctx context.Context, c client.Client, plane build.Plane, organization string) error {
	name := plane.BuildNamespace(organization)
	labels := map[string]string{
		platformv1alpha1.LabelOrganization: organization,
		platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
	}
	ns := &corev1.Namespace{}
	err := c.Get(ctx, client.ObjectKey{Name: name}, ns)
	switch {
	case apierrors.IsNotFound(err):
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	case err != nil:
		return err
	case ns.Labels[platformv1alpha1.LabelOrganization] != organization || ns.Labels[platformv1alpha1.LabelManagedBy] != platformv1alpha1.ManagedByValue:
		return fmt.Errorf("namespace %s exists but is not labelled as organization %s's build namespace (%s=%q, %s=%q): Aileron does not build in it",
			name, organization, platformv1alpha1.LabelOrganization, ns.Labels[platformv1alpha1.LabelOrganization],
			platformv1alpha1.LabelManagedBy, ns.Labels[platformv1alpha1.LabelManagedBy])
	}

	noToken := false
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: plane.ServiceAccountName, Labels: labels},
		AutomountServiceAccountToken: &noToken}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: ExecutorRole, Labels: labels},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"argoproj.io"}, Resources: []string{"workflowtaskresults"}, Verbs: []string{"create", "patch"}}}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: ExecutorRole, Labels: labels},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ExecutorRole},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: plane.ServiceAccountName, Namespace: name}}}
	for _, o := range []client.Object{sa, role, binding} {
		if err := c.Create(ctx, o); client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("creating %T %s/%s: %w", o, name, o.GetName(), err)
		}
	}
	if plane.PushSecretName == "" {
		return nil
	}
	return copyPushSecret(ctx, c, plane, name, labels)
}

// copyPushSecret copies the plane's push Secret into a build namespace,
// again whenever the platform rotates it.
func copyPushSecret(ctx context.Context, c client.Client, plane build.Plane, namespace string, labels map[string]string) error {
	src := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: plane.Namespace, Name: plane.PushSecretName}, src); err != nil {
		return fmt.Errorf("reading the push Secret %s/%s (the BuildPlane's spec.registry.pushSecretName): %w", plane.Namespace, plane.PushSecretName, err)
	}
	dst := &corev1.Secret{}
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: plane.PushSecretName}, dst)
	switch {
	case apierrors.IsNotFound(err):
		dst = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: plane.PushSecretName, Labels: labels}, Type: src.Type, Data: src.Data}
		if err := c.Create(ctx, dst); client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("copying the push Secret into %s: %w", namespace, err)
		}
		return nil
	case err != nil:
		return err
	case dst.Type == src.Type && maps.EqualFunc(dst.Data, src.Data, func(a, b []byte) bool { return string(a) == string(b) }):
		return nil
	}
	if dst.Type != src.Type {
		// A Secret's type cannot change: make it again.
		if err := c.Delete(ctx, dst); client.IgnoreNotFound(err) != nil {
			return err
		}
		return copyPushSecret(ctx, c, plane, namespace, labels)
	}
	dst.Data = src.Data
	if err := c.Update(ctx, dst); err != nil {
		return fmt.Errorf("updating the push Secret in %s: %w", namespace, err)
	}
	return nil
}
