package common

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

// TestPatchFromAStaleReadIsRefused checks that a status computed from a
// copy older than the object (a cache that has not caught up with the
// manager's own last write) is refused, not half-applied: the merge patch
// from the stale copy would not carry the condition the copy already had,
// leaving the object with the new counter and the old condition.
func TestPatchFromAStaleReadIsRefused(t *testing.T) {
	ctx := context.Background()
	c := fakehub.Builder(t).WithStatusSubresource(&platformv1alpha1.DataPlane{}).Build()
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

// hook is a controller whose live reconcile is the function, and whose
// delete does nothing.
type hook func(*platformv1alpha1.DataPlane) ctrl.Result

func (h hook) ReconcileNormal(_ context.Context, dp *platformv1alpha1.DataPlane) (ctrl.Result, error) {
	return h(dp), nil
}

func (hook) ReconcileDelete(context.Context, *platformv1alpha1.DataPlane) (ctrl.Result, error) {
	return ctrl.Result{}, nil
}

// setFailures sets a DataPlane's failure counter to n on every reconcile.
func setFailures(n int32) hook {
	return func(dp *platformv1alpha1.DataPlane) ctrl.Result {
		dp.Status.ConsecutiveProbeFailures = n
		return ctrl.Result{}
	}
}

// stall marks a DataPlane Stalled and asks to be looked at again after
// requeue (not at all when zero).
func stall(requeue time.Duration) hook {
	return func(dp *platformv1alpha1.DataPlane) ctrl.Result {
		conditions.MarkStalled(dp, platformv1alpha1.ReasonInvalidSpec, "spec.connection names no kubeconfig")
		return ctrl.Result{RequeueAfter: requeue}
	}
}

// staleReads is a client holding the DataPlane name, with a finalizer,
// whose reads return the copy given to serve while one is given, as a cache
// that has not caught up would; base is the client behind it.
func staleReads(t *testing.T, name string) (base, c client.Client, serve func(*platformv1alpha1.DataPlane)) {
	t.Helper()
	dp := &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: []string{platformv1alpha1.Finalizer}}}
	base = fakehub.Builder(t, dp).WithStatusSubresource(&platformv1alpha1.DataPlane{}).Build()
	var stale *platformv1alpha1.DataPlane
	c = interceptor.NewClient(base.(client.WithWatch), interceptor.Funcs{Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if stale != nil {
			stale.DeepCopyInto(obj.(*platformv1alpha1.DataPlane))
			return nil
		}
		return cl.Get(ctx, key, obj, opts...)
	}})
	return base, c, func(served *platformv1alpha1.DataPlane) { stale = served }
}

// TestReconcileRetriesAConflictSoon checks that a reconcile which read a
// stale copy neither reports an error (which would grow the object's
// backoff) nor writes: it asks to run again after ConflictRetryDelay, and
// that run, on a fresh copy, lands.
func TestReconcileRetriesAConflictSoon(t *testing.T) {
	ctx := context.Background()
	base, c, serve := staleReads(t, "eu-1")
	req := ctrl.Request{NamespacedName: client.ObjectKey{Name: "eu-1"}}
	stale := &platformv1alpha1.DataPlane{}
	if err := base.Get(ctx, req.NamespacedName, stale); err != nil {
		t.Fatal(err)
	}
	current := stale.DeepCopy()
	current.Status.ConsecutiveProbeFailures = 5
	if err := base.Status().Update(ctx, current); err != nil {
		t.Fatal(err)
	}

	serve(stale)
	res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, hook(func(dp *platformv1alpha1.DataPlane) ctrl.Result {
		dp.Status.ConsecutiveProbeFailures++
		return ctrl.Result{}
	}))
	serve(nil)
	if err != nil || res.RequeueAfter != ConflictRetryDelay {
		t.Fatalf("a reconcile from a stale copy must ask to run again after %v without an error, got %+v, %v", ConflictRetryDelay, res, err)
	}
	got := &platformv1alpha1.DataPlane{}
	if err := base.Get(ctx, req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if got.Status.ConsecutiveProbeFailures != 5 {
		t.Fatalf("the stale reconcile must write nothing, the counter is %d", got.Status.ConsecutiveProbeFailures)
	}
	if res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, hook(func(dp *platformv1alpha1.DataPlane) ctrl.Result {
		dp.Status.ConsecutiveProbeFailures++
		return ctrl.Result{}
	})); err != nil || res.RequeueAfter != 0 {
		t.Fatalf("the retry on a fresh copy must succeed, got %+v, %v", res, err)
	}
	if err := base.Get(ctx, req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if got.Status.ConsecutiveProbeFailures != 6 {
		t.Fatalf("the retry must count from the fresh copy: want 6, got %d", got.Status.ConsecutiveProbeFailures)
	}
}

