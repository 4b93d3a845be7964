package faults

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/testbed"
)

// The namespaces of the audit: Argo CD's (its Role installed from
// config/argocd as a platform team does), an organization's namespace as
// Aileron labels it (with no Organization, so no controller touches it),
// and a namespace of nobody's.
const (
	argoCDNamespace = "argocd"
	auditOrg        = "audit-org"
	auditOther      = "audit-other"
)

// tenantBindings are the RoleBindings the organization controller writes.
var tenantBindings = []string{"aileron-org-admin", "aileron-developer", "aileron-viewer"}

// managerMay asks the API server whether the manager's service account may
// verb resource (of group) named name in namespace.
func managerMay(verb, group, resource, namespace, name string) bool {
	GinkgoHelper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   testbed.ManagerUser,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + testbed.OperatorNamespace, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: group, Resource: resource, Namespace: namespace, Name: name, Verb: verb,
		},
	}}
	Expect(hub.Create(ctx, sar)).To(Succeed())
	return sar.Status.Allowed
}

// installAuditNamespaces installs Argo CD's namespace with its Role for
// the manager and an argocd-secret, and the audit's other namespaces.
func installAuditNamespaces() {
	GinkgoHelper()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: argoCDNamespace}},
		{ObjectMeta: metav1.ObjectMeta{Name: auditOrg, Labels: map[string]string{
			platformv1alpha1.LabelOrganization: auditOrg, platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}}},
		{ObjectMeta: metav1.ObjectMeta{Name: auditOther}},
	} {
		Expect(client.IgnoreAlreadyExists(hub.Create(ctx, ns))).To(Succeed())
	}
	Expect(fleet.CreateManifests(ctx, hub, testbed.Repo("config", "argocd", "rbac.yaml"))).To(Succeed())
	// Argo CD's own Secret: its admin password and the key that signs its
	// sessions. Nothing of Aileron's may read, change or delete it.
	Expect(hub.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: argoCDNamespace, Name: "argocd-secret"},
		Data:       map[string][]byte{"server.secretkey": []byte("signing-key")},
	})).To(Succeed())
	// A RoleBinding someone else made in an organization's namespace.
	Expect(hub.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: auditOrg, Name: "ci-deployer"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "aileron-developer"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "ci"}},
	})).To(Succeed())
}

// rbacAudit asks the API server, verb by verb, what the installed RBAC
// lets the manager do with Secrets and RoleBindings.
func rbacAudit() {
	GinkgoHelper()
	installAuditNamespaces()
	type question struct {
		verb, group, resource, namespace, name string
		allowed                                bool
	}
	var questions []question
	secrets := func(namespace, name string, allowed map[string]bool) {
		for _, verb := range []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"} {
			questions = append(questions, question{verb, "", "secrets", namespace, name, allowed[verb]})
		}
	}
	writes := map[string]bool{"create": true, "patch": true, "delete": true}
	// Its own namespace: the planes' kubeconfigs, read and written.
	secrets(testbed.OperatorNamespace, "", map[string]bool{"get": true, "list": true, "watch": true, "create": true, "patch": true, "delete": true})
	// Argo CD's namespace: written, never read. RBAC cannot name Secrets
	// that do not exist yet (aileron-plane-<plane>, aileron-repo-<org>);
	// the admission policy of config/admission/manager_scope.yaml holds
	// these writes to the Secrets Aileron owns (managerScopeAudit).
	secrets(argoCDNamespace, "", writes)
	secrets(argoCDNamespace, "argocd-secret", writes)
	// Anywhere else: nothing.
	for _, ns := range []string{auditOrg, auditOther, "default", "kube-system", ""} {
		secrets(ns, "", nil)
	}
	// RoleBindings: patched and deleted by name, the three tenant ones
	// only; created anywhere, which RBAC cannot narrow by name (the
	// admission policy does); never updated or deleted by collection.
	rbacGroup := rbacv1.GroupName
	for _, ns := range []string{auditOrg, auditOther, "kube-system"} {
		for _, name := range tenantBindings {
			for _, verb := range []string{"patch", "delete"} {
				questions = append(questions, question{verb, rbacGroup, "rolebindings", ns, name, true})
			}
			questions = append(questions, question{"update", rbacGroup, "rolebindings", ns, name, false})
		}
		for _, verb := range []string{"patch", "delete", "update"} {
			questions = append(questions,
				question{verb, rbacGroup, "rolebindings", ns, "ci-deployer", false},
				question{verb, rbacGroup, "rolebindings", ns, "", false})
		}
		questions = append(questions,
			question{"create", rbacGroup, "rolebindings", ns, "", true},
			question{"deletecollection", rbacGroup, "rolebindings", ns, "", false},
			question{"get", rbacGroup, "rolebindings", ns, "", true})
	}
	// No cluster-wide grant, and no role it could bind but the tenant ones.
	for _, verb := range []string{"create", "patch", "delete"} {
		questions = append(questions, question{verb, rbacGroup, "clusterrolebindings", "", "", false},
			question{verb, rbacGroup, "clusterroles", "", "", false})
	}
	for _, role := range tenantBindings {
		questions = append(questions, question{"bind", rbacGroup, "clusterroles", "", role, true})
	}
	for _, role := range []string{"cluster-admin", "admin", "aileron-manager"} {
		questions = append(questions, question{"bind", rbacGroup, "clusterroles", "", role, false})
	}
	questions = append(questions, question{"escalate", rbacGroup, "clusterroles", "", "", false})

	var wrong []string
	for _, q := range questions {
		if got := managerMay(q.verb, q.group, q.resource, q.namespace, q.name); got != q.allowed {
			wrong = append(wrong, fmt.Sprintf("%s %s %q in namespace %q: allowed=%t, want %t", q.verb, q.resource, q.name, q.namespace, got, q.allowed))
		}
	}
	Expect(wrong).To(BeEmpty(), "the manager's RBAC answers these differently than it should")
}

