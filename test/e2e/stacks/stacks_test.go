package stacks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/stack"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
	"github.com/aileron-dev/aileron/test/testbed"
)

const ns = testbed.OperatorNamespace

// matches names the SveltosClusters a ClusterProfile's selector picks, as
// Sveltos evaluates it: over the clusters' labels.
func matches(profile string) []string {
	cp := &sveltos.ClusterProfile{}
	ExpectWithOffset(1, hub.Get(ctx, client.ObjectKey{Name: profile}, cp)).To(Succeed())
	sel, err := metav1.LabelSelectorAsSelector(&cp.Spec.ClusterSelector)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	clusters := &sveltos.SveltosClusterList{}
	ExpectWithOffset(1, hub.List(ctx, clusters, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, c := range clusters.Items {
		if sel.Matches(labels.Set(c.Labels)) {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// addonsReady is a data plane's AddonsReady condition.
func addonsReady(g Gomega, plane string) metav1.Condition {
	dp := &platformv1alpha1.DataPlane{}
	g.Expect(hub.Get(ctx, client.ObjectKey{Name: plane}, dp)).To(Succeed())
	c := meta.FindStatusCondition(dp.Status.Conditions, platformv1alpha1.ConditionAddonsReady)
	g.Expect(c).NotTo(BeNil(), "DataPlane %s has no AddonsReady condition", plane)
	return *c
}

// instantiate renders a Helm values template the way Sveltos does: with
// the cluster object as .Cluster.
func instantiate(values string, cluster *sveltos.SveltosCluster) string {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cluster)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	tmpl, err := template.New("values").Option("missingkey=error").Parse(values)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	var out bytes.Buffer
	ExpectWithOffset(1, tmpl.Execute(&out, map[string]any{"Cluster": content})).To(Succeed())
	return out.String()
}

// summary is the ClusterSummary Sveltos' addon-controller keeps for a
// profile on a cluster, with its features in the given status.
func summary(profile, cluster, status, failure string) {
	cp := &sveltos.ClusterProfile{}
	ExpectWithOffset(1, hub.Get(ctx, client.ObjectKey{Name: profile}, cp)).To(Succeed())
	cs := &sveltos.ClusterSummary{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: profile + "-sveltos-" + cluster,
			Labels:          map[string]string{sveltos.LabelClusterProfile: profile},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: sveltos.ConfigGroupVersion.String(), Kind: "ClusterProfile", Name: profile, UID: cp.UID}}},
		Spec: sveltos.ClusterSummarySpec{ClusterNamespace: ns, ClusterName: cluster, ClusterType: sveltos.ClusterTypeSveltos},
	}
	existing := &sveltos.ClusterSummary{}
	if err := hub.Get(ctx, client.ObjectKeyFromObject(cs), existing); err != nil {
		ExpectWithOffset(1, hub.Create(ctx, cs)).To(Succeed())
		existing = cs
	}
	existing.Status.FeatureSummaries = []sveltos.FeatureSummary{{FeatureID: "Helm", Status: status, FailureMessage: failure}}
	ExpectWithOffset(1, hub.Status().Update(ctx, existing)).To(Succeed())
}

// applications counts, per plane, the live Applications Argo CD's
// ApplicationSet controller generated for a stack.
func applications(g Gomega, stackName string) map[string]int {
	apps := &argocd.ApplicationList{}
	g.Expect(hub.List(ctx, apps, client.InNamespace(fleet.ArgoCDNamespace), client.MatchingLabels{stack.LabelStack: stackName})).To(Succeed())
	out := map[string]int{}
	for _, a := range apps.Items {
		if a.DeletionTimestamp != nil {
			continue
		}
		// <the group's ApplicationSet>--<plane>
		i := strings.LastIndex(a.Name, "--")
		g.Expect(a.Name).To(HavePrefix("aileron--stack--"+stackName+"--"), "Application %s is not named after its ApplicationSet", a.Name)
		out[a.Name[i+2:]]++
	}
	return out
}

// applicationSetConditions is what Argo CD says of a stack's
// ApplicationSets, for failure messages.
func applicationSetConditions(stackName string) string {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion(argocd.GroupVersion.String())
	list.SetKind("ApplicationSetList")
	if err := hub.List(ctx, list, client.InNamespace(fleet.ArgoCDNamespace), client.MatchingLabels{stack.LabelStack: stackName}); err != nil {
		return err.Error()
	}
	var out []string
	for _, set := range list.Items {
		conds, _, _ := unstructured.NestedSlice(set.Object, "status", "conditions")
		out = append(out, fmt.Sprintf("%s: %v", set.GetName(), conds))
	}
	// And what the ApplicationSet controller logged last.
	if log, err := os.ReadFile(filepath.Join(bed.Fleet.Dir(), "argocd", "applicationset-controller.log")); err == nil {
		out = append(out, "the controller's log ends with: "+string(log[max(0, len(log)-2000):]))
	}
	return strings.Join(out, "; ")
}

func tenItemStack(name string, mode platformv1alpha1.StackMode) *platformv1alpha1.PlaneStack {
	item := func(n string, role platformv1alpha1.StackItemRole) platformv1alpha1.StackItem {
		return platformv1alpha1.StackItem{Name: n, Role: role, Namespace: "infra-" + n,
			Helm: &platformv1alpha1.HelmChart{RepositoryURL: "https://charts.example/" + n, Chart: n, Version: "1.0.0"}}
	}
	return &platformv1alpha1.PlaneStack{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: platformv1alpha1.PlaneStackSpec{
			PlaneType: platformv1alpha1.PlaneTypeData, Delivery: platformv1alpha1.StackDeliveryArgoCD, Mode: mode,
			PlaneSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"herd": "true"}},
			Items: []platformv1alpha1.StackItem{
				item("secrets", platformv1alpha1.RoleSecrets), item("policy", platformv1alpha1.RolePolicy),
				item("gateway", platformv1alpha1.RoleGateway), item("sveltos-agent", platformv1alpha1.RoleSveltosAgent),
				item("metrics", platformv1alpha1.RoleMetricsAgent), item("logs", platformv1alpha1.RoleLogAgent),
				item("certs", platformv1alpha1.RoleOther), item("dns", platformv1alpha1.RoleOther),
				item("autoscaler", platformv1alpha1.RoleOther), item("backup", platformv1alpha1.RoleOther),
			},
		},
	}
}

