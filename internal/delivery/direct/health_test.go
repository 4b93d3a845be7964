package direct

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func TestDeploymentHealth(t *testing.T) {
	dep := func(gen, observed int64, want, replicas, updated, available int32) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: gen},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(want)},
			Status:     appsv1.DeploymentStatus{ObservedGeneration: observed, Replicas: replicas, UpdatedReplicas: updated, AvailableReplicas: available},
		}
	}
	stalled := dep(2, 2, 2, 2, 1, 1)
	stalled.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: "ProgressDeadlineExceeded", Message: "timed out"}}
	for _, tc := range []struct {
		name string
		d    *appsv1.Deployment
		want platformv1alpha1.PlaneHealth
	}{
		{"all available", dep(2, 2, 2, 2, 2, 2), platformv1alpha1.HealthHealthy},
		{"spec not yet observed", dep(3, 2, 2, 2, 2, 2), platformv1alpha1.HealthProgressing},
		{"replicas still starting", dep(2, 2, 3, 3, 3, 1), platformv1alpha1.HealthProgressing},
		{"old replicas still running", dep(2, 2, 2, 3, 2, 2), platformv1alpha1.HealthProgressing},
		{"scaled to zero", dep(2, 2, 0, 0, 0, 0), platformv1alpha1.HealthSuspended},
		{"rollout stalled", stalled, platformv1alpha1.HealthDegraded},
	} {
		if got, msg := DeploymentHealth(tc.d); got != tc.want {
			t.Errorf("%s: got %s (%s), want %s", tc.name, got, msg, tc.want)
		}
	}
}

func TestCronJobHealth(t *testing.T) {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "report"}}
	if h, _ := CronJobHealth(cj); h != platformv1alpha1.HealthHealthy {
		t.Errorf("a new CronJob should be Healthy, got %s", h)
	}
	cj.Spec.Suspend = ptr.To(true)
	if h, _ := CronJobHealth(cj); h != platformv1alpha1.HealthSuspended {
		t.Errorf("a suspended CronJob should be Suspended, got %s", h)
	}
}

func TestStale(t *testing.T) {
	a := platformv1alpha1.InventoryEntry{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "a"}
	b := platformv1alpha1.InventoryEntry{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "b"}
	c := platformv1alpha1.InventoryEntry{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler", Namespace: "ns", Name: "b"}
	got := Stale([]platformv1alpha1.InventoryEntry{a, b, c}, []platformv1alpha1.InventoryEntry{b})
	if len(got) != 2 || got[0] != a || got[1] != c {
		t.Fatalf("Stale = %v", got)
	}
}
