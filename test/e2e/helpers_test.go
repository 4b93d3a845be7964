package e2e

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
)

// readObjects decodes every object of a YAML file.
func readObjects(path string) []*unstructured.Unstructured {
	objs, err := fleet.ReadManifests(path)
	Expect(err).NotTo(HaveOccurred())
	return objs
}

func applyFile(c client.Client, path string) {
	Expect(fleet.CreateManifests(ctx, c, path)).To(Succeed())
}

// readyCondition returns obj's Ready condition as it is on the hub now.
func readyCondition(g Gomega, obj client.Object) *metav1.Condition {
	g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	u, err := toUnstructured(obj)
	g.Expect(err).NotTo(HaveOccurred())
	conds, _, _ := unstructured.NestedSlice(u, "status", "conditions")
	var list []metav1.Condition
	for _, c := range conds {
		m, _ := c.(map[string]any)
		cond := metav1.Condition{}
		cond.Type, _ = m["type"].(string)
		s, _ := m["status"].(string)
		cond.Status = metav1.ConditionStatus(s)
		cond.Reason, _ = m["reason"].(string)
		cond.Message, _ = m["message"].(string)
		list = append(list, cond)
	}
	return meta.FindStatusCondition(list, platformv1alpha1.ConditionReady)
}

// expectReady waits, as `kubectl wait --for=condition=Ready` does, until
// obj's Ready condition is True.
func expectReady(obj client.Object) {
	EventuallyWithOffset(1, func(g Gomega) {
		c := readyCondition(g, obj)
		g.Expect(c).NotTo(BeNil(), "%T %s has no Ready condition", obj, obj.GetName())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%T %s: %s", obj, obj.GetName(), c.Message)
	}).Should(Succeed())
}

// expectNotReady waits until obj is Ready=False with a message containing
// each of parts.
func expectNotReady(obj client.Object, parts ...string) {
	EventuallyWithOffset(1, func(g Gomega) {
		c := readyCondition(g, obj)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		for _, p := range parts {
			g.Expect(c.Message).To(ContainSubstring(p))
		}
	}).Should(Succeed())
}

func toUnstructured(obj client.Object) (map[string]any, error) {
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}

// planeOnEU1 creates a DataPlane of its own on eu-1's cluster, with the
// spec given (its connection is eu-1's), for specs that must not depend on
// the samples' planes, and waits until it is Ready.
func planeOnEU1(name string, spec platformv1alpha1.DataPlaneSpec) {
	spec.PlaneConnection = platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "eu-1-kubeconfig"}}
	ExpectWithOffset(1, hub.Create(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec})).To(Succeed())
	expectReady(&platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

// newTenant creates organization org, whose admins are the group
// <org>:platform and developers <org>:developers, removes it when the spec
// ends, waits for its namespace, and returns clients of dana (a developer)
// and ada (an admin).
func newTenant(org string) (dana, ada client.Client) {
	GinkgoHelper()
	Expect(hub.Create(ctx, &platformv1alpha1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: org},
		Spec:       platformv1alpha1.OrganizationSpec{AdminGroups: []string{org + ":platform"}, DeveloperGroups: []string{org + ":developers"}},
	})).To(Succeed())
	DeferCleanup(func() {
		Expect(hub.Delete(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: org}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: org}, &platformv1alpha1.Organization{}))
		}).Should(BeTrue())
	})
	Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{}) }).Should(Succeed())
	user := func(name, group string) client.Client {
		cfg, err := f.UserConfig(f.Hub, name, group)
		Expect(err).NotTo(HaveOccurred())
		c, err := client.New(cfg, client.Options{Scheme: hub.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		return c
	}
	return user("dana", org+":developers"), user("ada", org+":platform")
}
