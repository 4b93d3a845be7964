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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
)

const operatorNamespace = "aileron-system"

var (
	ctx    context.Context
	cancel context.CancelFunc
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
	RunSpecs(t, "e2e")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(time.Second)

	var err error
	// The hub runs a controller manager too, as a real one does: deleting
	// an organization deletes its namespace, which only the namespace
	// controller can finish.
	f, err = fleet.Start(ctx, fleet.Options{Hub: fleet.ClusterOptions{Workloads: true}, Spokes: []fleet.ClusterOptions{
		{Name: "eu-1", Workloads: true}, {Name: "na-1", Workloads: true}, {Name: "asia-1", Workloads: true},
	}})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(f.Stop)

	Expect(f.Hub.InstallCRDs(repoPath("config", "crd", "bases"))).To(Succeed())
	gatewayCRDs, err := fleet.GatewayAPICRDs()
	Expect(err).NotTo(HaveOccurred())
	scheme := manager.Scheme()
	hub, err = client.New(f.Hub.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
	for _, file := range []string{"service_account.yaml", "role.yaml", "role_binding.yaml", "tenant_roles.yaml"} {
		applyFile(hub, repoPath("config", "rbac", file))
	}

	spokes = map[string]client.Client{}
	for _, s := range f.Spokes {
		Expect(s.InstallCRDs(gatewayCRDs)).To(Succeed())
		spokes[s.Name], err = client.New(s.Config, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		createKubeconfigSecret(s.Name+"-kubeconfig", s.Kubeconfig)
	}
	// The build and observability planes of the samples are the hub
	// itself: a real cluster to probe, without two more API servers.
	createKubeconfigSecret("builder-kubeconfig", f.Hub.Kubeconfig)
	createKubeconfigSecret("observer-kubeconfig", f.Hub.Kubeconfig)

	opts := manager.DefaultOptions()
	opts.Namespace = operatorNamespace
	opts.MetricsBindAddress = "0"
	opts.HealthProbeBindAddress = "0"
	opts.PlaneProbeInterval = 2 * time.Second
	opts.ResyncPeriod = resync
	// The manager runs as its service account, with exactly the RBAC of
	// config/rbac: every test below also proves that role is sufficient.
	managerConfig, err := f.UserConfig(f.Hub, "system:serviceaccount:"+operatorNamespace+":aileron-manager",
		"system:serviceaccounts", "system:serviceaccounts:"+operatorNamespace, "system:authenticated")
	Expect(err).NotTo(HaveOccurred())
	mgr, err := manager.New(managerConfig, opts)
	Expect(err).NotTo(HaveOccurred())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	DeferCleanup(cancel)
})

func repoPath(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

func createKubeconfigSecret(name string, kubeconfig []byte) {
	Expect(hub.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: name},
		Data:       map[string][]byte{"kubeconfig": kubeconfig},
	})).To(Succeed())
}
