package faults

import (
	"encoding/base64"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/test/testbed"
)

// bulk are the extra components of the rollout faults: with components,
// fifty in all.
var bulk = func() []string {
	var out []string
	for i := range 50 - len(components) {
		out = append(out, fmt.Sprintf("bulk-%02d", i))
	}
	return out
}()

// spokeDown is how long a killed spoke stays down (a minute by default).
func spokeDown() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("AILERON_SPOKE_DOWN")); err == nil {
		return d
	}
	return time.Minute
}

// liveComponents are the components that exist on the hub now.
func liveComponents() []string {
	list := &platformv1alpha1.ComponentList{}
	Expect(hub.List(ctx, list, client.InNamespace(org))).To(Succeed())
	var out []string
	for _, c := range list.Items {
		if c.DeletionTimestamp.IsZero() {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// expectExactly checks, against what the API says should exist, that every
// plane runs exactly one Deployment per live component in each cell it
// serves, at the component's latest image, and nothing else: 0 lost, 0
// orphaned, 0 duplicated. It returns how many objects it counted.
func expectExactly() int {
	want := liveComponents()
	counted := 0
	EventuallyWithOffset(1, func(g Gomega) {
		counted = 0
		images := map[string]string{}
		for _, name := range want {
			c := &platformv1alpha1.Component{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name}, c)).To(Succeed())
			images[name] = c.Spec.Image
		}
		bindings := &platformv1alpha1.ReleaseBindingList{}
		g.Expect(hub.List(ctx, bindings, client.InNamespace(org))).To(Succeed())
		cells := map[string]map[string][]string{} // plane → namespace → components
		for _, b := range bindings.Items {
			g.Expect(images).To(HaveKey(b.Spec.ComponentRef.Name), "binding %s of a component that is gone", b.Name)
			for _, st := range b.Status.Planes {
				if cells[st.Plane] == nil {
					cells[st.Plane] = map[string][]string{}
				}
				cells[st.Plane][st.Namespace] = append(cells[st.Plane][st.Namespace], b.Spec.ComponentRef.Name)
			}
		}
		for plane, spoke := range bed.Spokes {
			list := &appsv1.DeploymentList{}
			g.Expect(spoke.List(ctx, list, client.MatchingLabels{platformv1alpha1.LabelOrganization: org})).To(Succeed())
			got := map[string][]string{}
			for _, d := range list.Items {
				got[d.Namespace] = append(got[d.Namespace], d.Name)
				counted++
			}
			for ns := range got {
				sort.Strings(got[ns])
			}
			expected := map[string][]string{}
			for ns, names := range cells[plane] {
				sorted := append([]string(nil), names...)
				sort.Strings(sorted)
				expected[ns] = sorted
			}
			g.Expect(got).To(Equal(expected), "Deployments on %s", plane)
		}
	}).Should(Succeed())
	return counted
}

// patchImages moves every component of names to image tag.
func patchImages(names []string, tag string) {
	for _, name := range names {
		patch := fmt.Sprintf(`{"spec":{"image":"registry.acme.example/shop/%s:%s"}}`, name, tag)
		ExpectWithOffset(1, hub.Patch(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name}},
			client.RawPatch(types.MergePatchType, []byte(patch)))).To(Succeed())
	}
}

// readyBindings counts the development bindings of names that are Ready at
// their component's latest release.
func readyBindings(names []string) int {
	n := 0
	for _, name := range names {
		b := &platformv1alpha1.ReleaseBinding{}
		if hub.Get(ctx, client.ObjectKey{Namespace: org, Name: name + "--development"}, b) != nil {
			continue
		}
		if c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady); c != nil &&
			c.Status == metav1.ConditionTrue && b.Status.Release == b.Spec.Release && c.ObservedGeneration == b.Generation {
			n++
		}
	}
	return n
}

