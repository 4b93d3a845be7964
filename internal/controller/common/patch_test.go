package common

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// TestPatchFromAStaleReadIsRefused checks that a status computed from a
// copy older than the object (a cache that has not caught up with the
// manager's own last write) is refused, not half-applied: the merge patch
// from the stale copy would not carry the condition the copy already had,
// leaving the object with the new counter and the old condition.
func TestPatchFromAStaleReadIsRefused(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	if err := platformv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&platformv1alpha1.DataPlane{}).Build()
	dp := &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-1"}}
	if err := c.Create(ctx, dp); err != nil {
		t.Fatal(err)
	}
	reachable := func(obj *platformv1alpha1.DataPlane, ok bool, failures int32) {
		status := metav1.ConditionTrue
		if !ok {
			status = metav1.ConditionFalse
		}
		meta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{Type: platformv1alpha1.ConditionReachable, Status: status, Reason: "Probe"})
		obj.Status.ConsecutiveProbeFailures = failures
	}
	// The plane was reachable with two failed probes; that copy is what a
	// lagging cache still serves.
	reachable(dp, true, 2)
	if err := c.Status().Update(ctx, dp); err != nil {
		t.Fatal(err)
	}
	stale := dp.DeepCopy()
	// The third failure marks it unreachable.
	reachable(dp, false, 3)
	if err := c.Status().Update(ctx, dp); err != nil {
		t.Fatal(err)
	}

	// A reconcile starts from the stale copy and finds the plane answering.
	p, err := NewPatcher(c, stale)
	if err != nil {
		t.Fatal(err)
	}
	reachable(stale, true, 0)
	if err := p.Patch(ctx, stale); !apierrors.IsConflict(err) {
		t.Fatalf("a patch computed from a stale copy must fail with a conflict, got %v", err)
	}
	got := &platformv1alpha1.DataPlane{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(dp), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.ConsecutiveProbeFailures != 3 || meta.IsStatusConditionTrue(got.Status.Conditions, platformv1alpha1.ConditionReachable) {
		t.Fatalf("the object must be left as it was, got %d failures, conditions %v", got.Status.ConsecutiveProbeFailures, got.Status.Conditions)
	}

	// From a fresh copy the same change lands whole.
	p, err = NewPatcher(c, got)
	if err != nil {
		t.Fatal(err)
	}
	reachable(got, true, 0)
	if err := p.Patch(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(dp), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.ConsecutiveProbeFailures != 0 || !meta.IsStatusConditionTrue(got.Status.Conditions, platformv1alpha1.ConditionReachable) {
		t.Fatalf("a fresh patch must land whole, got %d failures, conditions %v", got.Status.ConsecutiveProbeFailures, got.Status.Conditions)
	}
}