var _ = Describe("Plane stacks", Ordered, func() {
	dataProfiles := []string{"data-plane--external-secrets", "data-plane--fluent-bit", "data-plane--gateway", "data-plane--kyverno", "data-plane--metrics-agent"}

	It("registers every plane with Sveltos, and delivers each default stack to the planes of its type", func() {
		Expect(hub.Create(ctx, &platformv1alpha1.ObservabilityPlane{
			ObjectMeta: metav1.ObjectMeta{Name: "observer"},
			Spec: platformv1alpha1.ObservabilityPlaneSpec{
				PlaneConnection: platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "observer-kubeconfig"}},
				Logs: &platformv1alpha1.TelemetryEndpoint{IngestURL: "http://logs.observer.example:9428/insert/jsonline?_msg_field=log",
					QueryURLTemplate: "https://logs.observer.example/select?query={organization}/{component}"},
				Metrics: &platformv1alpha1.TelemetryEndpoint{IngestURL: "https://metrics.observer.example/api/v1/write"},
			},
		})).To(Succeed())
		Expect(hub.Create(ctx, &platformv1alpha1.BuildPlane{
			ObjectMeta: metav1.ObjectMeta{Name: "builder"},
			Spec: platformv1alpha1.BuildPlaneSpec{
				PlaneConnection: platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "builder-kubeconfig"}},
				Registry:        platformv1alpha1.ImageRegistry{Prefix: "registry.example/builds"},
			},
		})).To(Succeed())
		Expect(hub.Create(ctx, &platformv1alpha1.DataPlane{
			ObjectMeta: metav1.ObjectMeta{Name: "eu-1", Labels: map[string]string{platformv1alpha1.LabelRegion: "eu"}},
			Spec: platformv1alpha1.DataPlaneSpec{
				PlaneConnection:       platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "eu-1-kubeconfig"}},
				ObservabilityPlaneRef: &platformv1alpha1.LocalObjectReference{Name: "observer"},
			},
		})).To(Succeed())

		By("the default stacks, one per plane type, rendered as ClusterProfiles")
		Eventually(func(g Gomega) {
			for _, name := range []string{stack.DefaultDataStack, stack.DefaultBuildStack, stack.DefaultObservabilityStack} {
				s := &platformv1alpha1.PlaneStack{}
				g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, s)).To(Succeed())
				g.Expect(meta.IsStatusConditionTrue(s.Status.Conditions, platformv1alpha1.ConditionReady)).To(BeTrue(), "stack %s: %v", name, s.Status.Conditions)
				g.Expect(s.Status.MatchingPlanes).To(Equal(int32(1)), "stack %s", name)
			}
			profiles := &sveltos.ClusterProfileList{}
			g.Expect(hub.List(ctx, profiles)).To(Succeed())
			var names []string
			for _, p := range profiles.Items {
				names = append(names, p.Name)
			}
			sort.Strings(names)
			g.Expect(names).To(Equal(append(append([]string{"build-plane--argo-workflows"}, dataProfiles...),
				"observability-plane--log-store", "observability-plane--metrics-store")))
		}).Should(Succeed())

		By("each plane a SveltosCluster, labelled with its type and its own labels, its kubeconfig beside it")
		Eventually(func(g Gomega) {
			for _, c := range []struct{ cluster, secret string }{
				{"data--eu-1", "eu-1-kubeconfig"}, {"build--builder", "builder-kubeconfig"}, {"observability--observer", "observer-kubeconfig"},
			} {
				sc := &sveltos.SveltosCluster{}
				g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: ns, Name: c.cluster}, sc)).To(Succeed())
				g.Expect(sc.Spec.KubeconfigName).To(Equal(c.cluster + "-sveltos-kubeconfig"))
				copied, original := &corev1.Secret{}, &corev1.Secret{}
				g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: ns, Name: sc.Spec.KubeconfigName}, copied)).To(Succeed())
				g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: ns, Name: c.secret}, original)).To(Succeed())
				g.Expect(copied.Data[sc.Spec.KubeconfigKeyName]).To(Equal(original.Data["kubeconfig"]))
			}
		}).Should(Succeed())
		sc := &sveltos.SveltosCluster{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: ns, Name: "data--eu-1"}, sc)).To(Succeed())
		Expect(sc.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelRegion, "eu"))
		Expect(sc.Labels).To(HaveKeyWithValue(platformv1alpha1.LabelPlaneType, "data"))

		By("each ClusterProfile selecting exactly the planes of its type")
		for _, p := range dataProfiles {
			Expect(matches(p)).To(Equal([]string{"data--eu-1"}), p)
		}
		Expect(matches("build-plane--argo-workflows")).To(Equal([]string{"build--builder"}))
		Expect(matches("observability-plane--log-store")).To(Equal([]string{"observability--observer"}))

		By("the secrets operator before what needs secrets")
		for _, p := range []string{"data-plane--gateway", "data-plane--metrics-agent", "data-plane--fluent-bit"} {
			cp := &sveltos.ClusterProfile{}
			Expect(hub.Get(ctx, client.ObjectKey{Name: p}, cp)).To(Succeed())
			Expect(cp.Spec.DependsOn).To(Equal([]string{"data-plane--external-secrets"}), p)
			Expect(cp.Spec.SyncMode).To(Equal("ContinuousWithDriftDetection"))
		}

		By("the data plane's agents shipping to its observability plane")
		for _, p := range []struct{ profile, want string }{
			{"data-plane--fluent-bit", "Host logs.observer.example\n        Port 9428\n        URI /insert/jsonline?_msg_field=log\n        tls Off"},
			{"data-plane--metrics-agent", "url: https://metrics.observer.example/api/v1/write"},
		} {
			cp := &sveltos.ClusterProfile{}
			Expect(hub.Get(ctx, client.ObjectKey{Name: p.profile}, cp)).To(Succeed())
			Expect(instantiate(cp.Spec.HelmCharts[0].Values, sc)).To(ContainSubstring(p.want), p.profile)
		}

		Eventually(func(g Gomega) {
			c := addonsReady(g, "eu-1")
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(platformv1alpha1.ReasonAddonsProvisioning))
			g.Expect(c.Message).To(ContainSubstring("waiting for 5 of 5 add-on profile(s)"))
		}).Should(Succeed())
	})

	It("reports what Sveltos reports on a plane as its AddonsReady condition", func() {
		for _, p := range dataProfiles {
			summary(p, "data--eu-1", sveltos.FeatureStatusProvisioned, "")
		}
		Eventually(func(g Gomega) {
			c := addonsReady(g, "eu-1")
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
			g.Expect(c.Message).To(Equal("5 add-on profile(s) provisioned: " + strings.Join(dataProfiles, ", ")))
		}).Should(Succeed())

		summary("data-plane--fluent-bit", "data--eu-1", sveltos.FeatureStatusFailed, "chart fluent-bit 0.49.0 not found in https://fluent.github.io/helm-charts")
		Eventually(func(g Gomega) {
			c := addonsReady(g, "eu-1")
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(platformv1alpha1.ReasonAddonsFailed))
			g.Expect(c.Message).To(Equal("failed: data-plane--fluent-bit: Helm failed: chart fluent-bit 0.49.0 not found in https://fluent.github.io/helm-charts"))
		}).Should(Succeed())
		summary("data-plane--fluent-bit", "data--eu-1", sveltos.FeatureStatusProvisioned, "")
		Eventually(func(g Gomega) metav1.ConditionStatus { return addonsReady(g, "eu-1").Status }).Should(Equal(metav1.ConditionTrue))
	})

	It("gives a plane that gains a label the stacks that select it, and takes them away when it loses it", func() {
		edge := &platformv1alpha1.PlaneStack{
			ObjectMeta: metav1.ObjectMeta{Name: "edge"},
			Spec: platformv1alpha1.PlaneStackSpec{
				PlaneType:     platformv1alpha1.PlaneTypeData,
				PlaneSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "edge"}},
				Items: []platformv1alpha1.StackItem{
					{Name: "cache", Namespace: "edge-cache", Helm: &platformv1alpha1.HelmChart{RepositoryURL: "https://charts.example/cache", Chart: "cache", Version: "2.1.0"}},
					{Name: "limits", Namespace: "edge-cache", DependsOn: []string{"cache"}, Manifests: "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: edge\n  namespace: edge-cache\nspec:\n  limits:\n  - type: Container\n    default:\n      cpu: 500m\n"},
				},
			},
		}
		Expect(hub.Create(ctx, edge)).To(Succeed())
		Eventually(func(g Gomega) {
			s := &platformv1alpha1.PlaneStack{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: "edge"}, s)).To(Succeed())
			g.Expect(meta.IsStatusConditionTrue(s.Status.Conditions, platformv1alpha1.ConditionReady)).To(BeTrue(), "%v", s.Status.Conditions)
			g.Expect(s.Status.MatchingPlanes).To(BeZero())
			g.Expect(s.Status.Rendered).To(Equal([]string{"ClusterProfile/edge--cache", "ClusterProfile/edge--limits"}))
		}).Should(Succeed())
		cp := &sveltos.ClusterProfile{}
		Expect(hub.Get(ctx, client.ObjectKey{Name: "edge--limits"}, cp)).To(Succeed())
		Expect(cp.Spec.DependsOn).To(Equal([]string{"edge--cache"}))
		Expect(cp.Spec.PolicyRefs).To(HaveLen(1))
		cm := &corev1.ConfigMap{}
		Expect(hub.Get(ctx, client.ObjectKey{Namespace: cp.Spec.PolicyRefs[0].Namespace, Name: cp.Spec.PolicyRefs[0].Name}, cm)).To(Succeed())
		Expect(cm.Data[stack.ManifestsKey]).To(ContainSubstring("kind: LimitRange"))
		Expect(matches("edge--cache")).To(BeEmpty())

		By("a rendered ClusterProfile deleted by hand comes back")
		Expect(hub.Delete(ctx, &sveltos.ClusterProfile{ObjectMeta: metav1.ObjectMeta{Name: "edge--cache"}})).To(Succeed())
		Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: "edge--cache"}, &sveltos.ClusterProfile{}) }).Should(Succeed())

		relabel := func(patch string) {
			Expect(hub.Patch(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-1"}},
				client.RawPatch(types.MergePatchType, []byte(patch)))).To(Succeed())
		}
		relabel(`{"metadata":{"labels":{"tier":"edge"}}}`)
		Eventually(func() []string { return matches("edge--cache") }).Should(Equal([]string{"data--eu-1"}))
		Eventually(func(g Gomega) {
			c := addonsReady(g, "eu-1")
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Message).To(Equal("waiting for 2 of 7 add-on profile(s): edge--cache (not reported yet), edge--limits (not reported yet)"))
			s := &platformv1alpha1.PlaneStack{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: "edge"}, s)).To(Succeed())
			g.Expect(s.Status.MatchingPlanes).To(Equal(int32(1)))
		}).Should(Succeed())

		relabel(`{"metadata":{"labels":{"tier":null}}}`)
		Eventually(func() []string { return matches("edge--cache") }).Should(BeEmpty())
		Eventually(func(g Gomega) metav1.Condition { return addonsReady(g, "eu-1") }).Should(
			HaveField("Status", metav1.ConditionTrue))

		By("a stack whose items wait on each other in a circle is Stalled, naming the circle")
		cyclic := edge.DeepCopy()
		cyclic.ObjectMeta = metav1.ObjectMeta{Name: "cyclic"}
		cyclic.Spec.Items[0].DependsOn = []string{"limits"}
		Expect(hub.Create(ctx, cyclic)).To(Succeed())
		expectStalledStack("cyclic", platformv1alpha1.ReasonDependencyCycle, "cache → limits → cache")

		By("a stack whose manifests are not valid YAML is Stalled, naming the item")
		broken := edge.DeepCopy()
		broken.ObjectMeta = metav1.ObjectMeta{Name: "broken"}
		broken.Spec.Items[1].Manifests = "apiVersion: v1\nkind: LimitRange\nmetadata:\n\tname: edge\n"
		Expect(hub.Create(ctx, broken)).To(Succeed())
		expectStalledStack("broken", platformv1alpha1.ReasonInvalidSpec, "the manifests of item limits are not valid YAML")
	})

	It("gives each of 100 planes exactly 1, 2 or 3 Applications for a 10-item stack in the agentless, mixed and agent-based modes", func() {
		const planes = 100
		t0 := time.Now()
		relabel := `{"metadata":{"labels":{"herd":"true"}}}`
		Expect(hub.Patch(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-1"}}, client.RawPatch(types.MergePatchType, []byte(relabel)))).To(Succeed())
		for i := range planes - 1 {
			Expect(hub.Create(ctx, &platformv1alpha1.DataPlane{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("herd-%03d", i), Labels: map[string]string{"herd": "true"}},
				Spec: platformv1alpha1.DataPlaneSpec{PlaneConnection: platformv1alpha1.PlaneConnection{
					KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "eu-1-kubeconfig"}}},
			})).To(Succeed())
		}
		modes := map[string]platformv1alpha1.StackMode{
			"herd-agentless": platformv1alpha1.StackModeAgentless, "herd-mixed": platformv1alpha1.StackModeMixed, "herd-agentbased": platformv1alpha1.StackModeAgentBased,
		}
		want := map[string]int{"herd-agentless": 1, "herd-mixed": 2, "herd-agentbased": 3}
		for name, mode := range modes {
			Expect(hub.Create(ctx, tenItemStack(name, mode))).To(Succeed())
		}
		Eventually(func(g Gomega) {
			for name, per := range want {
				byPlane := applications(g, name)
				g.Expect(byPlane).To(HaveLen(planes), "stack %s reaches every plane; its ApplicationSets report: %s", name, applicationSetConditions(name))
				total := 0
				for plane, n := range byPlane {
					g.Expect(n).To(Equal(per), "stack %s on plane %s", name, plane)
					total += n
				}
				g.Expect(total).To(Equal(planes*per), "stack %s", name)
			}
		}).WithTimeout(6 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		AddReportEntry("Applications for 100 planes (agentless / mixed / agent-based)", fmt.Sprintf("%d / %d / %d in %s",
			planes*want["herd-agentless"], planes*want["herd-mixed"], planes*want["herd-agentbased"], time.Since(t0).Round(time.Second)))

		By("the agent-based mode's other items reach the planes as ClusterProfiles, through the Sveltos agent")
		s := &platformv1alpha1.PlaneStack{}
		Expect(hub.Get(ctx, client.ObjectKey{Name: "herd-agentbased"}, s)).To(Succeed())
		Expect(s.Status.Rendered).To(ContainElements("ApplicationSet/aileron--stack--herd-agentbased--gateway", "ApplicationSet/aileron--stack--herd-agentbased--sveltos-agent",
			"ApplicationSet/aileron--stack--herd-agentbased--observability-agent", "ClusterProfile/herd-agentbased--secrets", "ClusterProfile/herd-agentbased--backup"))
		Expect(s.Status.Rendered).To(HaveLen(3 + 6))

		By("a plane that loses the label loses its Applications")
		Expect(hub.Patch(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "herd-007"}},
			client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"herd":null}}}`)))).To(Succeed())
		Eventually(func(g Gomega) {
			for name := range want {
				byPlane := applications(g, name)
				g.Expect(byPlane).NotTo(HaveKey("herd-007"), name)
				g.Expect(byPlane).To(HaveLen(planes-1), name)
			}
		}).WithTimeout(3 * time.Minute).Should(Succeed())
	})
})

// expectStalledStack waits until stack name is Stalled with reason and a
// message that contains message, and checks that nothing of it (its first
// item's ClusterProfile) was rendered.
func expectStalledStack(name, reason, message string) {
	EventuallyWithOffset(1, func(g Gomega) {
		s := &platformv1alpha1.PlaneStack{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, s)).To(Succeed())
		c := meta.FindStatusCondition(s.Status.Conditions, platformv1alpha1.ConditionStalled)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(reason))
		g.Expect(c.Message).To(ContainSubstring(message))
	}).Should(Succeed())
	ExpectWithOffset(1, hub.Get(ctx, client.ObjectKey{Name: name + "--cache"}, &sveltos.ClusterProfile{})).NotTo(Succeed(), "nothing of a stalled stack is rendered")
}
