package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/testbed"
)

const org = "acme"

var components = []string{"api", "billing", "search", "mailer", "reports"}

// stabilityWindow is how long nothing may change once converged.
func stabilityWindow() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("AILERON_STABILITY_WINDOW")); err == nil {
		return d
	}
	return 2 * time.Minute
}

var _ = Describe("Faults", Ordered, func() {
	// When a spec fails, what the planes themselves say of the workloads:
	// whether a rollout is stuck on a plane or only in Aileron's view of it.
	AfterEach(func() {
		if !CurrentSpecReport().Failed() {
			return
		}
		// And where the in-process manager's goroutines stand: a manager
		// that stopped reconciling shows what it waits on.
		if prof := pprof.Lookup("goroutine"); prof != nil {
			GinkgoWriter.Println("goroutines of the test process, the manager's among them:")
			_ = prof.WriteTo(GinkgoWriter, 1)
		}
		// And what the hub says, next to it.
		for _, list := range statusLists() {
			items, err := statusObjects(context.Background(), list)
			if err != nil {
				GinkgoWriter.Printf("hub: listing %T: %v\n", list, err)
				continue
			}
			for _, o := range items {
				if !conditions.IsReady(o) {
					GinkgoWriter.Printf("hub: %T %s generation %d resourceVersion %s: %+v\n", o, o.GetName(), o.GetGeneration(), o.GetResourceVersion(),
						meta.FindStatusCondition(*o.GetConditions(), platformv1alpha1.ConditionReady))
				}
				// The manager's cache should have caught up long ago.
				cached := o.DeepCopyObject().(client.Object)
				if err := managerReader.Get(context.Background(), client.ObjectKeyFromObject(o), cached); err != nil {
					GinkgoWriter.Printf("manager cache: %T %s: %v\n", o, o.GetName(), err)
				} else if cached.GetResourceVersion() != o.GetResourceVersion() {
					GinkgoWriter.Printf("manager cache: %T %s at resourceVersion %s, the API server at %s\n", o, o.GetName(), cached.GetResourceVersion(), o.GetResourceVersion())
				}
			}
		}
		for name, c := range bed.Spokes {
			list := &appsv1.DeploymentList{}
			if err := c.List(context.Background(), list, client.MatchingLabels{platformv1alpha1.LabelOrganization: org}); err != nil {
				GinkgoWriter.Printf("%s: listing Deployments: %v\n", name, err)
				continue
			}
			for _, d := range list.Items {
				if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas != d.Status.Replicas || d.Status.AvailableReplicas != d.Status.Replicas {
					GinkgoWriter.Printf("%s: Deployment %s/%s generation %d observed %d, replicas %d updated %d available %d\n", name,
						d.Namespace, d.Name, d.Generation, d.Status.ObservedGeneration, d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.AvailableReplicas)
				}
			}
		}
	})

	It("converges, with nothing duplicated, while a tenth of the manager's writes fail with conflicts and its cache lags", func() {
		Expect(fleet.CreateManifests(ctx, hub, "testdata/platform.yaml")).To(Succeed())
		Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{}) }).Should(Succeed())
		Expect(fleet.CreateManifests(ctx, hub, "testdata/org.yaml")).To(Succeed())
		for _, name := range components {
			Expect(hub.Create(ctx, component(name))).To(Succeed())
		}
		for _, name := range components {
			c := &platformv1alpha1.Component{}
			Eventually(func(g Gomega) {
				g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, c)).To(Succeed())
				g.Expect(c.Status.LatestRelease).NotTo(BeEmpty())
			}).Should(Succeed())
			Expect(hub.Create(ctx, binding(name, "production", c.Status.LatestRelease))).To(Succeed())
		}
		expectAllReady()
		for plane, cells := range map[string][]string{"eu-1": {"acme--shop--development", "acme--shop--production"}, "na-1": {"acme--shop--production"}} {
			for _, ns := range cells {
				list := &appsv1.DeploymentList{}
				Expect(bed.Spokes[plane].List(ctx, list, client.InNamespace(ns))).To(Succeed())
				Expect(list.Items).To(HaveLen(len(components)), "one Deployment per component in %s on %s", ns, plane)
			}
		}
		Expect(conflicts.Load()).To(BeNumerically(">=", 3), "the suite must really have injected conflicts")
		Expect(lagged.Load()).To(BeNumerically(">=", 3), "the suite must really have made the cache lag")
		AddReportEntry("injected faults while converging", fmt.Sprintf("%d conflicts injected, %d cache arrivals delayed, %d writes from a stale copy refused",
			conflicts.Load(), lagged.Load(), refusedStale.Load()))
	})

	recoverySpecs()
	badInputSpecs()

	It("changes nothing, on the hub or any plane, once converged", func() {
		window := stabilityWindow()
		before := snapshot()
		Expect(len(before)).To(BeNumerically(">", 50))
		time.Sleep(window)
		after := snapshot()
		var changed []string
		for id, a := range after {
			if b := before[id]; b.rv != a.rv {
				changed = append(changed, id)
				GinkgoWriter.Printf("%s changed\nbefore: %s\nafter:  %s\n", id, b.body, a.body)
			}
		}
		sort.Strings(changed)
		Expect(changed).To(BeEmpty(), "objects whose resourceVersion changed within %s of convergence (a hot loop or a no-op write)", window)
		GinkgoWriter.Printf("%d objects unchanged for %s\n", len(before), window)
	})
	idleSpecs()

	It("puts back every finalizer stripped while the manager was stopped, and still cleans up with them", func() {
		stopManager()
		stripped := 0
		for _, list := range aileronLists() {
			Expect(hub.List(ctx, list)).To(Succeed())
			items, err := meta.ExtractList(list)
			Expect(err).NotTo(HaveOccurred())
			for _, item := range items {
				o := item.(client.Object)
				if len(o.GetFinalizers()) == 0 {
					continue
				}
				Expect(hub.Patch(ctx, o, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))).To(Succeed())
				stripped++
			}
		}
		Expect(stripped).To(BeNumerically(">", 10))
		startManager()
		Eventually(func(g Gomega) {
			for _, list := range aileronLists() {
				g.Expect(hub.List(ctx, list)).To(Succeed())
				items, _ := meta.ExtractList(list)
				for _, item := range items {
					o := item.(client.Object)
					if _, isRelease := o.(*platformv1alpha1.Release); isRelease {
						continue // Releases hold no finalizer: they clean nothing
					}
					g.Expect(o.GetFinalizers()).To(ContainElement(platformv1alpha1.Finalizer), "%T %s", o, o.GetName())
				}
			}
		}).Should(Succeed())
		expectAllReady()

		Expect(hub.Delete(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "reports"}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "reports"}, &platformv1alpha1.Component{}))
		}).Should(BeTrue())
		for name, spoke := range bed.Spokes {
			list := &appsv1.DeploymentList{}
			Expect(spoke.List(ctx, list, client.MatchingLabels{platformv1alpha1.LabelComponent: "reports"})).To(Succeed())
			Expect(list.Items).To(BeEmpty(), "reports left on %s", name)
		}
	})

	It("grants the manager no wildcard, and no Secret outside its own namespace", func() {
		objs, err := fleet.ReadManifests(testbed.Repo("config", "rbac", "role.yaml"), testbed.Repo("config", "argocd", "rbac.yaml"))
		Expect(err).NotTo(HaveOccurred())
		// In Argo CD's namespace the manager writes the cluster and
		// repository Secrets it renders, and can read none.
		for _, o := range objs {
			if o.GetNamespace() != "argocd" {
				continue
			}
			rules, _, _ := unstructuredRules(o.Object)
			for _, r := range rules {
				if slices.Contains(r.Resources, "secrets") {
					Expect(r.Verbs).NotTo(ContainElement(BeElementOf("get", "list", "watch")), "the manager reads Secrets in Argo CD's namespace")
				}
			}
		}
		for _, o := range objs {
			rules, _, _ := unstructuredRules(o.Object)
			for _, r := range rules {
				for _, field := range [][]string{r.Verbs, r.Resources, r.APIGroups} {
					Expect(field).NotTo(ContainElement("*"), "%s %s has a wildcard rule: %+v", o.GetKind(), o.GetName(), r)
				}
			}
		}
		rbacAudit()
		managerScopeAudit()
	})

	failoverSpecs()
	secrecySpecs()
})

