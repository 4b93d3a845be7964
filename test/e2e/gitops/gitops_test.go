package gitops

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	bindingpkg "github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/test/testbed"
)

var _ = Describe("GitOps delivery", Ordered, func() {
	devNS := render.CellNamespace(org, "shop", "development")
	prodNS := render.CellNamespace(org, "shop", "production")
	// Where api runs: plane → cell namespaces.
	apiRuns := map[string][]string{"eu-1": {devNS, prodNS}, "na-1": {prodNS}}

	It("commits a component, and Argo CD runs it on both production planes", func() {
		Expect(fleet.CreateManifests(ctx, hub, "testdata/01-organization.yaml")).To(Succeed())
		Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{}) }).Should(Succeed())
		Expect(fleet.CreateManifests(ctx, hub, "testdata/02-platform.yaml")).To(Succeed())
		for _, p := range []string{"eu-1", "na-1"} {
			Eventually(func(g Gomega) {
				s := &corev1.Secret{}
				g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: fleet.ArgoCDNamespace, Name: "aileron-plane-" + p}, s)).To(Succeed())
				g.Expect(s.Labels).To(HaveKeyWithValue(argocd.LabelSecretType, "cluster"))
				g.Expect(s.Labels).To(HaveKey(platformv1alpha1.LabelRegion), "the plane's labels are the cluster's")
			}).Should(Succeed())
		}
		t0 := time.Now()
		Expect(hub.Create(ctx, api("registry.globex.example/shop/api:1"))).To(Succeed())
		Eventually(func() string { return file("globex/shop/development/eu-1/api.yaml") }).Should(ContainSubstring("api:1"))
		AddReportEntry("commit latency, component created → commit pushed", time.Since(t0).Round(time.Millisecond).String())

		release := latestRelease("api")
		Expect(hub.Create(ctx, binding("api", "production", release))).To(Succeed())
		expectBindingReady("api--development", release)
		expectBindingReady("api--production", release)
		AddReportEntry("component created → Ready on 3 Applications (2 planes)", time.Since(t0).Round(time.Second).String())
		expectRunning(apiRuns, "api:1")

		Expect(file("globex/shop/production/na-1/_cell.yaml")).To(ContainSubstring("kind: Namespace"))
		Expect(applications()).To(ConsistOf("globex--shop--development--eu-1", "globex--shop--production--eu-1", "globex--shop--production--na-1"))
		project := &argocd.AppProject{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: fleet.ArgoCDNamespace, Name: "aileron--globex"}, project)).To(Succeed())
		Expect(project.Spec.SourceRepos).To(ConsistOf("file://" + repoDir))
		for _, d := range project.Spec.Destinations {
			Expect(d.Namespace).To(HavePrefix("globex--"), "the AppProject reaches only the organization's cells")
		}
	})

	It("fences the organization's AppProject: no other repository, no other tenant's cell", func() {
		// The project exists, so a refusal below is the fence, not a
		// missing project.
		Eventually(func() error {
			return hub.Get(ctx, client.ObjectKey{Namespace: fleet.ArgoCDNamespace, Name: "aileron--globex"}, &argocd.AppProject{})
		}).Should(Succeed())
		server := f.Spoke("eu-1").Config.Host
		for name, rogue := range map[string]struct {
			spec    argocd.ApplicationSpec
			refusal string
		}{
			"rogue-destination": {
				spec: argocd.ApplicationSpec{
					Project:     "aileron--globex",
					Source:      &argocd.ApplicationSource{RepoURL: "file://" + repoDir, Path: "globex/shop/production/eu-1", TargetRevision: "main"},
					Destination: argocd.ApplicationDestination{Server: server, Namespace: render.CellNamespace("initech", "shop", "production")},
				},
				refusal: "do not match any of the allowed destinations in project 'aileron--globex'",
			},
			"rogue-source": {
				spec: argocd.ApplicationSpec{
					Project:     "aileron--globex",
					Source:      &argocd.ApplicationSource{RepoURL: "https://git.initech.example/platform.git", Path: "initech", TargetRevision: "main"},
					Destination: argocd.ApplicationDestination{Server: server, Namespace: prodNS},
				},
				refusal: "is not permitted in project 'aileron--globex'",
			},
		} {
			app := &argocd.Application{ObjectMeta: metav1.ObjectMeta{Namespace: fleet.ArgoCDNamespace, Name: name}, Spec: rogue.spec}
			Expect(hub.Create(ctx, app)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
				var msgs []string
				for _, c := range app.Status.Conditions {
					if c.Type == "InvalidSpecError" {
						msgs = append(msgs, c.Message)
					}
				}
				g.Expect(msgs).To(ContainElement(ContainSubstring(rogue.refusal)), "Argo CD must refuse %s", name)
			}).Should(Succeed())
			Expect(hub.Delete(ctx, app)).To(Succeed())
		}
	})

	It("commits an edit, and Argo CD syncs it to both planes", func() {
		t0 := time.Now()
		patchImage("api", "registry.globex.example/shop/api:2")
		Eventually(func() string { return file("globex/shop/development/eu-1/api.yaml") }).Should(ContainSubstring("api:2"))
		AddReportEntry("commit latency, component edited → commit pushed", time.Since(t0).Round(time.Millisecond).String())
		release := latestRelease("api")
		moveBinding("api--production", release)
		expectBindingReady("api--development", release)
		expectBindingReady("api--production", release)
		expectRunning(apiRuns, "api:2")
		Expect(commitMessages()).To(ContainElement(ContainSubstring("globex/shop/production: api at release " + release + " on plane na-1")))
		AddReportEntry("component edited → synced on both planes", time.Since(t0).Round(time.Second).String())
	})

	It("hands a plane over to direct delivery and back, without restarting the workload", func() {
		key := client.ObjectKey{Namespace: prodNS, Name: "api"}
		before := &appsv1.Deployment{}
		Expect(spokes["na-1"].Get(ctx, key, before)).To(Succeed())
		var gaps atomic.Int32
		watching := watchAvailable(spokes["na-1"], key, &gaps)
		defer watching()

		setDelivery("na-1", platformv1alpha1.DeliveryDirect)
		Eventually(func(g Gomega) {
			st := planeStatus(g, "api--production", "na-1")
			g.Expect(st.Delivery).To(Equal(platformv1alpha1.DeliveryDirect))
			g.Expect(st.Health).To(Equal(platformv1alpha1.HealthHealthy), st.Message)
			g.Expect(applications()).NotTo(ContainElement("globex--shop--production--na-1"))
			g.Expect(file("globex/shop/production/na-1/api.yaml")).To(BeEmpty())
			g.Expect(managers(g, "na-1", key)).NotTo(ContainElement(argocd.FieldManager))
		}).Should(Succeed())
		d := &appsv1.Deployment{}
		Expect(spokes["na-1"].Get(ctx, key, d)).To(Succeed())
		Expect(d.UID).To(Equal(before.UID), "the Deployment was recreated")
		Expect(d.Annotations).NotTo(HaveKey(argocd.TrackingAnnotation))
		Expect(managers(Default, "na-1", key)).To(ContainElement(render.FieldManager))

		setDelivery("na-1", platformv1alpha1.DeliveryGitOps)
		Eventually(func(g Gomega) {
			st := planeStatus(g, "api--production", "na-1")
			g.Expect(st.Delivery).To(Equal(platformv1alpha1.DeliveryGitOps))
			g.Expect(st.Health).To(Equal(platformv1alpha1.HealthHealthy), st.Message)
			g.Expect(st.Inventory).To(BeEmpty(), "the direct inventory is released to Argo CD")
			g.Expect(managers(g, "na-1", key)).To(ContainElement(argocd.FieldManager))
			g.Expect(managers(g, "na-1", key)).NotTo(ContainElement(render.FieldManager))
		}).Should(Succeed())
		Expect(spokes["na-1"].Get(ctx, key, d)).To(Succeed())
		Expect(d.UID).To(Equal(before.UID), "the Deployment was recreated")
		Expect(gaps.Load()).To(BeZero(), "the Deployment was missing or unavailable during the handover")
	})

	It("removes what a release drops when it comes with a handover, in both directions", func() {
		// A Public endpoint has an HTTPRoute on a plane with a public host.
		Expect(hub.Patch(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "na-1"}},
			client.RawPatch(types.MergePatchType, []byte(`{"spec":{"gateway":{"publicHost":"apps.na-1.example"}}}`)))).To(Succeed())
		web := testbed.Service(org, "shop", "web", "registry.globex.example/shop/web:1")
		web.Spec.Endpoints = append(web.Spec.Endpoints, platformv1alpha1.Endpoint{
			Name: "public", Port: 8081, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityPublic})
		Expect(hub.Create(ctx, web)).To(Succeed())
		routed := latestRelease("web")
		Expect(hub.Patch(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "web"}},
			client.RawPatch(types.MergePatchType, []byte(`{"spec":{"endpoints":[{"name":"http","port":8080,"protocol":"HTTP","visibility":"Project"}]}}`)))).To(Succeed())
		var unrouted string
		Eventually(func(g Gomega) {
			unrouted = latestRelease("web")
			g.Expect(unrouted).NotTo(Equal(routed))
		}).Should(Succeed())
		route := func() error {
			r := &unstructured.Unstructured{}
			r.SetGroupVersionKind(schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"})
			return spokes["na-1"].Get(ctx, client.ObjectKey{Namespace: prodNS, Name: "web"}, r)
		}
		at := func(mode platformv1alpha1.DeliveryMode, release string) {
			EventuallyWithOffset(1, func(g Gomega) {
				st := planeStatus(g, "web--production", "na-1")
				g.Expect(st.Delivery).To(Equal(mode))
				g.Expect(st.Release).To(Equal(release))
				g.Expect(st.Health).To(Equal(platformv1alpha1.HealthHealthy), st.Message)
				if mode == platformv1alpha1.DeliveryGitOps {
					g.Expect(st.Inventory).To(BeEmpty())
				}
			}).Should(Succeed())
		}
		Expect(hub.Create(ctx, binding("web", "production", routed))).To(Succeed())
		at(platformv1alpha1.DeliveryGitOps, routed)
		Eventually(route).Should(Succeed(), "Argo CD never ran the HTTPRoute")

		// GitOps → Direct, and the release drops the route.
		setDelivery("na-1", platformv1alpha1.DeliveryDirect)
		moveBinding("web--production", unrouted)
		at(platformv1alpha1.DeliveryDirect, unrouted)
		Eventually(func() bool { return apierrors.IsNotFound(route()) }).Should(BeTrue(), "the HTTPRoute Argo CD ran was left behind")

		// Direct → GitOps, and the release drops the route it had again.
		moveBinding("web--production", routed)
		at(platformv1alpha1.DeliveryDirect, routed)
		Expect(route()).To(Succeed())
		setDelivery("na-1", platformv1alpha1.DeliveryGitOps)
		moveBinding("web--production", unrouted)
		at(platformv1alpha1.DeliveryGitOps, unrouted)
		Eventually(func() bool { return apierrors.IsNotFound(route()) }).Should(BeTrue(), "the HTTPRoute applied directly was left behind")
	})

	It("waits on a repository that refuses the credentials, and commits once they are fixed", func() {
		Expect(hub.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testbed.OperatorNamespace, Name: "globex-git"},
			Data:       map[string][]byte{"username": []byte("aileron"), "password": []byte("wrong")},
		})).To(Succeed())
		patchOrg(fmt.Sprintf(`{"spec":{"gitOps":{"repository":{"url":%q,"secretRef":{"name":"globex-git"}}}}}`, gitHTTP.URL+"/platform.git"))
		patchImage("api", "registry.globex.example/shop/api:3")
		b := &platformv1alpha1.ReleaseBinding{}
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "api--development"}, b)).To(Succeed())
			c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(platformv1alpha1.ReasonRepositoryUnavailable))
			g.Expect(c.Message).To(ContainSubstring("authentication required"))
			g.Expect(c.Message).NotTo(ContainSubstring("wrong"))
		}).Should(Succeed())
		Expect(file("globex/shop/development/eu-1/api.yaml")).To(ContainSubstring("api:2"), "nothing was committed")

		t0 := time.Now()
		Expect(hub.Patch(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testbed.OperatorNamespace, Name: "globex-git"}},
			client.RawPatch(types.MergePatchType, []byte(`{"stringData":{"password":"s3cret"}}`)))).To(Succeed())
		release := latestRelease("api")
		expectBindingReady("api--development", release)
		Expect(file("globex/shop/development/eu-1/api.yaml")).To(ContainSubstring("api:3"))
		expectRunning(map[string][]string{"eu-1": {devNS}}, "api:3")
		AddReportEntry("credentials fixed → committed over HTTPS and synced by Argo CD", time.Since(t0).Round(time.Second).String())
		// Argo CD pulls the same repository over HTTP now, with the
		// credentials Aileron registered.
		repo := &corev1.Secret{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: fleet.ArgoCDNamespace, Name: "aileron-repo-globex"}, repo)).To(Succeed())
		Expect(string(repo.Data["url"])).To(Equal(gitHTTP.URL + "/platform.git"))
	})

	It("syncs a commit that fixes one the plane refuses, though Argo CD still retries the refused one", func() {
		eu := spokes["eu-1"]
		remove, err := testbed.RefuseImages(ctx, eu)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(remove)

		patchImage("api", "registry.globex.example/shop/api:refused")
		devApp := client.ObjectKey{Namespace: fleet.ArgoCDNamespace, Name: "globex--shop--development--eu-1"}
		Eventually(func(g Gomega) {
			app := &argocd.Application{}
			g.Expect(hub.Get(ctx, devApp, app)).To(Succeed())
			g.Expect(gitops.RetryingRevision(app)).NotTo(BeEmpty(), "Argo CD must be retrying the refused commit; %s", applicationStates())
			g.Expect(app.Status.OperationState.Message).To(ContainSubstring("do not run on this plane"))
		}).Should(Succeed())

		t0 := time.Now()
		patchImage("api", "registry.globex.example/shop/api:4")
		release := latestRelease("api")
		expectBindingReady("api--development", release)
		expectRunning(map[string][]string{"eu-1": {devNS}}, "api:4")
		AddReportEntry("fixing commit pushed while Argo CD retries a refused one → synced", time.Since(t0).Round(time.Second).String())
	})

	It("puts back at once an AppProject and an ApplicationSet deleted by hand, and the component keeps running", func() {
		project := &argocd.AppProject{ObjectMeta: metav1.ObjectMeta{Namespace: fleet.ArgoCDNamespace, Name: "aileron--globex"}}
		set := &argocd.ApplicationSet{ObjectMeta: metav1.ObjectMeta{Namespace: fleet.ArgoCDNamespace, Name: devNS}}
		uids := map[string]types.UID{}
		for _, o := range []client.Object{project, set} {
			Expect(hub.Get(ctx, client.ObjectKeyFromObject(o), o)).To(Succeed())
			uids[o.GetName()] = o.GetUID()
		}
		t0 := time.Now()
		Expect(hub.Delete(ctx, project)).To(Succeed())
		// As `kubectl delete --cascade=orphan` would: its Applications stay.
		Expect(hub.Delete(ctx, set, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
		Eventually(func(g Gomega) {
			for _, o := range []client.Object{project, set} {
				g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(o), o)).To(Succeed(), "%s was not put back", o.GetName())
				g.Expect(o.GetUID()).NotTo(Equal(uids[o.GetName()]), "%s is still the one deleted", o.GetName())
			}
		}).Should(Succeed())
		AddReportEntry("AppProject and ApplicationSet deleted by hand → put back", time.Since(t0).Round(100*time.Millisecond).String())
		expectBindingReady("api--development", "")
		expectRunning(map[string][]string{"eu-1": {devNS}}, "api:4")
	})

	It("generates one Application per cell and plane, whatever the number of components", func() {
		Expect(hub.Create(ctx, &platformv1alpha1.Project{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "crm"},
			Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}},
		})).To(Succeed())
		const perProject = 10
		for _, project := range []string{"shop", "crm"} {
			for i := range perProject - boolInt(project == "shop") {
				Expect(hub.Create(ctx, worker(fmt.Sprintf("%s-w%d", project, i), project))).To(Succeed())
			}
		}
		for _, project := range []string{"shop", "crm"} {
			for i := range perProject - boolInt(project == "shop") {
				name := fmt.Sprintf("%s-w%d", project, i)
				Expect(hub.Create(ctx, binding(name, "production", latestRelease(name)))).To(Succeed())
			}
		}
		// 2 projects × (development on 1 plane + production on 2 planes).
		want := 2 * (1 + 2)
		Eventually(applications).Should(HaveLen(want))
		Consistently(applications, 5*time.Second).Should(HaveLen(want))
		for _, project := range []string{"shop", "crm"} {
			for i := range perProject - boolInt(project == "shop") {
				name := fmt.Sprintf("%s-w%d", project, i)
				expectBindingReady(name+"--production", "")
			}
		}
		AddReportEntry("Applications for 2 projects × 2 environments (3 plane slots) with 20 components", fmt.Sprint(len(applications())))
	})

	It("removes a deleted component's files, and Argo CD prunes it from both planes", func() {
		t0 := time.Now()
		Expect(hub.Delete(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "api"}})).To(Succeed())
		// Aileron's part first, then Argo CD's: a failure says which of
		// the two held the removal up.
		Eventually(func(g Gomega) {
			for _, p := range []string{"globex/shop/development/eu-1/api.yaml", "globex/shop/production/eu-1/api.yaml", "globex/shop/production/na-1/api.yaml"} {
				g.Expect(file(p)).To(BeEmpty(), "%s is still in Git", p)
			}
		}).Should(Succeed())
		AddReportEntry("component deleted → its files removed from Git", time.Since(t0).Round(100*time.Millisecond).String())
		t1 := time.Now()
		Eventually(func(g Gomega) {
			for plane, nss := range apiRuns {
				for _, ns := range nss {
					err := spokes[plane].Get(ctx, client.ObjectKey{Namespace: ns, Name: "api"}, &appsv1.Deployment{})
					g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "api still runs on %s in %s; %s", plane, ns, applicationStates())
				}
			}
		}).Should(Succeed())
		AddReportEntry("files removed → Argo CD pruned api from both planes", time.Since(t1).Round(100*time.Millisecond).String())
	})

	It("removes a cell from Argo CD and the planes once its last component is gone", func() {
		for i := range 10 {
			_ = hub.Delete(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: fmt.Sprintf("crm-w%d", i)}})
		}
		crmProd := render.CellNamespace(org, "crm", "production")
		Eventually(func(g Gomega) {
			g.Expect(applications()).NotTo(ContainElement(HavePrefix("globex--crm--")))
			for _, plane := range []string{"eu-1", "na-1"} {
				err := spokes[plane].Get(ctx, client.ObjectKey{Name: crmProd}, &corev1.Namespace{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the crm cell is still on %s", plane)
			}
			g.Expect(file("globex/crm/production/na-1/_cell.yaml")).To(BeEmpty())
		}).Should(Succeed())
		Expect(applications()).To(ContainElement("globex--shop--production--na-1"), "the other cells stay")
	})

	It("delivers a platform-defined type and its traits through Git exactly as it renders them, and Argo CD judges them healthy", func() {
		Expect(fleet.CreateManifests(ctx, hub, "../../../config/samples/types/stateful-service.yaml")).To(Succeed())
		Expect(fleet.CreateManifests(ctx, hub, "../../../config/samples/types/pod-annotations.yaml")).To(Succeed())
		Expect(fleet.CreateManifests(ctx, hub, "../../../config/samples/types/persistent-volume.yaml")).To(Succeed())
		Expect(hub.Create(ctx, &platformv1alpha1.Project{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "data"},
			Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "standard"}},
		})).To(Succeed())
		// The development plane has no storage provisioner: volumes are
		// made for the one pod and the trait's claim, as a provisioner
		// would.
		for i := range 2 {
			pv := &corev1.PersistentVolume{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("globex-ledger-%d", i)},
				Spec: corev1.PersistentVolumeSpec{
					Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
					AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
					PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: fmt.Sprintf("/data/ledger-%d", i)}},
				},
			}
			Expect(spokes["eu-1"].Create(ctx, pv)).To(Succeed())
			DeferCleanup(func() { Expect(client.IgnoreNotFound(spokes["eu-1"].Delete(ctx, pv))).To(Succeed()) })
		}
		ledger := &platformv1alpha1.Component{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "ledger"},
			Spec: platformv1alpha1.ComponentSpec{
				ProjectRef: platformv1alpha1.LocalObjectReference{Name: "data"}, Type: "StatefulService",
				Image: "registry.globex.example/data/ledger:1", AutoDeploy: true,
				Endpoints: []platformv1alpha1.Endpoint{{Name: "pg", Port: 5432, Protocol: platformv1alpha1.ProtocolTCP}},
				Traits: []platformv1alpha1.ComponentTrait{
					{Name: "pod-annotations", InstanceName: "team", Parameters: &runtime.RawExtension{Raw: []byte(`{"key": "example.com/team", "value": "ledger"}`)}},
					{Name: "persistent-volume", InstanceName: "archive", Parameters: &runtime.RawExtension{Raw: []byte(`{"mountPath": "/var/archive"}`)}},
				},
			},
		}
		Expect(hub.Create(ctx, ledger)).To(Succeed())
		release := latestRelease("ledger")
		expectBindingReady("ledger--development", release)

		// What Git holds is the render of the release, object for object.
		rel := &platformv1alpha1.Release{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: release}, rel)).To(Succeed())
		dp := &platformv1alpha1.DataPlane{}
		Expect(hub.Get(ctx, client.ObjectKey{Name: "eu-1"}, dp)).To(Succeed())
		want, err := render.Binding(bindingpkg.RenderInput(org, "data", "development", rel, platformv1alpha1.BindingActive, bindingpkg.Configuration{}, dp, nil))
		Expect(err).NotTo(HaveOccurred())
		committed, err := fleet.DecodeManifests([]byte(file("globex/data/development/eu-1/ledger.yaml")))
		Expect(err).NotTo(HaveOccurred())
		Expect(committed).To(HaveLen(len(want.Component)))
		for i, o := range want.Component {
			got, err := json.Marshal(committed[i].Object)
			Expect(err).NotTo(HaveOccurred())
			rendered, err := json.Marshal(o.Object)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(MatchJSON(rendered), "%s %s in Git", o.GetKind(), o.GetName())
		}
		sts := &appsv1.StatefulSet{}
		cell := render.CellNamespace(org, "data", "development")
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "ledger"}, sts)).To(Succeed())
		Expect(sts.Spec.Template.Annotations).To(HaveKeyWithValue("example.com/team", "ledger"))
		Expect(sts.Spec.Template.Spec.Containers[0].SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
		Expect(sts.Spec.Template.Spec.Containers[0].VolumeMounts).To(ContainElement(HaveField("MountPath", "/var/archive")))
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "ledger-archive"}, &corev1.PersistentVolumeClaim{})).To(Succeed())
		Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "ledger"}, &policyv1.PodDisruptionBudget{})).To(Succeed())

		Expect(hub.Delete(ctx, ledger)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: cell, Name: "ledger"}, &appsv1.StatefulSet{}))
		}).Should(BeTrue())
	})
})

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func api(image string) *platformv1alpha1.Component {
	return testbed.Service(org, "shop", "api", image)
}

