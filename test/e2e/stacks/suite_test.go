// Package stacks runs planes' infrastructure stacks end to end: the
// manager against a hub that serves the real Sveltos and Argo CD CRDs
// (../shared/crds), with Argo CD's real ApplicationSet controller (built
// from its Go module) generating the Applications of stacks delivered
// through Argo CD, over a hundred registered data planes.
package stacks

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/internal/crdtest"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/testbed"
)

var (
	ctx     context.Context
	cancel  context.CancelFunc
	bed     *testbed.Bed
	hub     client.Client
	suiteT0 time.Time
)

func TestStacks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers and Argo CD's ApplicationSet controller")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "stacks e2e")
}

var _ = BeforeSuite(func() {
	suiteT0 = time.Now()
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)

	var err error
	// Stacks are hub-side objects: the planes' API servers are only probed.
	bed, err = testbed.StartWith(ctx, testbed.Options{APIOnly: true}, "eu-1")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	hub = bed.Hub
	Expect(bed.Fleet.Hub.InstallCRDs(crdtest.SharedCRDs("sveltos", 3))).To(Succeed())
	Expect(bed.Fleet.StartArgoCD(ctx, fleet.ArgoCDOptions{ApplicationSetsOnly: true})).To(Succeed())
	Expect(fleet.CreateManifests(ctx, hub, testbed.Repo("config", "argocd", "rbac.yaml"))).To(Succeed())

	opts := testbed.TestOptions()
	// A hundred planes: probe each every 10 s, not 2.
	opts.PlaneProbeInterval = 10 * time.Second
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stop)
	DeferCleanup(cancel)
	AddReportEntry("fleet, Argo CD and manager started in", time.Since(suiteT0).Round(time.Second).String())
})