func component(name string) *platformv1alpha1.Component {
	c := &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker,
			Image: "registry.acme.example/shop/" + name + ":1", AutoDeploy: true,
		},
	}
	if name == "api" {
		c.Spec.Type = platformv1alpha1.ComponentService
		c.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 8080, Visibility: platformv1alpha1.VisibilityPublic, Protocol: platformv1alpha1.ProtocolHTTP}}
	} else {
		c.Spec.Dependencies = []platformv1alpha1.Dependency{{Component: "api", Endpoint: "http"}}
	}
	return c
}

func binding(component, env, release string) *platformv1alpha1.ReleaseBinding {
	return testbed.Binding(org, component, env, release)
}

// aileronLists are the hub kinds that carry conditions and finalizers.
func aileronLists() []client.ObjectList {
	return []client.ObjectList{
		&platformv1alpha1.OrganizationList{}, &platformv1alpha1.DataPlaneList{}, &platformv1alpha1.EnvironmentList{},
		&platformv1alpha1.DeploymentPipelineList{}, &platformv1alpha1.ProjectList{}, &platformv1alpha1.ComponentList{},
		&platformv1alpha1.ReleaseBindingList{}, &platformv1alpha1.ReleaseList{},
	}
}

// expectAllReady waits until every Aileron object on the hub is Ready for
// its current generation.
func expectAllReady() {
	EventuallyWithOffset(1, func(g Gomega) {
		for _, list := range statusLists() {
			items, err := statusObjects(ctx, list)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(items).NotTo(BeEmpty())
			for _, o := range items {
				c := meta.FindStatusCondition(*o.GetConditions(), platformv1alpha1.ConditionReady)
				g.Expect(c).NotTo(BeNil(), "%T %s", o, o.GetName())
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%T %s: %s", o, o.GetName(), c.Message)
				g.Expect(c.ObservedGeneration).To(Equal(o.GetGeneration()), "%T %s", o, o.GetName())
			}
		}
	}).Should(Succeed())
}

