package e2e

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/render"
)

// isolationPlane is a DataPlane of its own on eu-1's cluster, granted to
// every organization, so that these specs share a plane between tenants
// without depending on the samples.
const isolationPlane = "shared-eu"

// tenant is one organization of the isolation specs: a project in one
// environment on the shared plane, and one public web component.
type tenant struct {
	org, project, env, component, image string
	// plane is the environments' DataPlane (isolationPlane when empty).
	plane string
	// customize changes the component before it is created.
	customize func(*platformv1alpha1.Component)
}

func (t tenant) create() {
	GinkgoHelper()
	plane := t.plane
	if plane == "" {
		plane = isolationPlane
	}
	objs := []client.Object{
		&platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: t.org}},
	}
	for _, o := range objs {
		Expect(hub.Create(ctx, o)).To(Succeed())
	}
	Eventually(func() error {
		return hub.Get(ctx, client.ObjectKey{Name: t.org}, &corev1.Namespace{})
	}).Should(Succeed())
	for _, o := range []client.Object{
		&platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: t.env},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: plane}},
		},
		&platformv1alpha1.DeploymentPipeline{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: "pipeline"},
			Spec: platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: []platformv1alpha1.PromotionPath{{
				SourceEnvironmentRef:  t.env,
				TargetEnvironmentRefs: []platformv1alpha1.TargetEnvironment{{Name: t.env + "-next"}},
			}}},
		},
		&platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: t.env + "-next"},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: plane}},
		},
		&platformv1alpha1.Project{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: t.project},
			Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "pipeline"}},
		},
		t.newComponent(),
	} {
		Expect(hub.Create(ctx, o)).To(Succeed())
	}
}

// newComponent is t's component as it is created: a public web
// application, unless customize changes it.
func (t tenant) newComponent() *platformv1alpha1.Component {
	c := &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: t.component},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: t.project},
			Type:       platformv1alpha1.ComponentWebApplication,
			Image:      t.image, AutoDeploy: true,
			Endpoints: []platformv1alpha1.Endpoint{{Name: "http", Port: 8080, Visibility: platformv1alpha1.VisibilityPublic}},
		},
	}
	if t.customize != nil {
		t.customize(c)
	}
	return c
}

func (t tenant) componentObject() *platformv1alpha1.Component {
	return &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: t.component}}
}

// deployments lists what runs on the shared plane for t's organization, by
// the organization label every rendered object carries.
func (t tenant) deployments(g Gomega) []appsv1.Deployment {
	list := &appsv1.DeploymentList{}
	g.Expect(spokes["eu-1"].List(ctx, list, client.MatchingLabels{platformv1alpha1.LabelOrganization: t.org})).To(Succeed())
	return list.Items
}

// hostnames lists the hostnames of t's organization's HTTPRoutes on the
// shared plane.
func (t tenant) hostnames(g Gomega) []string {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("gateway.networking.k8s.io/v1")
	list.SetKind("HTTPRouteList")
	g.Expect(spokes["eu-1"].List(ctx, list, client.MatchingLabels{platformv1alpha1.LabelOrganization: t.org})).To(Succeed())
	var out []string
	for _, r := range list.Items {
		hosts, _, _ := unstructured.NestedStringSlice(r.Object, "spec", "hostnames")
		out = append(out, hosts...)
	}
	return out
}

func (t tenant) remove() {
	GinkgoHelper()
	Expect(hub.Delete(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: t.org}})).To(Succeed())
	Eventually(func() bool {
		return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: t.org}, &platformv1alpha1.Organization{}))
	}).Should(BeTrue())
}

