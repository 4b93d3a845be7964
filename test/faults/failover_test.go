package faults

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/test/testbed"
)

// replica is a manager process of the failover spec.
type replica struct {
	cmd *exec.Cmd
	log string
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	return string(b[max(0, len(b)-3000):])
}

// leads tells whether the replica has started its controllers, which a
// manager does only once it holds the lease.
func (r *replica) leads() bool {
	b, _ := os.ReadFile(r.log)
	return strings.Contains(string(b), `"msg":"Starting workers"`)
}

// failoverSpecs run the manager as two real processes electing a leader,
// kill the leader mid-rollout, and check that the other takes over and
// finishes the work with nothing duplicated. They run last: they replace
// the suite's in-process manager.
func failoverSpecs() {
	It("fails over to the second replica when the leader is killed mid-rollout, and finishes with nothing duplicated", func() {
		stopManager()
		stopManager = func() {}
		dir := GinkgoT().TempDir()
		bin := filepath.Join(dir, "manager")
		build := exec.Command("go", "build", "-o", bin, "./cmd/manager")
		build.Dir = testbed.Repo()
		out, err := build.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		cfg, err := bed.ManagerConfig()
		Expect(err).NotTo(HaveOccurred())
		kubeconfig, err := fleet.Kubeconfig("hub", cfg)
		Expect(err).NotTo(HaveOccurred())
		kubeconfigPath := filepath.Join(dir, "kubeconfig")
		Expect(os.WriteFile(kubeconfigPath, kubeconfig, 0o600)).To(Succeed())

		var replicas []*replica
		for _, name := range []string{"a", "b"} {
			r := &replica{log: filepath.Join(dir, name+".log")}
			logFile, err := os.Create(r.log)
			Expect(err).NotTo(HaveOccurred())
			r.cmd = exec.Command(bin, "--kubeconfig", kubeconfigPath, "--namespace", testbed.OperatorNamespace,
				"--leader-elect", "--leader-elect-lease-duration=4s", "--leader-elect-renew-deadline=3s", "--leader-elect-retry-period=500ms",
				"--metrics-bind-address=0", "--health-probe-bind-address=0", "--plane-probe-interval=2s")
			r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
			r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			Expect(r.cmd.Start()).To(Succeed())
			replicas = append(replicas, r)
			DeferCleanup(func() {
				_ = r.cmd.Process.Kill()
				_, _ = r.cmd.Process.Wait()
				_ = logFile.Close()
			})
		}
		var leader, follower *replica
		Eventually(func(g Gomega) {
			for i, r := range replicas {
				g.Expect(r.cmd.ProcessState).To(BeNil(), "replica %d exited: %s", i, tail(r.log))
				if r.leads() {
					leader, follower = r, replicas[1-i]
					return
				}
			}
			g.Expect(leader).NotTo(BeNil(), "no replica leads; the first one logged: %s", tail(replicas[0].log))
		}).Should(Succeed())
		lease := &coordinationv1.Lease{}
		leaseKey := client.ObjectKey{Namespace: testbed.OperatorNamespace, Name: manager.LeaderElectionID}
		Expect(hub.Get(ctx, leaseKey, lease)).To(Succeed())
		holder := *lease.Spec.HolderIdentity

		all := liveComponents()
		patchImages(all, "5")
		Eventually(func() int { return readyBindings(all) }).WithPolling(100 * time.Millisecond).Should(BeNumerically(">=", 2))
		Expect(readyBindings(all)).To(BeNumerically("<", len(all)), "the leader must die mid-rollout")
		Expect(leader.cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
		killed := time.Now()
		Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, leaseKey, lease)).To(Succeed())
			g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
			g.Expect(*lease.Spec.HolderIdentity).NotTo(Equal(holder))
		}).WithPolling(100 * time.Millisecond).Should(Succeed())
		failover := time.Since(killed)
		Eventually(follower.leads).WithPolling(100 * time.Millisecond).Should(BeTrue())
		working := time.Since(killed)
		expectAllReady()
		finished := time.Since(killed)
		expectExactly()
		AddReportEntry("leader killed → lease taken over by the other replica", failover.Round(100*time.Millisecond).String())
		AddReportEntry("leader killed → the other replica's controllers running", working.Round(100*time.Millisecond).String())
		AddReportEntry("leader killed → rollout finished by the other replica", finished.Round(100*time.Millisecond).String())
		GinkgoWriter.Printf("failover: lease taken in %s (lease duration 4s), controllers running in %s; rollout finished %s after the kill\n",
			failover.Round(100*time.Millisecond), working.Round(100*time.Millisecond), finished.Round(100*time.Millisecond))

		// Their logs hold no credential either.
		for _, r := range replicas {
			b, err := os.ReadFile(r.log)
			Expect(err).NotTo(HaveOccurred())
			managerLog.Write(b) //nolint:errcheck // an in-memory buffer
		}
	})
}
