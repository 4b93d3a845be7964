package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/netpol"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/resolve"
	"github.com/aileron-dev/aileron/test/testbed"
)

const org = "acme"

var components = []string{"api", "web", "worker", "nightly-report"}

// where each environment runs, by the samples.
var environmentPlanes = map[string][]string{
	"development": {"asia-1"},
	"staging":     {"eu-1"},
	"production":  {"eu-1", "na-1"},
}

var _ = Describe("The sample platform", Ordered, func() {
	It("becomes Ready when config/samples is applied", func() {
		samples, err := filepath.Glob(repoPath("config", "samples", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var all []*unstructured.Unstructured
		for i, file := range samples {
			applyFile(hub, file)
			all = append(all, readObjects(file)...)
			if i == 0 {
				// The organization's namespace, where everything else goes.
				Eventually(func() error {
					return hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{})
				}).Should(Succeed())
			}
		}
		for _, obj := range all {
			expectReady(obj)
		}
	})

	It("runs every component on the right planes once promoted", func() {
		for _, name := range components {
			c := &platformv1alpha1.Component{}
			Eventually(func(g Gomega) {
				g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, c)).To(Succeed())
				g.Expect(c.Status.LatestRelease).NotTo(BeEmpty())
			}).Should(Succeed())
			for _, env := range []string{"staging", "production"} {
				Expect(hub.Create(ctx, newBinding(name, env, c.Status.LatestRelease))).To(Succeed())
			}
		}
		for _, name := range components {
			for env := range environmentPlanes {
				expectReady(&platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name + "--" + env}})
			}
			expectReady(&platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name}})
		}

		for env, planes := range environmentPlanes {
			ns := render.CellNamespace(org, "shop", env)
			for _, spoke := range f.Spokes {
				runsThere := contains(planes, spoke.Name)
				for _, name := range []string{"api", "web", "worker"} {
					d := &appsv1.Deployment{}
					err := spokes[spoke.Name].Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d)
					if !runsThere {
						Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s must not run on %s in %s", name, spoke.Name, env)
						continue
					}
					Expect(err).NotTo(HaveOccurred(), "%s must run on %s in %s", name, spoke.Name, env)
					Expect(d.Status.AvailableReplicas).To(BeNumerically(">=", 1))
					Expect(meta.IsStatusConditionTrue(toConditions(d.Status.Conditions), string(appsv1.DeploymentAvailable))).To(BeTrue())
				}
				err := spokes[spoke.Name].Get(ctx, client.ObjectKey{Namespace: ns, Name: "nightly-report"}, &batchv1.CronJob{})
				Expect(err == nil).To(Equal(runsThere), "the nightly report on %s in %s: %v", spoke.Name, env, err)
			}
		}
	})

	It("shows per environment and per plane where each component runs", func() {
		web := &platformv1alpha1.Component{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "web"}, web)).To(Succeed())
		Expect(web.Status.Environments).To(HaveLen(3))
		for _, st := range web.Status.Environments {
			want := int32(len(environmentPlanes[st.Environment]))
			Expect(st.ReadyPlanes).To(Equal(want), st.Environment)
			Expect(st.TotalPlanes).To(Equal(want), st.Environment)
			Expect(st.Release).To(Equal(web.Status.LatestRelease))
			if st.Environment == "production" {
				Expect(st.URLs).To(ConsistOf("https://web--shop--production--acme.eu-1.apps.acme.example/", "https://web--shop--production--acme.na-1.apps.acme.example/"))
			}
		}
		b := &platformv1alpha1.ReleaseBinding{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "api--production"}, b)).To(Succeed())
		Expect(b.Status.Planes).To(HaveLen(2))
		for _, p := range b.Status.Planes {
			Expect(p.Health).To(Equal(platformv1alpha1.HealthHealthy))
			Expect(p.Namespace).To(Equal("acme--shop--production"))
			Expect(p.Inventory).NotTo(BeEmpty())
		}
	})

	It("grants the organization's groups their roles in its namespace, and nothing elsewhere", func() {
		devConfig, err := f.UserConfig(f.Hub, "dana", "acme:developers")
		Expect(err).NotTo(HaveOccurred())
		dev, err := client.New(devConfig, client.Options{Scheme: hub.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		Expect(dev.List(ctx, &platformv1alpha1.ComponentList{}, client.InNamespace(org))).To(Succeed(), "developers read components")
		env := &platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "sandbox"},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: "asia-1"}},
		}
		Expect(apierrors.IsForbidden(dev.Create(ctx, env))).To(BeTrue(), "developers do not manage environments")
		Expect(apierrors.IsForbidden(dev.List(ctx, &platformv1alpha1.ComponentList{}, client.InNamespace(operatorNamespace)))).To(BeTrue(),
			"the grant stops at the organization's namespace")
		Expect(apierrors.IsForbidden(dev.List(ctx, &corev1.SecretList{}, client.InNamespace(org)))).To(BeTrue(), "developers read no Secrets")

		// Another tenant: its developers and acme's are fenced from each
		// other's namespaces, as the hub's authorizer answers.
		Expect(hub.Create(ctx, &platformv1alpha1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: "initech"},
			Spec:       platformv1alpha1.OrganizationSpec{DeveloperGroups: []string{"initech:developers"}},
		})).To(Succeed())
		allowed := func(user, group, namespace string) bool {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user, Groups: []string{group, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: namespace, Verb: "list", Group: platformv1alpha1.GroupVersion.Group, Resource: "components",
				},
			}}
			ExpectWithOffset(1, hub.Create(ctx, sar)).To(Succeed())
			return sar.Status.Allowed
		}
		Eventually(func() bool { return allowed("ines", "initech:developers", "initech") }).Should(BeTrue(), "initech's developers read their components")
		Expect(allowed("dana", "acme:developers", "initech")).To(BeFalse(), "acme's developers do not reach initech")
		Expect(allowed("ines", "initech:developers", org)).To(BeFalse(), "initech's developers do not reach acme")
		Expect(allowed("dana", "acme:developers", org)).To(BeTrue())
		Expect(apierrors.IsForbidden(dev.List(ctx, &platformv1alpha1.ComponentList{}, client.InNamespace("initech")))).To(BeTrue(),
			"acme's developers cannot list initech's components")
		Expect(hub.Delete(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "initech"}})).To(Succeed())
		// Gone before the next specs, which look at every organization.
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: "initech"}, &platformv1alpha1.Organization{}))
		}).Should(BeTrue())

		adminConfig, err := f.UserConfig(f.Hub, "ada", "acme:platform")
		Expect(err).NotTo(HaveOccurred())
		admin, err := client.New(adminConfig, client.Options{Scheme: hub.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.Create(ctx, env, client.DryRunAll)).To(Succeed(), "organization admins manage environments")
	})

	It("marks a plane unreachable at once when it refuses the credentials, and recovers when the Secret is fixed", func() {
		secret := &corev1.Secret{}
		key := client.ObjectKey{Namespace: operatorNamespace, Name: "asia-1-kubeconfig"}
		Expect(hub.Get(ctx, key, secret)).To(Succeed())
		good := secret.Data["kubeconfig"]
		badKubeconfig, err := testbed.RefusedKubeconfig(f.Spoke("asia-1"))
		Expect(err).NotTo(HaveOccurred())

		secret.Data["kubeconfig"] = badKubeconfig
		Expect(hub.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			dp := &platformv1alpha1.DataPlane{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: "asia-1"}, dp)).To(Succeed())
			c := meta.FindStatusCondition(dp.Status.Conditions, platformv1alpha1.ConditionReachable)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(platformv1alpha1.ReasonUnauthorized))
			g.Expect(c.Message).To(ContainSubstring("refused the credentials of Secret aileron-system/asia-1-kubeconfig"))
			g.Expect(c.Message).NotTo(ContainSubstring("a-token-nobody-issued"), "credentials never appear in status")
		}).WithTimeout(30 * time.Second).Should(Succeed())

		Expect(hub.Get(ctx, key, secret)).To(Succeed())
		secret.Data["kubeconfig"] = good
		Expect(hub.Update(ctx, secret)).To(Succeed())
		expectReady(&platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "asia-1"}})
	})

	It("answers kubectl wait --for=condition=Ready on every kind", func() {
		kubectl := filepath.Join(os.Getenv(fleet.EnvKubeAssets), "kubectl")
		for _, kind := range []string{"organizations", "dataplanes", "buildplanes", "observabilityplanes"} {
			out, err := exec.Command(kubectl, "--kubeconfig", f.Hub.KubeconfigPath, "wait", "--for=condition=Ready", "--timeout=60s", kind, "--all").CombinedOutput()
			Expect(err).NotTo(HaveOccurred(), string(out))
		}
		for _, kind := range []string{"environments", "deploymentpipelines", "projects", "components", "releasebindings"} {
			out, err := exec.Command(kubectl, "--kubeconfig", f.Hub.KubeconfigPath, "-n", org, "wait", "--for=condition=Ready", "--timeout=60s", kind, "--all").CombinedOutput()
			Expect(err).NotTo(HaveOccurred(), string(out))
		}
	})

	It("opens exactly the declared network paths between the cell's workloads", func() {
		for _, plane := range []string{"eu-1", "na-1"} {
			c := spokes[plane]
			ns := render.CellNamespace(org, "shop", "production")
			policies := &networkingv1.NetworkPolicyList{}
			Expect(c.List(ctx, policies, client.InNamespace(ns))).To(Succeed())
			namespace := &corev1.Namespace{}
			Expect(c.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
			Expect(namespace.Labels).To(HaveKeyWithValue("pod-security.kubernetes.io/enforce", "restricted"))

			workloads := map[string]netpol.Endpoint{}
			deployments := &appsv1.DeploymentList{}
			Expect(c.List(ctx, deployments, client.InNamespace(ns))).To(Succeed())
			for _, d := range deployments.Items {
				workloads[d.Name] = netpol.Endpoint{Namespace: ns, NamespaceLabels: namespace.Labels, Labels: d.Spec.Template.Labels}
			}
			cronJobs := &batchv1.CronJobList{}
			Expect(c.List(ctx, cronJobs, client.InNamespace(ns))).To(Succeed())
			for _, cj := range cronJobs.Items {
				workloads[cj.Name] = netpol.Endpoint{Namespace: ns, NamespaceLabels: namespace.Labels, Labels: cj.Spec.JobTemplate.Spec.Template.Labels}
			}
			Expect(workloads).To(HaveLen(4))
			ports := map[string][]int32{"api": {8080}, "web": {3000}}
			declared := map[[2]string]bool{{"web", "api"}: true, {"worker", "api"}: true, {"nightly-report", "api"}: true}
			for from := range workloads {
				for to, toPorts := range ports {
					if from == to {
						continue
					}
					for _, port := range toPorts {
						Expect(netpol.Allowed(policies.Items, workloads[from], workloads[to], port)).To(Equal(declared[[2]string{from, to}]),
							"%s → %s:%d on %s", from, to, port, plane)
					}
				}
			}
			gateway := netpol.Endpoint{Namespace: "aileron-gateway", NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "aileron-gateway"}}
			Expect(netpol.Allowed(policies.Items, gateway, workloads["web"], 3000)).To(BeTrue(), "the gateway reaches the public web front end")
			Expect(netpol.Allowed(policies.Items, gateway, workloads["api"], 8080)).To(BeFalse(), "the gateway does not reach the internal API")
		}
	})

	It("restores a Deployment deleted on a plane by hand at once, before the resync", func() {
		c := spokes["eu-1"]
		key := client.ObjectKey{Namespace: "acme--shop--production", Name: "api"}
		d := &appsv1.Deployment{}
		Expect(c.Get(ctx, key, d)).To(Succeed())
		uid := d.UID
		Expect(c.Delete(ctx, d)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, key, d)).To(Succeed())
			g.Expect(d.UID).NotTo(Equal(uid))
		}).WithTimeout(resync/2).Should(Succeed(), "the plane's watch reports the deletion; the resync must not be needed")
	})

	It("restores an object changed on a plane by hand at the resync", func() {
		c := spokes["eu-1"]
		cm := &corev1.ConfigMap{}
		key := client.ObjectKey{Namespace: "acme--shop--production", Name: "api-env"}
		Expect(c.Get(ctx, key, cm)).To(Succeed())
		Expect(cm.Data).To(HaveKeyWithValue("LOG_LEVEL", "info"))
		cm.Data["LOG_LEVEL"] = "debug"
		Expect(c.Update(ctx, cm, client.FieldOwner("kubectl-edit"))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(c.Get(ctx, key, cm)).To(Succeed())
			g.Expect(cm.Data).To(HaveKeyWithValue("LOG_LEVEL", "info"))
		}).WithTimeout(resync + 30*time.Second).Should(Succeed())
	})

	It("reports bad input on the object, and delivers nothing for it", func() {
		badProject := component("ghost", "no-such-project", nil)
		Expect(hub.Create(ctx, badProject)).To(Succeed())
		expectNotReady(badProject, "Project no-such-project does not exist in organization acme")

		badDependency := component("orphan", "shop", []platformv1alpha1.Dependency{{Component: "no-such-component", Endpoint: "http"}})
		Expect(hub.Create(ctx, badDependency)).To(Succeed())
		expectNotReady(badDependency, "component no-such-component does not exist")

		badEndpoint := component("misdialled", "shop", []platformv1alpha1.Dependency{{Component: "api", Endpoint: "grpc"}})
		Expect(hub.Create(ctx, badEndpoint)).To(Succeed())
		expectNotReady(badEndpoint, "component api has no endpoint grpc (its endpoints: http)")

		for _, c := range []*platformv1alpha1.Component{badProject, badDependency, badEndpoint} {
			Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			Expect(c.Status.LatestRelease).To(BeEmpty(), "%s must not be released", c.Name)
			bindings := &platformv1alpha1.ReleaseBindingList{}
			Expect(hub.List(ctx, bindings, client.InNamespace(org), client.MatchingLabels{platformv1alpha1.LabelComponent: c.Name})).To(Succeed())
			Expect(bindings.Items).To(BeEmpty())
			Expect(hub.Delete(ctx, c)).To(Succeed())
		}

		createKubeconfigSecret("broken-kubeconfig", []byte("this is not a kubeconfig"))
		broken := plane("broken", "broken-kubeconfig", "")
		Expect(hub.Create(ctx, broken)).To(Succeed())
		expectNotReady(broken, `key "kubeconfig" of Secret aileron-system/broken-kubeconfig is not a usable kubeconfig`)

		missing := plane("lost", "no-such-secret", "")
		Expect(hub.Create(ctx, missing)).To(Succeed())
		expectNotReady(missing, "Secret aileron-system/no-such-secret was not found")

		wrongKey := plane("mislabelled", "eu-1-kubeconfig", "config")
		Expect(hub.Create(ctx, wrongKey)).To(Succeed())
		expectNotReady(wrongKey, `Secret aileron-system/eu-1-kubeconfig has no key "config" (its keys: kubeconfig)`)
		for _, p := range []*platformv1alpha1.DataPlane{broken, missing, wrongKey} {
			Expect(hub.Delete(ctx, p)).To(Succeed())
		}
	})

	It("delivers a binding applied before its release exists, once the release is made", func() {
		early := component("early", "shop", nil)
		release, err := binding.NewRelease(early, early.Spec.Image, resolve.PinBuiltin(string(early.Spec.Type)))
		Expect(err).NotTo(HaveOccurred())
		b := newBinding("early", "staging", release.Name)
		Expect(hub.Create(ctx, b)).To(Succeed())
		expectNotReady(b, "Release "+release.Name+" does not exist")
		Expect(hub.Create(ctx, early)).To(Succeed())
		expectReady(b)
		Expect(hub.Delete(ctx, b)).To(Succeed())
		Expect(hub.Delete(ctx, early)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKeyFromObject(early), &platformv1alpha1.Component{}))
		}).Should(BeTrue())
	})

	It("keeps delivering to the other planes while one is down, and converges when it returns", func() {
		na := f.Spoke("na-1")
		next := newRelease("api", "registry.acme.example/shop/api:1.9.0")
		na.StopAPIServer()
		stopped := time.Now()
		movedProduction := patchBinding("api--production", next)
		Expect(movedProduction).To(Succeed())

		Eventually(func(g Gomega) {
			dp := &platformv1alpha1.DataPlane{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: "na-1"}, dp)).To(Succeed())
			g.Expect(meta.IsStatusConditionFalse(dp.Status.Conditions, platformv1alpha1.ConditionReachable)).To(BeTrue())
		}).WithTimeout(30*time.Second).Should(Succeed(), "na-1 must be Reachable=False within 30 s")
		GinkgoWriter.Printf("na-1 marked unreachable %s after its API server stopped\n", time.Since(stopped).Round(time.Second))

		Eventually(func(g Gomega) {
			d := &appsv1.Deployment{}
			g.Expect(spokes["eu-1"].Get(ctx, client.ObjectKey{Namespace: "acme--shop--production", Name: "api"}, d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.acme.example/shop/api:1.9.0"))
			g.Expect(d.Status.UpdatedReplicas).To(Equal(*d.Spec.Replicas))
			g.Expect(d.Status.AvailableReplicas).To(Equal(*d.Spec.Replicas))
		}).Should(Succeed(), "eu-1 finishes the rollout while na-1 is down")
		expectNotReady(&platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "api--production"}}, "na-1")

		Expect(na.StartAPIServer(ctx)).To(Succeed())
		expectReady(&platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "api--production"}})
		for _, p := range environmentPlanes["production"] {
			deployments := &appsv1.DeploymentList{}
			Expect(spokes[p].List(ctx, deployments, client.InNamespace("acme--shop--production"))).To(Succeed())
			Expect(deployments.Items).To(HaveLen(3), "nothing duplicated on %s", p)
			for _, d := range deployments.Items {
				if d.Name == "api" {
					Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.acme.example/shop/api:1.9.0"))
				}
			}
		}
	})

	It("removes a deleted component from live planes at once, and from a returning plane once it returns", func() {
		na := f.Spoke("na-1")
		na.StopAPIServer()
		Expect(hub.Delete(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "worker"}})).To(Succeed())

		for env, planes := range environmentPlanes {
			for _, p := range planes {
				if p == "na-1" {
					continue
				}
				Eventually(func() bool {
					err := spokes[p].Get(ctx, client.ObjectKey{Namespace: render.CellNamespace(org, "shop", env), Name: "worker"}, &appsv1.Deployment{})
					return apierrors.IsNotFound(err)
				}).Should(BeTrue(), "worker leaves %s in %s while na-1 is down", p, env)
			}
		}
		Eventually(func(g Gomega) {
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "worker--production"}, b)).To(Succeed())
			c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionDeletionBlocked)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Message).To(ContainSubstring("na-1"))
		}).Should(Succeed(), "the binding says which plane it waits for")

		Expect(na.StartAPIServer(ctx)).To(Succeed())
		Eventually(func() bool {
			err := hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "worker"}, &platformv1alpha1.Component{})
			return apierrors.IsNotFound(err)
		}).Should(BeTrue(), "the component goes once na-1 is clean")
		for _, s := range f.Spokes {
			Expect(countLabelled(spokes[s.Name], map[string]string{platformv1alpha1.LabelComponent: "worker"})).To(BeZero(), "worker objects left on %s", s.Name)
		}
	})

	It("leaves nothing on the hub or any plane when the organization is deleted", func() {
		Expect(hub.Delete(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: org}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: org}, &platformv1alpha1.Organization{}))
		}).Should(BeTrue())
		Expect(apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{}))).To(BeTrue())
		for _, s := range f.Spokes {
			Eventually(func() int {
				return countLabelled(spokes[s.Name], map[string]string{platformv1alpha1.LabelOrganization: org})
			}).Should(BeZero(), "objects of %s left on %s", org, s.Name)
		}
	})
})

