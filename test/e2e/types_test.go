package e2e

import (
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/render"
)

// typesPlane is a DataPlane of its own on eu-1's cluster for the types
// specs.
const typesPlane = "types-eu"

func rawJSON(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }

// makeVolumes makes n volumes of 2Gi on eu-1, as a storage provisioner
// would, and removes them when the spec ends.
func makeVolumes(prefix string, n int) {
	GinkgoHelper()
	for i := range n {
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i)},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: fmt.Sprintf("/data/%s-%d", prefix, i)}},
			},
		}
		Expect(spokes["eu-1"].Create(ctx, pv)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(spokes["eu-1"].Delete(ctx, pv))).To(Succeed()) })
	}
}

// promote promotes t's component from t.env to target, as the hub's user,
// and returns the release the promotion moved once it succeeded.
func promote(t tenant, name, target string) string {
	GinkgoHelper()
	me, err := binding.WhoAmI(ctx, f.Hub.Config)
	Expect(err).NotTo(HaveOccurred())
	p := &platformv1alpha1.Promotion{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: t.component + "-" + name},
		Spec: platformv1alpha1.PromotionSpec{
			ComponentRef:         platformv1alpha1.LocalObjectReference{Name: t.component},
			SourceEnvironmentRef: &platformv1alpha1.LocalObjectReference{Name: t.env},
			TargetEnvironmentRef: platformv1alpha1.LocalObjectReference{Name: target},
			RequestedBy:          me,
		},
	}
	Expect(hub.Create(ctx, p)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		g.Expect(p.Status.Phase).To(Equal(platformv1alpha1.PromotionSucceeded), "%+v", p.Status)
	}).Should(Succeed())
	return p.Status.Release
}