// managerScopeAudit makes, as the manager's service account, the writes
// RBAC lets through by verb, and checks that the API server refuses those
// on objects Aileron does not own.
func managerScopeAudit() {
	GinkgoHelper()
	cfg, err := bed.ManagerConfig()
	Expect(err).NotTo(HaveOccurred())
	manager, err := client.New(cfg, client.Options{Scheme: hub.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	var wrong []string
	expect := func(what string, err error, refusedBy string) {
		switch {
		case refusedBy == "" && err != nil:
			wrong = append(wrong, fmt.Sprintf("%s: refused: %v", what, err))
		case refusedBy != "" && err == nil:
			wrong = append(wrong, what+": allowed")
		case refusedBy != "" && (!apierrors.IsForbidden(err) || !strings.Contains(err.Error(), refusedBy)):
			wrong = append(wrong, fmt.Sprintf("%s: %v, want a refusal by %s", what, err, refusedBy))
		}
	}
	const policy = "aileron-manager-scope"
	owned := map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}
	secret := func(name string, labels map[string]string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: argoCDNamespace, Name: name, Labels: labels},
			Data: map[string][]byte{"server": []byte("https://plane.example")}}
	}
	merge := func(body string) client.Patch { return client.RawPatch(types.MergePatchType, []byte(body)) }

	// Argo CD's own Secret.
	expect("patch argocd-secret", manager.Patch(ctx, secret("argocd-secret", nil), merge(`{"data":{"admin.password":"eA=="}}`)), policy)
	expect("label argocd-secret as Aileron's", manager.Patch(ctx, secret("argocd-secret", nil), merge(`{"metadata":{"labels":{"app.kubernetes.io/managed-by":"aileron"}}}`)), policy)
	expect("delete argocd-secret", manager.Delete(ctx, secret("argocd-secret", nil)), policy)
	// Argo CD reads some Secrets by name: the manager may create none.
	expect("create argocd-notifications-secret", manager.Create(ctx, secret("argocd-notifications-secret", owned)), policy)
	expect("create an unlabelled aileron-plane-audit", manager.Create(ctx, secret("aileron-plane-audit", nil)), policy)
	// What it owns, it writes: a cluster Secret, labelled, named by Aileron.
	expect("create aileron-plane-audit", manager.Create(ctx, secret("aileron-plane-audit", owned)), "")
	expect("patch aileron-plane-audit", manager.Patch(ctx, secret("aileron-plane-audit", nil), merge(`{"data":{"name":"YQ=="}}`)), "")
	expect("unlabel aileron-plane-audit", manager.Patch(ctx, secret("aileron-plane-audit", nil), merge(`{"metadata":{"labels":{"app.kubernetes.io/managed-by":null}}}`)), policy)
	expect("delete aileron-plane-audit", manager.Delete(ctx, secret("aileron-plane-audit", nil)), "")
	kept := &corev1.Secret{}
	Expect(hub.Get(ctx, client.ObjectKey{Namespace: argoCDNamespace, Name: "argocd-secret"}, kept)).To(Succeed())
	Expect(kept.Data).To(Equal(map[string][]byte{"server.secretkey": []byte("signing-key")}), "argocd-secret was changed")
	Expect(kept.Labels).NotTo(HaveKey(platformv1alpha1.LabelManagedBy))

	// RoleBindings.
	binding := func(namespace, name, role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "audit:viewers"}},
		}
	}
	subjects := merge(`{"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"mallory"}]}`)
	expect("patch ci-deployer", manager.Patch(ctx, binding(auditOrg, "ci-deployer", ""), subjects), "forbidden")
	expect("delete ci-deployer", manager.Delete(ctx, binding(auditOrg, "ci-deployer", "")), "forbidden")
	expect("create a RoleBinding ci-deployer-2", manager.Create(ctx, binding(auditOrg, "ci-deployer-2", "aileron-viewer")), policy)
	expect("create aileron-developer bound to aileron-org-admin", manager.Create(ctx, binding(auditOrg, "aileron-developer", "aileron-org-admin")), policy)
	expect("create aileron-viewer outside an organization's namespace", manager.Create(ctx, binding(auditOther, "aileron-viewer", "aileron-viewer")), policy)
	expect("create aileron-viewer", manager.Create(ctx, binding(auditOrg, "aileron-viewer", "aileron-viewer")), "")
	expect("patch aileron-viewer", manager.Patch(ctx, binding(auditOrg, "aileron-viewer", ""), merge(`{"metadata":{"labels":{"audit":"yes"}}}`)), "")
	expect("delete aileron-viewer", manager.Delete(ctx, binding(auditOrg, "aileron-viewer", "")), "")
	Expect(wrong).To(BeEmpty(), "the API server answers the manager's writes differently than it should")
}