// statusObject is an Aileron object with conditions.
type statusObject interface {
	client.Object
	GetConditions() *[]metav1.Condition
}

// statusLists are aileronLists less Releases: records, with no controller
// and no conditions.
func statusLists() []client.ObjectList {
	var out []client.ObjectList
	for _, l := range aileronLists() {
		if _, isRelease := l.(*platformv1alpha1.ReleaseList); !isRelease {
			out = append(out, l)
		}
	}
	return out
}

// statusObjects lists one of statusLists on the hub.
func statusObjects(ctx context.Context, list client.ObjectList) ([]statusObject, error) {
	if err := hub.List(ctx, list); err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]statusObject, 0, len(items))
	for _, item := range items {
		out = append(out, item.(statusObject))
	}
	return out, nil
}

// snapshot records the resourceVersion of every object Aileron owns or
// writes: its API on the hub, the organization's namespace and role
// bindings, and everything it delivered to the planes.
// version is an object's resourceVersion, with its content (less
// managedFields) to show what changed.
type version struct{ rv, body string }

// Spokes named in skip (planes that are down) are left out.
func snapshot(skip ...string) map[string]version {
	out := map[string]version{}
	add := func(where string, c client.Client, list client.ObjectList, opts ...client.ListOption) {
		Expect(c.List(ctx, list, opts...)).To(Succeed())
		items, err := meta.ExtractList(list)
		Expect(err).NotTo(HaveOccurred())
		for _, item := range items {
			o := item.(client.Object)
			o.SetManagedFields(nil)
			body, _ := json.Marshal(o)
			out[fmt.Sprintf("%s %T %s/%s", where, o, o.GetNamespace(), o.GetName())] = version{rv: o.GetResourceVersion(), body: string(body)}
		}
	}
	for _, l := range aileronLists() {
		add("hub", hub, l)
	}
	managed := client.MatchingLabels{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}
	add("hub", hub, &corev1.NamespaceList{}, managed)
	add("hub", hub, &rbacv1.RoleBindingList{}, managed)
	for name, spoke := range bed.Spokes {
		if slices.Contains(skip, name) {
			continue
		}
		for _, l := range []client.ObjectList{&corev1.NamespaceList{}, &appsv1.DeploymentList{}, &corev1.ServiceList{},
			&corev1.ConfigMapList{}, &corev1.ServiceAccountList{}, &networkingv1.NetworkPolicyList{}} {
			add(name, spoke, l, managed)
		}
	}
	return out
}

func unstructuredRules(obj map[string]any) ([]rbacv1.PolicyRule, bool, error) {
	raw, ok := obj["rules"].([]any)
	if !ok {
		return nil, false, nil
	}
	var out []rbacv1.PolicyRule
	for _, r := range raw {
		m, _ := r.(map[string]any)
		rule := rbacv1.PolicyRule{}
		for key, dst := range map[string]*[]string{"verbs": &rule.Verbs, "resources": &rule.Resources, "apiGroups": &rule.APIGroups} {
			items, _ := m[key].([]any)
			for _, it := range items {
				s, _ := it.(string)
				*dst = append(*dst, s)
			}
		}
		out = append(out, rule)
	}
	return out, true, nil
}