var _ = Describe("Tenant isolation on a shared plane", Ordered, ContinueOnFailure, func() {
	BeforeAll(func() {
		planeOnEU1(isolationPlane, platformv1alpha1.DataPlaneSpec{Gateway: platformv1alpha1.GatewaySpec{PublicHost: "shared.apps.example"}})
	})

	It("gives two organizations whose names join alike two cells, each running its own image", func() {
		// acme-x + shop-web and acme-x-shop + web both joined to
		// acme-x-shop-web-live with single hyphens.
		first := tenant{org: "iso-a", project: "shop-web", env: "live", component: "web", image: "registry.example/iso-a/web:1"}
		second := tenant{org: "iso-a-shop", project: "web", env: "live", component: "web", image: "registry.example/iso-a-shop/web:1"}
		first.create()
		expectReady(first.componentObject())
		second.create()
		expectReady(second.componentObject())
		DeferCleanup(first.remove)
		DeferCleanup(second.remove)

		namespaces := map[string]string{}
		for _, t := range []tenant{first, second} {
			Consistently(func(g Gomega) {
				ds := t.deployments(g)
				g.Expect(ds).To(HaveLen(1), "%s must run exactly its own Deployment on the plane", t.org)
				g.Expect(ds[0].Spec.Template.Spec.Containers[0].Image).To(Equal(t.image), "%s's Deployment must run its own image", t.org)
				ns := &corev1.Namespace{}
				g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Name: ds[0].Namespace}, ns)).To(Succeed())
				g.Expect(ns.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelOrganization, t.org))
				g.Expect(ns.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelProject, t.project))
				namespaces[t.org] = ds[0].Namespace
			}, "10s", "1s").Should(Succeed())
		}
		Expect(namespaces[first.org]).NotTo(Equal(namespaces[second.org]))
	})

	It("serves two organizations with the same project, component and environment names on distinct hosts", func() {
		first := tenant{org: "iso-b", project: "site", env: "live", component: "web", image: "registry.example/iso-b/web:1"}
		second := tenant{org: "iso-c", project: "site", env: "live", component: "web", image: "registry.example/iso-c/web:1"}
		first.create()
		second.create()
		DeferCleanup(first.remove)
		DeferCleanup(second.remove)
		expectReady(first.componentObject())
		expectReady(second.componentObject())
		var hosts [2][]string
		for i, t := range []tenant{first, second} {
			Eventually(func(g Gomega) {
				hosts[i] = t.hostnames(g)
				g.Expect(hosts[i]).To(HaveLen(1))
			}).Should(Succeed())
		}
		Expect(hosts[0][0]).NotTo(Equal(hosts[1][0]), "two organizations' routes on one gateway must not share a host")
	})

	It("never writes into, nor deletes, a namespace on the plane that another cell or nobody Aileron knows owns", func() {
		t := tenant{org: "iso-d", project: "shop", env: "live", component: "web", image: "registry.example/iso-d/web:1"}
		squatted := render.CellNamespace(t.org, t.project, t.env)
		// Somebody else's namespace, where Aileron would put the cell.
		Expect(spokes["eu-1"].Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: squatted, Labels: map[string]string{"owner": "someone-else"},
		}})).To(Succeed())
		Expect(spokes["eu-1"].Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: squatted, Name: "theirs"}})).To(Succeed())
		t.create()
		DeferCleanup(t.remove)
		b := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: bindingName(t.component, t.env)}}
		expectNotReady(b, squatted, "not Aileron's cell")
		Consistently(func(g Gomega) {
			ns := &corev1.Namespace{}
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Name: squatted}, ns)).To(Succeed())
			g.Expect(ns.Labels).NotTo(HaveKey(platformv1alpha1.LabelOrganization), "the namespace must not be relabelled")
			g.Expect(t.deployments(g)).To(BeEmpty(), "nothing may be applied into a namespace Aileron does not own")
		}, "10s", "1s").Should(Succeed())

		// The component goes; the namespace and what is in it stay.
		Expect(hub.Delete(ctx, t.componentObject())).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKeyFromObject(b), &platformv1alpha1.ReleaseBinding{}))
		}).Should(BeTrue())
		ns := &corev1.Namespace{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Name: squatted}, ns)).To(Succeed())
		Expect(ns.DeletionTimestamp.IsZero()).To(BeTrue(), "a namespace Aileron does not own is never deleted")
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: squatted, Name: "theirs"}, &corev1.ConfigMap{})).To(Succeed())
	})
})

func bindingName(component, env string) string {
	return binding.Name(component, env)
}
