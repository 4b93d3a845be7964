package plane

import (
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/planes"
)

var (
	ok      = planes.ProbeResult{KubernetesVersion: "v1.36.3", Nodes: 1}
	down    = planes.ProbeResult{Err: errors.New("connection refused")}
	refused = planes.ProbeResult{Err: errors.New("Unauthorized"), Unauthorized: true}
)

func TestApplyProbe(t *testing.T) {
	for _, tc := range []struct {
		name      string
		probes    []planes.ProbeResult
		reachable metav1.ConditionStatus
		ready     metav1.ConditionStatus
		failures  int32
	}{
		{"answers", []planes.ProbeResult{ok}, metav1.ConditionTrue, metav1.ConditionTrue, 0},
		{"first probes fail", []planes.ProbeResult{down, down}, metav1.ConditionUnknown, metav1.ConditionFalse, 2},
		{"two failures keep a reachable plane reachable", []planes.ProbeResult{ok, down, down}, metav1.ConditionTrue, metav1.ConditionTrue, 2},
		{"three failures make it unreachable", []planes.ProbeResult{ok, down, down, down}, metav1.ConditionFalse, metav1.ConditionFalse, 3},
		{"refused credentials make it unreachable at once", []planes.ProbeResult{ok, refused}, metav1.ConditionFalse, metav1.ConditionFalse, 1},
		{"it recovers by itself", []planes.ProbeResult{ok, down, down, down, ok}, metav1.ConditionTrue, metav1.ConditionTrue, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-1", Generation: 1}}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var reachable bool
			for _, res := range tc.probes {
				reachable = applyProbe(p, "aileron-system/eu-1", res, now)
				now = now.Add(time.Second)
			}
			got := meta.FindStatusCondition(p.Status.Conditions, platformv1alpha1.ConditionReachable)
			if got == nil || got.Status != tc.reachable {
				t.Fatalf("Reachable = %+v, want %s", got, tc.reachable)
			}
			if reachable != (tc.reachable == metav1.ConditionTrue) {
				t.Errorf("applyProbe returned reachable=%v", reachable)
			}
			if ready := meta.FindStatusCondition(p.Status.Conditions, platformv1alpha1.ConditionReady); ready == nil || ready.Status != tc.ready {
				t.Errorf("Ready = %+v, want %s", ready, tc.ready)
			}
			if p.Status.ConsecutiveProbeFailures != tc.failures {
				t.Errorf("failures = %d, want %d", p.Status.ConsecutiveProbeFailures, tc.failures)
			}
		})
	}
}
