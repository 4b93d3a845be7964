// Package gitops runs GitOps delivery end to end against a real Argo CD:
// the manager commits to a bare Git repository on disk, and Argo CD v2.14
// (its repo server, application controller and ApplicationSet controller,
// built from its Go module, with Redis) syncs the commits into two data
// planes of a local fleet.
package gitops

import (
	"context"
	"io"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/gitserver"
	"github.com/aileron-dev/aileron/test/testbed"
)

const org = "globex"

var (
	ctx     context.Context
	cancel  context.CancelFunc
	bed     *testbed.Bed
	f       *fleet.Fleet
	hub     client.Client
	spokes  map[string]client.Client
	repoDir string
	gitHTTP *gitserver.Server
	suiteT0 time.Time
	// managerLog holds every line the in-process manager logged.
	managerLog testbed.LogBuffer
)

func TestGitOps(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers and a real Argo CD")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "gitops e2e")
}

var _ = BeforeSuite(func() {
	suiteT0 = time.Now()
	ctx, cancel = context.WithCancel(context.Background())
	ctrl.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, &managerLog)), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)

	var err error
	bed, err = testbed.Start(ctx, "eu-1", "na-1")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	f, hub, spokes = bed.Fleet, bed.Hub, bed.Spokes

	// Argo CD polls Git every few seconds here (3 minutes by default).
	Expect(f.StartArgoCD(ctx, fleet.ArgoCDOptions{Resync: 5 * time.Second})).To(Succeed())
	Expect(fleet.CreateManifests(ctx, hub, testbed.Repo("config", "argocd", "rbac.yaml"))).To(Succeed())

	root := GinkgoT().TempDir()
	repoDir, err = gitserver.InitBare(root, "platform.git")
	Expect(err).NotTo(HaveOccurred())
	gitHTTP, err = gitserver.Start(root, "aileron", "s3cret")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(gitHTTP.Close)

	opts := testbed.TestOptions()
	opts.GitOpsRepository.URL = "file://" + repoDir
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stop)
	DeferCleanup(cancel)
	AddReportEntry("fleet, Argo CD and manager started in", time.Since(suiteT0).Round(time.Second).String())
})

var _ = AfterSuite(func() {
	AddReportEntry("gitops e2e wall time", time.Since(suiteT0).Round(time.Second).String())
	GinkgoWriter.Printf("gitops e2e wall time: %s\n", time.Since(suiteT0).Round(time.Second))
})
