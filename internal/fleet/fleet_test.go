package fleet_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/aileron-dev/aileron/internal/fleet"
)

// TestFleet starts a hub and two spokes, one of them running workloads,
// and checks what later suites rely on: a Deployment becomes Available, a
// namespace deletion completes, one spoke's API server can stop and come
// back with its data while the others keep answering, and Stop leaves no
// process behind.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real API servers")
	}
	g := NewWithT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	f, err := fleet.Start(ctx, fleet.Options{
		Spokes: []fleet.ClusterOptions{{Name: "spoke-1", Workloads: true}, {Name: "spoke-2"}},
	})
	g.Expect(err).NotTo(HaveOccurred())
	stopped := false
	defer func() {
		if !stopped {
			f.Stop()
		}
	}()
	g.Expect(f.Clusters()).To(HaveLen(3))

	hub := clientset(t, f.Hub)
	spoke1 := clientset(t, f.Spoke("spoke-1"))
	spoke2 := clientset(t, f.Spoke("spoke-2"))

	t.Run("clusters are separate", func(t *testing.T) {
		g := NewWithT(t)
		_, err := hub.CoreV1().Namespaces().Create(ctx, namespace("only-on-hub"), metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		_, err = spoke2.CoreV1().Namespaces().Get(ctx, "only-on-hub", metav1.GetOptions{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "a namespace created on the hub must not exist on a spoke: %v", err)
	})

	t.Run("a Deployment becomes Available on a spoke with workloads", func(t *testing.T) {
		g := NewWithT(t)
		_, err := spoke1.CoreV1().Namespaces().Create(ctx, namespace("shop"), metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		_, err = spoke1.AppsV1().Deployments("shop").Create(ctx, deployment("web", 2), metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Eventually(func(g Gomega) {
			d, err := spoke1.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(d.Status.AvailableReplicas).To(Equal(int32(2)))
			g.Expect(d.Status.Conditions).To(ContainElement(And(
				HaveField("Type", appsv1.DeploymentAvailable),
				HaveField("Status", corev1.ConditionTrue))))
		}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
	})

	t.Run("a namespace deletion completes", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(spoke1.CoreV1().Namespaces().Delete(ctx, "shop", metav1.DeleteOptions{})).To(Succeed())
		g.Eventually(func() bool {
			_, err := spoke1.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}).WithTimeout(2*time.Minute).WithPolling(time.Second).Should(BeTrue(), "the namespace, its pods and its Deployment should go away")
	})

	t.Run("one spoke's API server stops and restarts while the others answer", func(t *testing.T) {
		g := NewWithT(t)
		_, err := spoke1.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "survives-restart"},
		}, metav1.CreateOptions{})
		g.Expect(err).NotTo(HaveOccurred())

		f.Spoke("spoke-1").StopAPIServer()
		_, err = spoke1.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
		g.Expect(err).To(HaveOccurred(), "a stopped API server must not answer")
		_, err = spoke2.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred(), "the other spoke must keep answering")
		_, err = hub.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred(), "the hub must keep answering")

		g.Expect(f.Spoke("spoke-1").StartAPIServer(ctx)).To(Succeed())
		_, err = spoke1.CoreV1().ConfigMaps("default").Get(ctx, "survives-restart", metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred(), "data written before the stop must be there after the restart")
	})

	t.Run("Stop leaves no process behind", func(t *testing.T) {
		g := NewWithT(t)
		pids := f.PIDs()
		// etcd, 3 API servers, and a controller manager, scheduler and kwok.
		g.Expect(pids).To(HaveLen(7))
		f.Stop()
		stopped = true
		for _, pid := range pids {
			err := syscall.Kill(pid, 0)
			g.Expect(errors.Is(err, syscall.ESRCH)).To(BeTrue(), "process %d is still running after Stop", pid)
		}
	})
}

func clientset(t *testing.T, c *fleet.Cluster) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

func deployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/web:1"}}},
			},
		},
	}
}
