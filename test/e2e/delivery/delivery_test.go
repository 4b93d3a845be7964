package delivery

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/test/testbed"
)

const (
	org    = "initech"
	stuck  = "umbrella"
	stuckN = 6
)

var _ = Describe("Delivery", Ordered, func() {
	// usual is how long a component of initech takes to reach both planes
	// when nothing stalls.
	var usual time.Duration

	BeforeAll(func() {
		Expect(fleet.CreateManifests(ctx, hub, "testdata/01-organizations.yaml")).To(Succeed())
		// umbrella's repository takes credentials, which Argo CD gets as a
		// repository Secret in its namespace.
		Expect(hub.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testbed.OperatorNamespace, Name: "umbrella-git"},
			Data:       map[string][]byte{"username": []byte("aileron"), "password": []byte("s3cret")},
		})).To(Succeed())
		Expect(hub.Create(ctx, &platformv1alpha1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: stuck},
			Spec: platformv1alpha1.OrganizationSpec{DisplayName: "Umbrella", GitOps: &platformv1alpha1.GitOpsSpec{
				Repository: platformv1alpha1.GitRepository{URL: stalled.URL, Branch: "main", SecretRef: &platformv1alpha1.LocalObjectReference{Name: "umbrella-git"}},
			}},
		})).To(Succeed())
		for _, ns := range []string{org, stuck} {
			Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}) }).Should(Succeed())
		}
		Expect(fleet.CreateManifests(ctx, hub, "testdata/02-platform.yaml")).To(Succeed())
		start := time.Now()
		Expect(hub.Create(ctx, testbed.Service(org, "billing", "first", "registry.initech.example/billing/first:1"))).To(Succeed())
		for _, p := range []string{"eu-1", "eu-2"} {
			expectDeployment(p, "development", "first")
		}
		usual = time.Since(start)
		AddReportEntry("a component reaches two direct planes in", usual.Round(time.Millisecond).String())
	})

	It("goes on for every other organization while one organization's Git server stalls", func() {
		for i := range stuckN {
			Expect(hub.Create(ctx, testbed.Service(stuck, "hive", fmt.Sprintf("hive-%d", i), "registry.umbrella.example/hive:1"))).To(Succeed())
		}
		Eventually(func(g Gomega) {
			bindings := &platformv1alpha1.ReleaseBindingList{}
			g.Expect(hub.List(ctx, bindings, client.InNamespace(stuck))).To(Succeed())
			g.Expect(bindings.Items).To(HaveLen(stuckN))
		}).Should(Succeed())
		Eventually(stalled.Accepted).Should(BeNumerically(">=", 1), "nothing ever reached the stalled server")
		// More bindings wait on the stalled repository than the binding
		// controller has workers, and the server holds every connection
		// open: another organization's component is delivered as usual
		// meanwhile.
		start := time.Now()
		Expect(hub.Create(ctx, testbed.Service(org, "billing", "second", "registry.initech.example/billing/second:1"))).To(Succeed())
		for _, p := range []string{"eu-1", "eu-2"} {
			expectDeploymentWithin(p, "development", "second", max(3*usual, 20*time.Second))
		}
		AddReportEntry("with a stalled Git server, a direct component reaches two planes in", time.Since(start).Round(time.Millisecond).String())
		// The stalled organization's bindings say what holds them up.
		for i := range stuckN {
			key := client.ObjectKey{Namespace: stuck, Name: fmt.Sprintf("hive-%d--development", i)}
			expectCondition(key, platformv1alpha1.ConditionReady, metav1.ConditionFalse, platformv1alpha1.ReasonRepositoryUnavailable, stalled.URL)
		}
	})

	It("stalls a release the plane refuses, tries it again with a growing delay, and at once when it changes", func() {
		eu1 := bed.Spokes["eu-1"]
		remove, err := testbed.RefuseImages(ctx, eu1)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(remove)
		Expect(hub.Create(ctx, testbed.Service(org, "billing", "stuck", "registry.initech.example/billing/stuck:refused"))).To(Succeed())
		key := client.ObjectKey{Namespace: org, Name: "stuck--development"}
		expectCondition(key, platformv1alpha1.ConditionStalled, metav1.ConditionTrue, platformv1alpha1.ReasonRenderRefused, testbed.RefusedMessage)
		expectCondition(key, platformv1alpha1.ConditionReady, metav1.ConditionFalse, platformv1alpha1.ReasonRenderRefused, testbed.RefusedMessage)
		// Unchanged, it is tried again after 5, 10, 20 s…: 3 times in 30 s
		// at most (every 3 s, it was 10).
		before := denials()
		time.Sleep(30 * time.Second)
		tries := denials() - before
		AddReportEntry("attempts at a refused render in 30 s", tries)
		Expect(tries).To(BeNumerically("<=", 3))

		// A change is tried at once.
		Expect(hub.Patch(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "stuck"}},
			client.RawPatch(types.MergePatchType, []byte(`{"spec":{"image":"registry.initech.example/billing/stuck:2"}}`)))).To(Succeed())
		Eventually(func(g Gomega) {
			d := &appsv1.Deployment{}
			g.Expect(eu1.Get(ctx, deploymentKey("development", "stuck"), d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(":2"))
		}).WithTimeout(15 * time.Second).Should(Succeed())
		Eventually(func(g Gomega) {
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, key, b)).To(Succeed())
			g.Expect(meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionStalled)).To(BeNil())
		}).Should(Succeed())
	})

	It("puts back the Argo CD Secrets deleted by hand within a resync period, though it may not watch them", func() {
		// The manager writes Secrets in Argo CD's namespace and may not
		// read them: they are applied again every resync period.
		const resync = 10 * time.Second
		stopManager()
		opts := testbed.TestOptions()
		opts.ResyncPeriod = resync
		stop, err := bed.StartManager(ctx, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			stop()
			startManager()
		})
		secrets := []client.ObjectKey{
			{Namespace: fleet.ArgoCDNamespace, Name: gitops.ClusterSecretName("git-1")},
			{Namespace: fleet.ArgoCDNamespace, Name: gitops.RepositorySecretName(stuck)},
		}
		for _, key := range secrets {
			Eventually(func() error { return hub.Get(ctx, key, &corev1.Secret{}) }).Should(Succeed(), "%s", key)
		}
		// Twice: the first time, the new manager may still be writing
		// them for the first time; by the second, it wrote each once.
		for range 2 {
			t0 := time.Now()
			for _, key := range secrets {
				Expect(hub.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}})).To(Succeed())
			}
			for _, key := range secrets {
				Eventually(func() error { return hub.Get(ctx, key, &corev1.Secret{}) }).WithTimeout(3*resync).Should(Succeed(), "%s was not put back", key)
			}
			AddReportEntry(fmt.Sprintf("Argo CD Secrets deleted by hand → back, resync period %s", resync), time.Since(t0).Round(time.Second).String())
		}
		// Applied again unchanged, they are not written.
		versions := map[client.ObjectKey]string{}
		for _, key := range secrets {
			secret := &corev1.Secret{}
			Expect(hub.Get(ctx, key, secret)).To(Succeed())
			versions[key] = secret.ResourceVersion
		}
		time.Sleep(resync + 5*time.Second)
		for _, key := range secrets {
			secret := &corev1.Secret{}
			Expect(hub.Get(ctx, key, secret)).To(Succeed())
			Expect(secret.ResourceVersion).To(Equal(versions[key]), "%s was written again unchanged", key)
		}
	})

	It("finishes deleting a plane that was being deleted when the manager restarted", func() {
		stopManager()
		eu2 := &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-2"}}
		Expect(hub.Delete(ctx, eu2)).To(Succeed())
		startManager()
		expectGone(eu2, "development", "first", "second")
	})

	It("finishes deleting a plane that was down when its deletion began, once it is back", func() {
		// eu-2 again, for a new environment only: what the first one left
		// on the plane (namespaces never finish terminating on a plane
		// without a controller manager) stays out of the way.
		Expect(hub.Create(ctx, &platformv1alpha1.DataPlane{
			ObjectMeta: metav1.ObjectMeta{Name: "eu-2", Labels: map[string]string{"tier": "qa"}},
			Spec: platformv1alpha1.DataPlaneSpec{PlaneConnection: platformv1alpha1.PlaneConnection{
				KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "eu-2-kubeconfig"},
			}},
		})).To(Succeed())
		Expect(hub.Create(ctx, &platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "qa"},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "qa"}}},
		})).To(Succeed())
		c := &platformv1alpha1.Component{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "second"}, c)).To(Succeed())
		Expect(c.Status.LatestRelease).NotTo(BeEmpty())
		Expect(hub.Create(ctx, testbed.Binding(org, "second", "qa", c.Status.LatestRelease))).To(Succeed())
		expectDeployment("eu-2", "qa", "second")

		spoke := bed.Fleet.Spoke("eu-2")
		spoke.StopAPIServer()
		eu2 := &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-2"}}
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(eu2), eu2)).To(Succeed())
			g.Expect(meta.IsStatusConditionFalse(eu2.Status.Conditions, platformv1alpha1.ConditionReachable)).To(BeTrue())
		}).Should(Succeed())
		Expect(hub.Delete(ctx, eu2)).To(Succeed())
		// The bindings cannot clean a plane that is down: it waits.
		Consistently(func() error { return hub.Get(ctx, client.ObjectKeyFromObject(eu2), &platformv1alpha1.DataPlane{}) },
			5*time.Second, time.Second).Should(Succeed())
		Expect(spoke.StartAPIServer(ctx)).To(Succeed())
		expectGone(eu2, "qa", "second")
	})
})