var _ = Describe("Platform-defined ComponentTypes and Traits", Ordered, ContinueOnFailure, func() {
	var statefulService *platformv1alpha1.ComponentType

	BeforeAll(func() {
		planeOnEU1(typesPlane, platformv1alpha1.DataPlaneSpec{})
		applyFile(hub, repoPath("config", "samples", "types", "stateful-service.yaml"))
		applyFile(hub, repoPath("config", "samples", "types", "pod-annotations.yaml"))
		applyFile(hub, repoPath("config", "samples", "types", "persistent-volume.yaml"))
		statefulService = &platformv1alpha1.ComponentType{ObjectMeta: metav1.ObjectMeta{Name: "stateful-service"}}
		expectReady(statefulService)
		expectReady(&platformv1alpha1.Trait{ObjectMeta: metav1.ObjectMeta{Name: "pod-annotations"}})
		expectReady(&platformv1alpha1.Trait{ObjectMeta: metav1.ObjectMeta{Name: "persistent-volume"}})
	})

	It("creates the four built-in types at start, compiled, as Aileron ships them", func() {
		for name, spec := range render.BuiltinTypes() {
			ct := &platformv1alpha1.ComponentType{ObjectMeta: metav1.ObjectMeta{Name: name}}
			expectReady(ct)
			Expect(ct.Spec.Workload).To(Equal(spec.Workload))
			Expect(ct.Spec.Resources).To(HaveLen(len(spec.Resources)))
		}
	})

	It("runs a StatefulService with Aileron's pods, its parameters defaulted, two traits (one applied twice), reports it healthy, and moves production only when promoted", func() {
		t := tenant{org: "types-a", project: "ledger", env: "live", component: "db", image: "registry.example/types-a/db:1", plane: typesPlane,
			customize: func(c *platformv1alpha1.Component) {
				c.Spec.Type = "StatefulService"
				c.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "pg", Port: 5432, Protocol: platformv1alpha1.ProtocolTCP}}
				c.Spec.Parameters = rawJSON(`{"replicas": 2, "storage": {"size": "2Gi"}}`)
				c.Spec.Traits = []platformv1alpha1.ComponentTrait{
					{Name: "pod-annotations", InstanceName: "team", Parameters: rawJSON(`{"key": "example.com/team", "value": "ledger"}`)},
					{Name: "pod-annotations", InstanceName: "cost", Parameters: rawJSON(`{"key": "example.com/cost-center", "value": "42"}`)},
					{Name: "persistent-volume", InstanceName: "archive", Parameters: rawJSON(`{"mountPath": "/var/archive"}`)},
				}
			}}
		t.create()
		DeferCleanup(t.remove)
		cell := render.CellNamespace(t.org, t.project, t.env)
		sts := &appsv1.StatefulSet{}
		Eventually(func(g Gomega) {
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db"}, sts)).To(Succeed())
		}).Should(Succeed())
		Expect(sts.Spec.Replicas).To(HaveValue(Equal(int32(2))))
		Expect(sts.Spec.ServiceName).To(Equal("db-pods"))
		Expect(sts.Spec.VolumeClaimTemplates).To(HaveLen(1))
		Expect(sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String()).To(Equal("2Gi"))
		pod := sts.Spec.Template
		Expect(pod.Annotations).To(HaveKeyWithValue("example.com/team", "ledger"))
		Expect(pod.Annotations).To(HaveKeyWithValue("example.com/cost-center", "42"))
		Expect(pod.Spec.Containers).To(HaveLen(1))
		Expect(pod.Spec.Containers[0].Image).To(Equal(t.image))
		Expect(pod.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
		Expect(pod.Spec.ServiceAccountName).To(Equal("db"))
		// persistent-volume: a claim of the default size, mounted.
		Expect(pod.Spec.Volumes).To(ContainElement(And(
			HaveField("Name", "archive"), HaveField("PersistentVolumeClaim.ClaimName", "db-archive"))))
		Expect(pod.Spec.Containers[0].VolumeMounts).To(ContainElement(And(HaveField("Name", "archive"), HaveField("MountPath", "/var/archive"))))
		pvc := &corev1.PersistentVolumeClaim{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db-archive"}, pvc)).To(Succeed())
		Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
		Expect(pvc.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelComponent, "db"))
		pdb := &policyv1.PodDisruptionBudget{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db"}, pdb)).To(Succeed())
		Expect(pdb.Spec.MaxUnavailable).To(HaveValue(Equal(intstr.FromInt32(1))))
		Expect(pdb.Spec.Selector.MatchLabels).To(HaveKeyWithValue(platformv1alpha1.LabelComponent, "db"))
		headless := &corev1.Service{}
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db-pods"}, headless)).To(Succeed())
		Expect(headless.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
		// Health is judged generically. The plane has no storage
		// provisioner: the pods wait for their volumes, and the binding
		// says so instead of calling the StatefulSet healthy.
		b := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: bindingName(t.component, t.env)}}
		expectNotReady(b, "StatefulSet db", "Ready: 0/2")
		Consistently(func(g Gomega) {
			g.Expect(readyCondition(g, b).Status).To(Equal(metav1.ConditionFalse))
		}, "5s", "1s").Should(Succeed())
		// Volumes appear (as a provisioner would make them): the claims
		// bind, the pods run, and the binding and component become Ready.
		makeVolumes("types-a-db", 3) // two for the set's pods, one for the trait's claim
		expectReady(b)
		expectReady(t.componentObject())
		Eventually(func(g Gomega) {
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKeyFromObject(pvc), pvc)).To(Succeed())
			g.Expect(pvc.Status.Phase).To(Equal(corev1.ClaimBound))
		}).Should(Succeed())

		// The release pins the type as it was: editing the type is a new
		// release, which autoDeploy moves the first environment to.
		c := t.componentObject()
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
		first := c.Status.LatestRelease
		rel := &platformv1alpha1.Release{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: t.org, Name: first}, rel)).To(Succeed())
		Expect(rel.Spec.ComponentType).NotTo(BeNil())
		Expect(rel.Spec.ComponentType.Workload.Kind).To(Equal(platformv1alpha1.WorkloadKind("StatefulSet")))
		Expect(rel.Spec.Traits).To(HaveLen(2), "the trait applied twice is pinned once")
		// Production (the pipeline's next environment) runs the first
		// release once it is promoted there.
		next := t.env + "-next"
		Expect(promote(t, "first", next)).To(Equal(first))
		prod := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: bindingName(t.component, next)}}
		prodCell := render.CellNamespace(t.org, t.project, next)
		prodSts := &appsv1.StatefulSet{}
		Eventually(func(g Gomega) {
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: prodCell, Name: "db"}, prodSts)).To(Succeed())
		}).Should(Succeed())
		makeVolumes("types-a-db-prod", 3)
		expectReady(prod)

		Expect(hub.Get(ctx, client.ObjectKeyFromObject(statefulService), statefulService)).To(Succeed())
		edited := statefulService.DeepCopy()
		var tmpl map[string]any
		Expect(json.Unmarshal(edited.Spec.Resources[0].Template.Raw, &tmpl)).To(Succeed())
		tmpl["spec"].(map[string]any)["revisionHistoryLimit"] = 4
		edited.Spec.Resources[0].Template.Raw, _ = json.Marshal(tmpl)
		Expect(hub.Patch(ctx, edited, client.MergeFrom(statefulService))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			g.Expect(c.Status.LatestRelease).NotTo(Equal(first))
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db"}, sts)).To(Succeed())
			g.Expect(sts.Spec.RevisionHistoryLimit).To(HaveValue(Equal(int32(4))))
		}).Should(Succeed())
		// The first release still renders what it pinned, and production
		// stays on it: the type's edit reaches it only by a promotion.
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: t.org, Name: first}, rel)).To(Succeed())
		Expect(string(rel.Spec.ComponentType.Resources[0].Template.Raw)).NotTo(ContainSubstring("revisionHistoryLimit"))
		Consistently(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(prod), prod)).To(Succeed())
			g.Expect(prod.Spec.Release).To(Equal(first))
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKeyFromObject(prodSts), prodSts)).To(Succeed())
			g.Expect(prodSts.Spec.RevisionHistoryLimit).NotTo(HaveValue(Equal(int32(4))))
		}, "10s", "1s").Should(Succeed())
		expectReady(t.componentObject())
		Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
		Expect(promote(t, "second", next)).To(Equal(c.Status.LatestRelease))
		Eventually(func(g Gomega) {
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKeyFromObject(prodSts), prodSts)).To(Succeed())
			g.Expect(prodSts.Spec.RevisionHistoryLimit).To(HaveValue(Equal(int32(4))))
		}).Should(Succeed())
	})

	It("says why a component cannot use a type: missing, not granted, not compiling, or refusing its parameters", func() {
		broken := &platformv1alpha1.ComponentType{ObjectMeta: metav1.ObjectMeta{Name: "broken"}}
		Expect(yaml.Unmarshal([]byte(`
workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name("}}
`), &broken.Spec)).To(Succeed())
		private := &platformv1alpha1.ComponentType{ObjectMeta: metav1.ObjectMeta{Name: "private"}}
		private.Spec = *render.BuiltinTypes()["worker"]
		private.Spec.Organizations = []string{"someone-else"}
		for _, ct := range []*platformv1alpha1.ComponentType{broken, private} {
			Expect(hub.Create(ctx, ct)).To(Succeed())
			DeferCleanup(func() { Expect(client.IgnoreNotFound(hub.Delete(ctx, ct))).To(Succeed()) })
		}
		expectNotReady(broken, "spec.resources[0].template.metadata.name")

		t := tenant{org: "types-b", project: "shop", env: "live", component: "web", image: "registry.example/types-b/web:1", plane: typesPlane}
		t.create()
		DeferCleanup(t.remove)
		expectReady(t.componentObject())
		for _, tc := range []struct {
			name string
			set  func(*platformv1alpha1.ComponentSpec)
			want []string
		}{
			{"missing", func(s *platformv1alpha1.ComponentSpec) { s.Type = "Nonexistent" },
				[]string{"spec.type: ComponentType nonexistent does not exist"}},
			{"private", func(s *platformv1alpha1.ComponentSpec) { s.Type, s.Endpoints = "private", nil },
				[]string{"ComponentType private is not granted to organization types-b"}},
			{"broken", func(s *platformv1alpha1.ComponentSpec) { s.Type, s.Endpoints = "broken", nil },
				[]string{"ComponentType broken does not compile", "spec.resources[0].template.metadata.name"}},
			{"parameters", func(s *platformv1alpha1.ComponentSpec) {
				s.Type, s.Parameters = "StatefulService", rawJSON(`{"storage": {"size": "2Gi"}, "size": 3}`)
			}, []string{"spec.parameters.size: the schema declares no such field"}},
			{"trait", func(s *platformv1alpha1.ComponentSpec) {
				s.Traits = []platformv1alpha1.ComponentTrait{{Name: "pod-annotations", InstanceName: "team", Parameters: rawJSON(`{"key": "team"}`)}}
			}, []string{"spec.traits[0] (instance team): parameters.value: Required value"}},
			{"missing trait", func(s *platformv1alpha1.ComponentSpec) {
				s.Traits = []platformv1alpha1.ComponentTrait{{Name: "nonexistent", InstanceName: "x"}}
			}, []string{"spec.traits[0].name: Trait nonexistent does not exist"}},
		} {
			By(tc.name)
			c := t.newComponent()
			c.Name = "bad-" + strings.ReplaceAll(tc.name, " ", "-")
			c.Spec.AutoDeploy = false
			tc.set(&c.Spec)
			Expect(hub.Create(ctx, c)).To(Succeed())
			expectNotReady(c, tc.want...)
			Expect(c.Status.LatestRelease).To(BeEmpty(), "no release is made of what cannot render")
		}
	})

	It("keeps each object of a cell to its component on the plane: a second component rendering the same name is refused there", func() {
		// db's type names its headless Service db-pods; a Service
		// component named db-pods renders a Service of that name too.
		t := tenant{org: "types-c", project: "ledger", env: "live", component: "db", image: "registry.example/types-c/db:1", plane: typesPlane,
			customize: func(c *platformv1alpha1.Component) {
				c.Spec.Type, c.Spec.Endpoints = "stateful-service", []platformv1alpha1.Endpoint{{Name: "pg", Port: 5432, Protocol: platformv1alpha1.ProtocolTCP}}
			}}
		t.create()
		DeferCleanup(t.remove)
		cell := render.CellNamespace(t.org, t.project, t.env)
		headless := &corev1.Service{}
		Eventually(func(g Gomega) {
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db-pods"}, headless)).To(Succeed())
		}).Should(Succeed())
		Expect(headless.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelComponent, "db"))

		squatter := t.newComponent()
		squatter.Name, squatter.Spec.Type, squatter.Spec.Parameters = "db-pods", platformv1alpha1.ComponentService, nil
		squatter.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}}
		Expect(hub.Create(ctx, squatter)).To(Succeed())
		b := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: t.org, Name: bindingName("db-pods", t.env)}}
		expectNotReady(b, "Service", "belongs to component db")
		Consistently(func(g Gomega) {
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "db-pods"}, headless)).To(Succeed())
			g.Expect(headless.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelComponent, "db"), "the Service stays db's")
			g.Expect(headless.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
			g.Expect(headless.Spec.Ports).To(HaveLen(1))
			g.Expect(headless.Spec.Ports[0].Port).To(Equal(int32(5432)))
		}, "10s", "1s").Should(Succeed())

		// The same holds for whoever writes: a hand edit moving the
		// object to another component is refused by the plane too.
		moved := headless.DeepCopy()
		moved.Labels[platformv1alpha1.LabelComponent] = "db-pods"
		err := spokes["eu-1"].Update(ctx, moved)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring(render.FenceName))
	})
})
