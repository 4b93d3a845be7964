package faults

import (
	"time"

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
	"github.com/aileron-dev/aileron/test/testbed"
)

// expectAnnotation holds the fragment a bad object's Ready message must
// contain.
const expectAnnotation = "faults.aileron.dev/expect"

// badInputSpecs feed a tenant's worth of input the API admits but the
// platform cannot act on (testdata/bad.yaml), while another tenant keeps
// deploying.
func badInputSpecs() {
	It("reports admitted but unusable input as Ready=False naming the problem, and keeps serving the other tenant", func() {
		Expect(hub.Create(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "evil"}})).To(Succeed())
		Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: "evil"}, &corev1.Namespace{}) }).Should(Succeed())
		objs, err := fleet.ReadManifests("testdata/bad.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(fleet.CreateManifests(ctx, hub, "testdata/bad.yaml")).To(Succeed())
		// The other tenant deploys meanwhile.
		patchImages([]string{"api"}, "4")

		bad := 0
		for _, o := range objs {
			fragment, ok := o.GetAnnotations()[expectAnnotation]
			if !ok {
				continue
			}
			bad++
			Eventually(func(g Gomega) {
				live := &unstructured.Unstructured{}
				live.SetGroupVersionKind(o.GroupVersionKind())
				g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(o), live)).To(Succeed())
				conds, _, _ := unstructured.NestedSlice(live.Object, "status", "conditions")
				var ready map[string]any
				for _, c := range conds {
					if m, _ := c.(map[string]any); m["type"] == platformv1alpha1.ConditionReady {
						ready = m
					}
				}
				g.Expect(ready).NotTo(BeNil(), "%s %s has no Ready condition", o.GetKind(), o.GetName())
				g.Expect(ready["status"]).To(Equal("False"), "%s %s", o.GetKind(), o.GetName())
				g.Expect(ready["message"]).To(ContainSubstring(fragment), "%s %s", o.GetKind(), o.GetName())
			}).Should(Succeed())
		}
		// A binding of evil's own component to acme's environment.
		valid := &platformv1alpha1.Component{}
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "evil", Name: "valid"}, valid)).To(Succeed())
			g.Expect(valid.Status.LatestRelease).NotTo(BeEmpty())
		}).Should(Succeed())
		cross := testbed.Binding("evil", "valid", "production", valid.Status.LatestRelease)
		Expect(hub.Create(ctx, cross)).To(Succeed())
		expectBindingRefused(cross, "Environment production does not exist in organization evil")
		bad++
		// Overrides of a trait instance the component does not have: the
		// binding says so, and nothing is delivered for it.
		overridden := testbed.Binding("evil", "valid", "prod", valid.Status.LatestRelease)
		overridden.Spec.Overrides = &platformv1alpha1.BindingOverrides{Traits: []platformv1alpha1.TraitOverride{
			{InstanceName: "sidecar", Parameters: &runtime.RawExtension{Raw: []byte(`{"image": "evil"}`)}},
		}}
		Expect(hub.Create(ctx, overridden)).To(Succeed())
		expectBindingRefused(overridden, "spec.overrides.traits: the component has no trait instance sidecar (its instances: none)")
		bad++
		// A type that renders a RoleBinding: the release is made, the
		// binding refuses to render it, and nothing reaches the plane.
		roleMaker := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "evil", Name: "role-maker--dev"}}
		expectBindingRefused(roleMaker, "rendered a RoleBinding: types may not render that kind")
		bad++
		Expect(bad).To(BeNumerically(">=", 30))
		// Nothing of the bad input reached a plane.
		for name, spoke := range bed.Spokes {
			list := &unstructured.UnstructuredList{}
			list.SetAPIVersion("apps/v1")
			list.SetKind("DeploymentList")
			Expect(spoke.List(ctx, list, client.MatchingLabels{platformv1alpha1.LabelOrganization: "evil"})).To(Succeed())
			for _, d := range list.Items {
				Expect(d.GetName()).To(Equal("valid"), "bad input delivered to %s", name)
			}
		}
		Eventually(func(g Gomega) {
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "api--development"}, b)).To(Succeed())
			c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			g.Expect(b.Status.Release).To(Equal(b.Spec.Release))
		}).Should(Succeed())
		Expect(managerLog.String()).NotTo(ContainSubstring("Observed a panic"))
		GinkgoWriter.Printf("%d admitted-but-unusable objects reported Ready=False with their problem named\n", bad)

		// The corpus's cluster-scoped objects (its stack, types and traits)
		// outlive the organization: remove them.
		for _, o := range objs {
			if o.GetNamespace() == "" {
				Expect(hub.Delete(ctx, o)).To(Succeed())
			}
		}
		Expect(hub.Delete(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "evil"}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: "evil"}, &corev1.Namespace{}))
		}).WithTimeout(4 * time.Minute).Should(BeTrue())
	})
}

// expectBindingRefused waits until b is Ready=False with message.
func expectBindingRefused(b *platformv1alpha1.ReleaseBinding, message string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Message).To(ContainSubstring(message))
	}).Should(Succeed())
}