func deploymentKey(env, component string) client.ObjectKey {
	return client.ObjectKey{Namespace: render.CellNamespace(org, "billing", env), Name: component}
}

func expectDeployment(plane, env, component string) {
	expectDeploymentWithin(plane, env, component, time.Minute)
}

func expectDeploymentWithin(plane, env, component string, within time.Duration) {
	EventuallyWithOffset(1, func() error {
		return bed.Spokes[plane].Get(ctx, deploymentKey(env, component), &appsv1.Deployment{})
	}).WithTimeout(within).Should(Succeed(), "Deployment %s not on plane %s", component, plane)
}

// expectGone waits for the plane to be deleted, and for the components of
// env to have left it first.
func expectGone(dp *platformv1alpha1.DataPlane, env string, components ...string) {
	EventuallyWithOffset(1, func(g Gomega) {
		err := hub.Get(ctx, client.ObjectKeyFromObject(dp), &platformv1alpha1.DataPlane{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "DataPlane %s is still there: %v", dp.Name, describe(dp))
	}).Should(Succeed())
	for _, component := range components {
		d := &appsv1.Deployment{}
		err := bed.Spokes[dp.Name].Get(ctx, deploymentKey(env, component), d)
		if err == nil {
			// Deleted: on a plane without a garbage collector, what the
			// Deployment's deletion waits for never happens.
			ExpectWithOffset(1, d.DeletionTimestamp).NotTo(BeNil(), "Deployment %s was left on %s", component, dp.Name)
		} else {
			ExpectWithOffset(1, apierrors.IsNotFound(err)).To(BeTrue(), "reading Deployment %s: %v", component, err)
		}
	}
}

// expectCondition waits until the binding's condition of type cond has
// the status and reason, and a message that contains message.
func expectCondition(key client.ObjectKey, cond string, status metav1.ConditionStatus, reason, message string) {
	EventuallyWithOffset(1, func(g Gomega) {
		b := &platformv1alpha1.ReleaseBinding{}
		g.Expect(hub.Get(ctx, key, b)).To(Succeed())
		c := meta.FindStatusCondition(b.Status.Conditions, cond)
		g.Expect(c).NotTo(BeNil(), "no condition %s", cond)
		g.Expect(c.Status).To(Equal(status), "%s: %s", cond, c.Message)
		g.Expect(c.Reason).To(Equal(reason), "%s: %s", cond, c.Message)
		g.Expect(c.Message).To(ContainSubstring(message))
	}).Should(Succeed())
}

// denials is how many requests eu-1's admission policy refuse-images has
// denied, from the API server's metrics.
func denials() int {
	cs, err := kubernetes.NewForConfig(bed.Fleet.Spoke("eu-1").Config)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	raw, err := cs.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	total := 0.0
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "apiserver_validating_admission_policy_check_total{") &&
			strings.Contains(line, `policy="refuse-images"`) && strings.Contains(line, `enforcement_action="deny"`) {
			v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			total += v
		}
	}
	return int(total)
}

// describe is the plane's conditions, for failure messages.
func describe(dp *platformv1alpha1.DataPlane) string {
	cur := &platformv1alpha1.DataPlane{}
	if err := hub.Get(ctx, client.ObjectKeyFromObject(dp), cur); err != nil {
		return err.Error()
	}
	var lines []string
	for _, c := range cur.Status.Conditions {
		lines = append(lines, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
	}
	bindings := &platformv1alpha1.ReleaseBindingList{}
	if err := hub.List(ctx, bindings, client.InNamespace(org)); err == nil {
		for _, b := range bindings.Items {
			if ready := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady); ready != nil {
				lines = append(lines, fmt.Sprintf("binding %s: %s %s", b.Name, ready.Reason, ready.Message))
			}
		}
	}
	return strings.Join(lines, "; ")
}
