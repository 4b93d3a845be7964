// Package rollout checks what a binding reports while its workload rolls
// out, on a data plane whose API server runs alone: the test plays the
// deployment controller, so every step of a rollout happens when it says,
// and the manager's watch of the plane lags behind it.
package rollout

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/test/testbed"
)

// watchLag is how far the plane's workload watch lags behind the plane.
const watchLag = 2 * time.Second

var (
	ctx    context.Context
	cancel context.CancelFunc
	hub    client.Client
	plane  client.Client
	// hubConfig reaches the hub as its administrator.
	hubConfig *rest.Config
)

func TestRollout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "rollout e2e")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(time.Minute)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	bed, err := testbed.StartWith(ctx, testbed.Options{APIOnly: true}, "eu-1")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	hub, plane, hubConfig = bed.Hub, bed.Spokes["eu-1"], bed.Fleet.Hub.Config
	opts := testbed.TestOptions()
	// The plane's workload watch lags behind its API server, as it does
	// under load: what a binding reads from it right after an apply is the
	// Deployment from before.
	opts.PlaneWatchTransform = func(obj any) (any, error) {
		time.Sleep(watchLag)
		return obj, nil
	}
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stop)
	DeferCleanup(cancel)
})
