// Package build runs building from source end to end: the real manager on
// a hub, a data plane that runs workloads (kube-controller-manager,
// kube-scheduler, kwok) and a build plane serving Argo Workflows' upstream
// CRDs, with a bare Git repository on disk as the source. No Argo
// controller runs: the test writes each workflow's status the way Argo's
// controller would, success with the pushed digest or a failed step.
package build

import (
	"context"
	"os"
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

	"github.com/aileron-dev/aileron/test/gitserver"
	"github.com/aileron-dev/aileron/test/testbed"
)

const (
	org        = "acme"
	dataPlane  = "eu-1"
	buildPlane = "builds"
	// pollInterval is the manager's --source-poll-interval here: a pushed
	// commit is seen within it.
	pollInterval = 2 * time.Second
	// planeNamespace is the BuildPlane's namespace, holding pushSecret.
	planeNamespace  = "aileron-builds"
	pushSecret      = "registry-push"
	pushCredentials = `{"auths":{"registry.acme.example":{"auth":"cHVzaGVyOnMzY3JldA=="}}}`
)

var (
	ctx     context.Context
	cancel  context.CancelFunc
	bed     *testbed.Bed
	hub     client.Client
	spokes  map[string]client.Client
	repoDir string
	suiteT0 time.Time
)

func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "build e2e")
}

var _ = BeforeSuite(func() {
	suiteT0 = time.Now()
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(2 * time.Minute)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)

	var err error
	bed, err = testbed.StartWith(ctx, testbed.Options{APIOnlyPlanes: []string{buildPlane}}, dataPlane, buildPlane)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	hub, spokes = bed.Hub, bed.Spokes

	// The build plane serves Argo Workflows' own CRD, as its stack
	// installs it: every workflow Aileron makes is checked by it.
	shared := os.Getenv("AILERON_SHARED_DIR")
	if shared == "" {
		shared = testbed.Repo("..", "shared")
	}
	Expect(bed.Fleet.Spoke(buildPlane).InstallCRDs(filepath.Join(shared, "crds", "argo-workflows", "argoproj.io_workflows.yaml"))).To(Succeed())

	// The push Secret, where the platform keeps it: in the BuildPlane's
	// namespace. Aileron copies it into each organization's.
	Expect(spokes[buildPlane].Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: planeNamespace}})).To(Succeed())
	Expect(spokes[buildPlane].Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: planeNamespace, Name: pushSecret},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: []byte(pushCredentials)},
	})).To(Succeed())

	repoDir, err = gitserver.InitBare(GinkgoT().TempDir(), "api.git")
	Expect(err).NotTo(HaveOccurred())

	opts := testbed.TestOptions()
	opts.SourcePollInterval = pollInterval
	// The repositories here are on disk: file is allowed besides the
	// defaults, and http stays refused.
	opts.BuildSourceSchemes = []string{"https", "ssh", "file"}
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stop)
	DeferCleanup(cancel)
	AddReportEntry("fleet and manager started in", time.Since(suiteT0).Round(time.Second).String())
})

var _ = AfterSuite(func() {
	GinkgoWriter.Printf("build e2e wall time: %s\n", time.Since(suiteT0).Round(time.Second))
})
