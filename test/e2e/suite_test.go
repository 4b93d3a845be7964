// Package e2e runs the real manager against a local fleet — a hub and
// three data planes running kube-controller-manager, kube-scheduler and
// kwok — and drives it the way users do: through the API.
package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/internal/demo"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/testbed"
)

const operatorNamespace = testbed.OperatorNamespace

var (
	ctx    context.Context
	cancel context.CancelFunc
	bed    *testbed.Bed
	f      *fleet.Fleet
	hub    client.Client
	spokes map[string]client.Client
	// resync is short so that drift correction is observable in a test.
	resync = 20 * time.Second
)

func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "e2e")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(time.Second)

	var err error
	bed, err = testbed.Start(ctx, "eu-1", "na-1", "asia-1")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	f, hub, spokes = bed.Fleet, bed.Hub, bed.Spokes
	// The samples' data planes offer a secret store, as the demo's do.
	Expect(demo.StartSecretStores(ctx, f)).To(Succeed())

	// The manager runs as its service account, with exactly the RBAC of
	// config/rbac: every test below also proves that role is sufficient.
	opts := testbed.TestOptions()
	opts.ResyncPeriod = resync
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stop)
	DeferCleanup(cancel)
})

func repoPath(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

func createKubeconfigSecret(name string, kubeconfig []byte) {
	Expect(bed.KubeconfigSecret(ctx, name, kubeconfig)).To(Succeed())
}