func worker(name, project string) *platformv1alpha1.Component {
	return &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: project}, Type: platformv1alpha1.ComponentWorker,
			Image: "registry.globex.example/" + project + "/" + name + ":1", AutoDeploy: true,
		},
	}
}

func binding(component, env, release string) *platformv1alpha1.ReleaseBinding {
	return testbed.Binding(org, component, env, release)
}

func latestRelease(component string) string {
	c := &platformv1alpha1.Component{}
	var release string
	EventuallyWithOffset(1, func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: component}, c)).To(Succeed())
		g.Expect(c.Status.LatestRelease).NotTo(BeEmpty())
		g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
		release = c.Status.LatestRelease
	}).Should(Succeed())
	return release
}

func patchImage(component, image string) {
	ExpectWithOffset(1, hub.Patch(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component}},
		client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"image":%q}}`, image))))).To(Succeed())
}

func moveBinding(name, release string) {
	ExpectWithOffset(1, hub.Patch(ctx, &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name}},
		client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"release":%q}}`, release))))).To(Succeed())
}

func setDelivery(plane string, mode platformv1alpha1.DeliveryMode) {
	ExpectWithOffset(1, hub.Patch(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: plane}},
		client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"delivery":%q}}`, mode))))).To(Succeed())
}

func patchOrg(patch string) {
	ExpectWithOffset(1, hub.Patch(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: org}},
		client.RawPatch(types.MergePatchType, []byte(patch)))).To(Succeed())
}

// expectBindingReady waits until the binding is Ready at release (any
// release when empty).
func expectBindingReady(name, release string) {
	EventuallyWithOffset(1, func(g Gomega) {
		b := &platformv1alpha1.ReleaseBinding{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, b)).To(Succeed())
		c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
		g.Expect(c).NotTo(BeNil(), "%s has no Ready condition", name)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", name, c.Message)
		if release != "" {
			g.Expect(b.Status.Release).To(Equal(release))
		}
	}).Should(Succeed())
}

func planeStatus(g Gomega, binding, plane string) platformv1alpha1.PlaneDeliveryStatus {
	b := &platformv1alpha1.ReleaseBinding{}
	g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: binding}, b)).To(Succeed())
	for _, st := range b.Status.Planes {
		if st.Plane == plane {
			return st
		}
	}
	g.Expect(plane).To(BeEmpty(), "binding %s reports nothing for plane %s", binding, plane)
	return platformv1alpha1.PlaneDeliveryStatus{}
}

// expectRunning waits until api's Deployment is Available with image on
// every plane and namespace of where.
func expectRunning(where map[string][]string, image string) {
	EventuallyWithOffset(1, func(g Gomega) {
		for plane, nss := range where {
			for _, ns := range nss {
				d := &appsv1.Deployment{}
				g.Expect(spokes[plane].Get(ctx, client.ObjectKey{Namespace: ns, Name: "api"}, d)).To(Succeed(), "api on %s in %s", plane, ns)
				g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(image))
				g.Expect(d.Status.ObservedGeneration).To(Equal(d.Generation))
				g.Expect(d.Status.AvailableReplicas).To(BeNumerically(">=", 1), "api on %s in %s", plane, ns)
			}
		}
	}).Should(Succeed())
}

// watchAvailable counts the polls at which the Deployment is missing or
// has no available replica, until the returned function is called.
func watchAvailable(c client.Client, key client.ObjectKey, gaps *atomic.Int32) func() {
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		for {
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
			d := &appsv1.Deployment{}
			if err := c.Get(ctx, key, d); apierrors.IsNotFound(err) || err == nil && d.Status.AvailableReplicas < 1 {
				gaps.Add(1)
			}
		}
	}()
	return func() { close(done) }
}

func managers(g Gomega, plane string, key client.ObjectKey) []string {
	d := &appsv1.Deployment{}
	g.Expect(spokes[plane].Get(ctx, key, d)).To(Succeed())
	var out []string
	for _, e := range d.ManagedFields {
		if e.Operation == metav1.ManagedFieldsOperationApply || e.Manager == argocd.FieldManager {
			out = append(out, e.Manager)
		}
	}
	return out
}

func applications() []string {
	list := &argocd.ApplicationList{}
	ExpectWithOffset(1, hub.List(ctx, list, client.InNamespace(fleet.ArgoCDNamespace), client.MatchingLabels{platformv1alpha1.LabelOrganization: org})).To(Succeed())
	var out []string
	for _, a := range list.Items {
		if a.DeletionTimestamp.IsZero() {
			out = append(out, a.Name)
		}
	}
	return out
}

// applicationStates describes what Argo CD reports of every Application
// of the organization, for a failure message.
func applicationStates() string {
	list := &argocd.ApplicationList{}
	if err := hub.List(ctx, list, client.InNamespace(fleet.ArgoCDNamespace), client.MatchingLabels{platformv1alpha1.LabelOrganization: org}); err != nil {
		return err.Error()
	}
	var out []string
	for _, a := range list.Items {
		op := "no operation"
		if s := a.Status.OperationState; s != nil {
			op = s.Phase + ": " + s.Message
		}
		out = append(out, fmt.Sprintf("%s: sync %s at %.7s, %s", a.Name, a.Status.Sync.Status, a.Status.Sync.Revision, op))
	}
	return strings.Join(out, "; ")
}

// file returns a file of the repository's main branch, empty if absent.
func file(path string) string {
	repo, err := git.PlainOpen(repoDir)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ref, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	if err != nil {
		return ""
	}
	c, err := repo.CommitObject(ref.Hash())
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	f, err := c.File(path)
	if err != nil {
		return ""
	}
	s, err := f.Contents()
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return s
}

func commitMessages() []string {
	repo, err := git.PlainOpen(repoDir)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ref, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	log, err := repo.Log(&git.LogOptions{From: ref.Hash()})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	var out []string
	_ = log.ForEach(func(c *object.Commit) error {
		out = append(out, strings.TrimSpace(c.Message))
		return nil
	})
	return out
}