// recoverySpecs are the faults the platform must recover from by itself,
// run inside the suite's ordered container once the platform converged.
func recoverySpecs() {
	It("recovers from a spoke's API server killed in the middle of a rollout of 50 components", func() {
		for _, name := range bulk {
			Expect(hub.Create(ctx, component(name))).To(Succeed())
		}
		// Mid-rollout: some of the new components run, most do not yet.
		Eventually(func() int { return readyBindings(bulk) }).WithPolling(100 * time.Millisecond).Should(BeNumerically(">=", 3))
		// The spoke's whole control plane goes, as when its host dies: its
		// controller manager would otherwise outlive the API server with
		// caches that refuse to catch up (a stale-read guard of the
		// ReplicaSet controller), which is the spoke's problem, not ours.
		eu := bed.Fleet.Spoke("eu-1")
		eu.KillControlPlane()
		ready := readyBindings(bulk)
		GinkgoWriter.Printf("eu-1 killed with %d of %d new components running\n", ready, len(bulk))
		Expect(ready).To(BeNumerically("<", len(bulk)), "the spoke must go down mid-rollout")
		time.Sleep(spokeDown())
		Expect(eu.StartControlPlane(ctx)).To(Succeed())
		t0 := time.Now()
		expectAllReady()
		recovery := time.Since(t0)
		n := expectExactly()
		AddReportEntry("spoke killed mid-rollout: restart → all 50 components Ready", recovery.Round(100*time.Millisecond).String())
		GinkgoWriter.Printf("spoke restart → converged in %s; %d Deployments, exactly as the API says\n", recovery.Round(100*time.Millisecond), n)
	})

	It("recovers from the hub's API server restarting while the manager reconciles", func() {
		all := liveComponents()
		patchImages(all, "2")
		hubCluster := bed.Fleet.Hub
		hubCluster.KillControlPlane()
		Expect(hubCluster.StartControlPlane(ctx)).To(Succeed())
		t0 := time.Now()
		expectAllReady()
		recovery := time.Since(t0)
		expectExactly()
		Eventually(func(g Gomega) {
			list := &appsv1.DeploymentList{}
			g.Expect(bed.Spokes["eu-1"].List(ctx, list, client.InNamespace(render.CellNamespace(org, "shop", "development")))).To(Succeed())
			for _, d := range list.Items {
				g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(":2"), d.Name)
			}
		}).Should(Succeed())
		AddReportEntry("hub API server restarted mid-reconcile → converged", recovery.Round(100*time.Millisecond).String())
		GinkgoWriter.Printf("hub restart → converged in %s\n", recovery.Round(100*time.Millisecond))
	})

	It("waits on a plane whose credentials are refused (401), and converges once they are rotated", func() {
		secret := &corev1.Secret{}
		key := client.ObjectKey{Namespace: testbed.OperatorNamespace, Name: "eu-1-kubeconfig"}
		Expect(hub.Get(ctx, key, secret)).To(Succeed())
		good := secret.Data["kubeconfig"]
		badKubeconfig, err := testbed.RefusedKubeconfig(bed.Fleet.Spoke("eu-1"))
		Expect(err).NotTo(HaveOccurred())
		secret.Data["kubeconfig"] = badKubeconfig
		Expect(hub.Update(ctx, secret)).To(Succeed())
		Eventually(func(g Gomega) {
			dp := &platformv1alpha1.DataPlane{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: "eu-1"}, dp)).To(Succeed())
			c := meta.FindStatusCondition(dp.Status.Conditions, platformv1alpha1.ConditionReachable)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(platformv1alpha1.ReasonUnauthorized))
		}).Should(Succeed())
		patchImages(liveComponents(), "3")
		Eventually(func(g Gomega) {
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "api--development"}, b)).To(Succeed())
			c := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(platformv1alpha1.ReasonPlaneUnreachable))
		}).Should(Succeed())

		Expect(hub.Get(ctx, key, secret)).To(Succeed())
		secret.Data["kubeconfig"] = good
		Expect(hub.Update(ctx, secret)).To(Succeed())
		t0 := time.Now()
		expectAllReady()
		recovery := time.Since(t0)
		expectExactly()
		AddReportEntry("credentials rotated (401 → fixed) → converged", recovery.Round(100*time.Millisecond).String())
		GinkgoWriter.Printf("credentials fixed → converged in %s\n", recovery.Round(100*time.Millisecond))
	})
}

// secrecySpecs check what must never leave the operator's namespace.
func secrecySpecs() {
	It("never logs a kubeconfig, nor copies one into a status or an event", func() {
		secrets := &corev1.SecretList{}
		Expect(hub.List(ctx, secrets, client.InNamespace(testbed.OperatorNamespace))).To(Succeed())
		var needles []string
		for _, s := range secrets.Items {
			for key, v := range s.Data {
				if key != "kubeconfig" {
					continue
				}
				// The credentials inside: keys and certificates as they are
				// in the file (base64), and decoded.
				for _, line := range strings.Split(string(v), "\n") {
					line = strings.TrimSpace(line)
					for _, field := range []string{"client-key-data:", "client-certificate-data:", "token:"} {
						if value, ok := strings.CutPrefix(line, field); ok {
							value = strings.TrimSpace(value)
							needles = append(needles, value[:min(len(value), 40)])
							if raw, err := base64.StdEncoding.DecodeString(value); err == nil {
								for _, pem := range strings.Split(string(raw), "\n") {
									if len(pem) > 20 && !strings.HasPrefix(pem, "-----") {
										needles = append(needles, pem)
									}
								}
							}
						}
					}
				}
			}
		}
		Expect(len(needles)).To(BeNumerically(">", 4))
		var haystacks []string
		haystacks = append(haystacks, managerLog.String())
		for _, list := range aileronLists() {
			Expect(hub.List(ctx, list)).To(Succeed())
			b, err := yaml.Marshal(list)
			Expect(err).NotTo(HaveOccurred())
			haystacks = append(haystacks, string(b))
		}
		for _, list := range []client.ObjectList{&corev1.EventList{}, &eventsv1.EventList{}} {
			Expect(hub.List(ctx, list)).To(Succeed())
			b, err := yaml.Marshal(list)
			Expect(err).NotTo(HaveOccurred())
			haystacks = append(haystacks, string(b))
		}
		Expect(len(managerLog.String())).To(BeNumerically(">", 10000), "the manager's log was captured")
		for _, h := range haystacks {
			for _, n := range needles {
				Expect(strings.Contains(h, n)).To(BeFalse(), "a kubeconfig credential appears in the manager's log, a status or an event")
			}
		}
		Expect(managerLog.String()).NotTo(ContainSubstring("Observed a panic"))
	})
}
