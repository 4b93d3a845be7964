package rollout

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/test/testbed"
)

const org = "initech"

var _ = Describe("A binding during a rollout", func() {
	It("is never Healthy at a release before the plane has rolled that release's generation out", func() {
		Expect(fleet.CreateManifests(ctx, hub, "testdata/01-organization.yaml")).To(Succeed())
		Eventually(func() error { return hub.Get(ctx, client.ObjectKey{Name: org}, &corev1.Namespace{}) }).Should(Succeed())
		Expect(fleet.CreateManifests(ctx, hub, "testdata/02-platform.yaml")).To(Succeed())
		Expect(hub.Create(ctx, testbed.Service(org, "billing", "api", "registry.initech.example/billing/api:1"))).To(Succeed())
		deployment := client.ObjectKey{Namespace: render.CellNamespace(org, "billing", "development"), Name: "api"}
		binding := client.ObjectKey{Namespace: org, Name: "api--development"}
		release := latestRelease("")
		rollOut(deployment)
		expectHealthyAt(binding, release)

		// Every status the binding is given, none skipped: a wrong one
		// lasts only until the plane's watch catches up.
		watcher, err := client.NewWithWatch(hubConfig, client.Options{Scheme: manager.Scheme()})
		Expect(err).NotTo(HaveOccurred())
		for i := 2; i <= 6; i++ {
			w, err := watcher.Watch(ctx, &platformv1alpha1.ReleaseBindingList{}, client.InNamespace(org),
				client.MatchingFields{"metadata.name": binding.Name})
			Expect(err).NotTo(HaveOccurred())
			before := &appsv1.Deployment{}
			Expect(plane.Get(ctx, deployment, before)).To(Succeed())
			patchImage(fmt.Sprintf("registry.initech.example/billing/api:%d", i))
			next := latestRelease(release)
			// Applied, the Deployment is at a new generation that nothing
			// rolls out until rollOut: whatever the binding says meanwhile,
			// it must not be Healthy at next.
			Eventually(func(g Gomega) {
				d := &appsv1.Deployment{}
				g.Expect(plane.Get(ctx, deployment, d)).To(Succeed())
				g.Expect(d.Generation).To(BeNumerically(">", before.Generation))
			}).Should(Succeed())
			settle := time.After(2 * time.Second)
		statuses:
			for {
				select {
				case e := <-w.ResultChan():
					Expect(e.Type).NotTo(Equal(watch.Error), "the binding's watch failed: %v", e.Object)
					if b, ok := e.Object.(*platformv1alpha1.ReleaseBinding); ok {
						Expect(healthyAt(b, next)).To(BeFalse(), "round %d: Healthy at %s before the plane rolled it out: %+v", i, next, b.Status.Planes)
					}
				case <-settle:
					break statuses
				}
			}
			w.Stop()
			rollOut(deployment)
			expectHealthyAt(binding, next)
			release = next
		}
	})
})

func patchImage(image string) {
	ExpectWithOffset(1, hub.Patch(ctx, &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "api"}},
		client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"image":%q}}`, image))))).To(Succeed())
}

// latestRelease waits for the component's latest release to be another
// than previous, and returns it.
func latestRelease(previous string) string {
	var release string
	EventuallyWithOffset(1, func(g Gomega) {
		c := &platformv1alpha1.Component{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: org, Name: "api"}, c)).To(Succeed())
		g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
		g.Expect(c.Status.LatestRelease).NotTo(BeElementOf("", previous))
		release = c.Status.LatestRelease
	}).Should(Succeed())
	return release
}

// rollOut plays the deployment controller: the Deployment's current
// generation is observed, every replica updated and available, and the
// conditions say so.
func rollOut(key client.ObjectKey) {
	EventuallyWithOffset(1, func(g Gomega) {
		d := &appsv1.Deployment{}
		g.Expect(plane.Get(ctx, key, d)).To(Succeed())
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: want, UpdatedReplicas: want, ReadyReplicas: want, AvailableReplicas: want,
			Conditions: []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
			}}
		g.Expect(plane.Status().Update(ctx, d)).To(Succeed())
	}).Should(Succeed())
}

func expectHealthyAt(key client.ObjectKey, release string) {
	EventuallyWithOffset(1, func(g Gomega) {
		b := &platformv1alpha1.ReleaseBinding{}
		g.Expect(hub.Get(ctx, key, b)).To(Succeed())
		g.Expect(healthyAt(b, release)).To(BeTrue(), "not Healthy at %s: %+v", release, b.Status.Planes)
		g.Expect(meta.IsStatusConditionTrue(b.Status.Conditions, platformv1alpha1.ConditionReady)).To(BeTrue())
	}).Should(Succeed())
}

// healthyAt tells whether the binding reports its plane Healthy at release.
func healthyAt(b *platformv1alpha1.ReleaseBinding, release string) bool {
	for _, st := range b.Status.Planes {
		if st.Release == release && st.Health == platformv1alpha1.HealthHealthy {
			return true
		}
	}
	return false
}