func newBinding(component, env, release string) *platformv1alpha1.ReleaseBinding {
	return testbed.Binding(org, component, env, release)
}

func component(name, project string, deps []platformv1alpha1.Dependency) *platformv1alpha1.Component {
	return &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: project}, Type: platformv1alpha1.ComponentWorker,
			Image: "registry.acme.example/shop/" + name + ":1", Dependencies: deps, AutoDeploy: true,
		},
	}
}

func plane(name, secret, key string) *platformv1alpha1.DataPlane {
	return &platformv1alpha1.DataPlane{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: platformv1alpha1.DataPlaneSpec{PlaneConnection: platformv1alpha1.PlaneConnection{
			KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: secret, Key: key},
		}},
	}
}

// newRelease changes a component's image and returns the Release it makes.
func newRelease(name, image string) string {
	c := &platformv1alpha1.Component{}
	Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, c)).To(Succeed())
	before := c.Status.LatestRelease
	patch := client.MergeFrom(c.DeepCopy())
	c.Spec.Image = image
	Expect(hub.Patch(ctx, c, patch)).To(Succeed())
	var release string
	Eventually(func(g Gomega) {
		g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
		g.Expect(c.Status.LatestRelease).NotTo(Equal(before))
		release = c.Status.LatestRelease
	}).Should(Succeed())
	return release
}