// TestNothingToWriteOnACopyOlderThanTheLastWriteRunsAgain checks the case
// the resourceVersion fence cannot catch, as no patch is sent: a reconcile
// computes what the stale copy it read already says, while the object holds
// what the previous reconcile wrote. It must run again rather than leave
// the older write in place: the event bringing the newer copy is a status
// change, which the controllers' predicates filter out.
func TestNothingToWriteOnACopyOlderThanTheLastWriteRunsAgain(t *testing.T) {
	ctx := context.Background()
	base, c, serve := staleReads(t, "eu-stale")
	req := ctrl.Request{NamespacedName: client.ObjectKey{Name: "eu-stale"}}
	counter := func() int32 {
		got := &platformv1alpha1.DataPlane{}
		if err := base.Get(ctx, req.NamespacedName, got); err != nil {
			t.Fatal(err)
		}
		return got.Status.ConsecutiveProbeFailures
	}

	// The counter is 0 in the copy the cache keeps serving; a reconcile
	// writes 3.
	old := &platformv1alpha1.DataPlane{}
	if err := base.Get(ctx, req.NamespacedName, old); err != nil {
		t.Fatal(err)
	}
	if _, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, setFailures(3)); err != nil {
		t.Fatal(err)
	}
	if got := counter(); got != 3 {
		t.Fatalf("the first reconcile must write 3, the counter is %d", got)
	}
	// The next reconcile computes 0, which the stale copy already holds.
	serve(old)
	res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, setFailures(0))
	if err != nil || res.RequeueAfter != ConflictRetryDelay {
		t.Fatalf("finding nothing to write on a copy older than its last write, a reconcile must run again after %v, got %+v, %v", ConflictRetryDelay, res, err)
	}
	if got := counter(); got != 3 {
		t.Fatalf("it cannot know what to write, and must write nothing: the counter is %d", got)
	}
	// Once the cache caught up, the same reconcile writes 0 and is done.
	serve(nil)
	if res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, setFailures(0)); err != nil || !res.IsZero() {
		t.Fatalf("on a fresh copy the reconcile must write and be done, got %+v, %v", res, err)
	}
	if got := counter(); got != 0 {
		t.Fatalf("on a fresh copy the reconcile must write 0, the counter is %d", got)
	}
	// A copy as new as the last write, with nothing to write, is done.
	if res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, setFailures(0)); err != nil || !res.IsZero() {
		t.Fatalf("on a current copy with nothing to write the reconcile is done, got %+v, %v", res, err)
	}
}

// TestStalledIsATerminalError: a reconcile that leaves its object Stalled
// with nothing scheduled returns a terminal error (counted apart from
// successes, never retried with backoff), after writing the status and the
// observed generation; one scheduled to look again returns none; and a
// reconcile that clears the stall returns none.
func TestStalledIsATerminalError(t *testing.T) {
	ctx := context.Background()
	base, c, _ := staleReads(t, "eu-stalled")
	req := ctrl.Request{NamespacedName: client.ObjectKey{Name: "eu-stalled"}}

	_, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, stall(0))
	if !errors.Is(err, reconcile.TerminalError(nil)) {
		t.Fatalf("a stall with nothing scheduled must be a terminal error, got %v", err)
	}
	if want := "stalled (InvalidSpec): spec.connection names no kubeconfig"; !strings.Contains(err.Error(), want) {
		t.Errorf("the error %q does not say %q", err, want)
	}
	got := &platformv1alpha1.DataPlane{}
	if err := base.Get(ctx, req.NamespacedName, got); err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(got.Status.Conditions, platformv1alpha1.ConditionStalled) || got.Status.ObservedGeneration != got.Generation {
		t.Fatalf("the stall must still be written with the observed generation: %+v", got.Status)
	}

	if res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, stall(5*time.Second)); err != nil || res.RequeueAfter != 5*time.Second {
		t.Fatalf("a stall looked at again later is no error: got %+v, %v", res, err)
	}
	if res, err := Reconcile(ctx, c, req, &platformv1alpha1.DataPlane{}, hook(func(dp *platformv1alpha1.DataPlane) ctrl.Result {
		conditions.MarkReady(dp, "reachable")
		return ctrl.Result{}
	})); err != nil || !res.IsZero() {
		t.Fatalf("a reconcile that clears the stall is no error: got %+v, %v", res, err)
	}
}
