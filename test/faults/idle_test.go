package faults

import (
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// idleSpecs check that an idle platform writes nothing even with a plane
// down: the down plane's probes keep failing, and neither its status nor
// anything waiting on it is rewritten for that.
func idleSpecs() {
	It("changes nothing, on the hub or the planes that answer, while a plane is down", func() {
		const down = "eu-1"
		eu := bed.Fleet.Spoke(down)
		eu.KillControlPlane()
		restarted := false
		restart := func() {
			if !restarted {
				restarted = true
				Expect(eu.StartControlPlane(ctx)).To(Succeed())
			}
		}
		DeferCleanup(restart)
		Eventually(func(g Gomega) {
			dp := &platformv1alpha1.DataPlane{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Name: down}, dp)).To(Succeed())
			g.Expect(meta.IsStatusConditionFalse(dp.Status.Conditions, platformv1alpha1.ConditionReachable)).To(BeTrue())
		}).Should(Succeed())
		// What waits on the plane settles on its being down.
		time.Sleep(10 * time.Second)

		window := stabilityWindow()
		before := snapshot(down)
		time.Sleep(window)
		after := snapshot(down)
		var changed []string
		for id, a := range after {
			if b := before[id]; b.rv != a.rv {
				changed = append(changed, id)
				GinkgoWriter.Printf("%s changed\nbefore: %s\nafter:  %s\n", id, b.body, a.body)
			}
		}
		sort.Strings(changed)
		Expect(changed).To(BeEmpty(), "objects whose resourceVersion changed within %s while %s was down", window, down)
		GinkgoWriter.Printf("%d objects unchanged for %s with %s down\n", len(before), window, down)

		restart()
		expectAllReady()
	})
}
