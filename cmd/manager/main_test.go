package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
)

// TestManagerStartsOnTheHub runs the manager binary's entry point against a
// real hub with the CRDs installed: it becomes healthy and ready, takes the
// leader lease in its namespace, and stops cleanly when asked.
func TestManagerStartsOnTheHub(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real API server")
	}
	g := NewWithT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	f, err := fleet.Start(ctx, fleet.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	defer f.Stop()
	g.Expect(f.Hub.InstallCRDs(filepath.Join("..", "..", "config", "crd", "bases"))).To(Succeed())

	hub, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "aileron-system"}})).To(Succeed())
	// The API is served: the manager's scheme and the installed CRDs agree.
	g.Expect(hub.List(ctx, &platformv1alpha1.ComponentList{})).To(Succeed())

	probes := freeAddr(t)
	var logs bytes.Buffer
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, []string{
			"--kubeconfig=" + f.Hub.KubeconfigPath,
			"--namespace=aileron-system",
			"--health-probe-bind-address=" + probes,
			"--metrics-bind-address=0",
			"--leader-elect",
			"--max-concurrent-reconciles=2",
		}, &logs)
	}()

	for _, path := range []string{"/healthz", "/readyz"} {
		g.Eventually(func() (int, error) {
			resp, err := http.Get("http://" + probes + path)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close() //nolint:errcheck // status only
			return resp.StatusCode, nil
		}).WithTimeout(time.Minute).Should(Equal(http.StatusOK), "%s should answer 200", path)
	}
	g.Eventually(func(g Gomega) {
		lease := &coordinationv1.Lease{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "aileron-system", Name: manager.LeaderElectionID}, lease)).To(Succeed())
		g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
	}).WithTimeout(time.Minute).Should(Succeed(), "the manager should take the leader lease")

	stop()
	select {
	case err := <-done:
		g.Expect(err).NotTo(HaveOccurred(), "the manager should stop cleanly; its log:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the manager did not stop within 30 s; its log:\n%s", logs.String())
	}
}

// TestInvalidFlagsRefused checks that options that cannot work are refused
// before anything starts, with a message naming the flag.
func TestInvalidFlagsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-concurrent-reconciles=0"}, "--max-concurrent-reconciles must be at least 1"},
		{[]string{"--namespace="}, "--namespace must not be empty"},
		{[]string{"--kube-api-qps=0"}, "--kube-api-qps and --kube-api-burst must be positive"},
		{[]string{"--leader-elect", "--leader-elect-lease-duration=1s"}, "lease duration > renew deadline > retry period"},
		{[]string{"--no-such-flag"}, "flag provided but not defined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() //nolint:errcheck // only reserving a port number
	return l.Addr().String()
}