func patchBinding(name, release string) error {
	b := &platformv1alpha1.ReleaseBinding{}
	if err := hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, b); err != nil {
		return err
	}
	patch := client.MergeFrom(b.DeepCopy())
	b.Spec.Release = release
	return hub.Patch(ctx, b, patch)
}

// countLabelled counts the objects with labels on a spoke, across every
// kind Aileron delivers.
func countLabelled(c client.Client, labels map[string]string) int {
	n := 0
	for _, list := range []client.ObjectList{
		&corev1.NamespaceList{}, &appsv1.DeploymentList{}, &batchv1.CronJobList{}, &corev1.ServiceList{},
		&corev1.ConfigMapList{}, &corev1.ServiceAccountList{}, &networkingv1.NetworkPolicyList{},
	} {
		Expect(c.List(ctx, list, client.MatchingLabels(labels))).To(Succeed())
		items, err := meta.ExtractList(list)
		Expect(err).NotTo(HaveOccurred())
		n += len(items)
	}
	return n
}

func toConditions(conds []appsv1.DeploymentCondition) []metav1.Condition {
	out := make([]metav1.Condition, 0, len(conds))
	for _, c := range conds {
		out = append(out, metav1.Condition{Type: string(c.Type), Status: metav1.ConditionStatus(c.Status)})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
