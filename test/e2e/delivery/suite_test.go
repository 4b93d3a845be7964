// Package delivery checks that delivery keeps going when parts of the
// platform stall or go: a Git server that accepts connections and never
// answers, a data plane deleted while the manager is down or while the
// plane is. Its planes run their API server alone, with the hub's Argo CD
// CRDs but no Argo CD: nothing here gets past the Git repository.
package delivery

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/internal/crdtest"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/gitserver"
	"github.com/aileron-dev/aileron/test/testbed"
)

var (
	ctx     context.Context
	cancel  context.CancelFunc
	bed     *testbed.Bed
	hub     client.Client
	stalled *gitserver.Stalled
	// stopManager stops the running manager; startManager starts one.
	stopManager func()
)

func TestDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "delivery e2e")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	var err error
	bed, err = testbed.StartWith(ctx, testbed.Options{APIOnly: true}, "eu-1", "eu-2")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	hub = bed.Hub
	// GitOps delivery is on: the hub serves Argo CD's kinds.
	Expect(bed.Fleet.Hub.InstallCRDs(crdtest.SharedCRDs("argocd", 3))).To(Succeed())
	Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fleet.ArgoCDNamespace}})).To(Succeed())
	Expect(fleet.CreateManifests(ctx, hub, testbed.Repo("config", "argocd", "rbac.yaml"))).To(Succeed())

	stalled, err = gitserver.StartStalled()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stalled.Close)
	startManager()
	DeferCleanup(func() { stopManager() })
	DeferCleanup(cancel)
})

func startManager() {
	stop, err := bed.StartManager(ctx, testbed.TestOptions())
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	stopManager = stop
}
