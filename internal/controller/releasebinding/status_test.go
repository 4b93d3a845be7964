package releasebinding

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// TestSummarize checks the binding's Ready condition, status.release and
// when it is looked at again, for each mix of plane outcomes; every
// expected message is written out by hand.
func TestSummarize(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const resync = 5 * time.Minute
	plane := func(name string, h platformv1alpha1.PlaneHealth, release, msg string) outcome {
		return outcome{status: platformv1alpha1.PlaneDeliveryStatus{
			Plane: name, Health: h, Release: release, Message: msg, Delivery: platformv1alpha1.DeliveryDirect}}
	}
	gitopsPlane := func(o outcome) outcome {
		o.status.Delivery = platformv1alpha1.DeliveryGitOps
		return o
	}
	withProblem := func(o outcome, p problem, retryIn time.Duration) outcome {
		o.problem = p
		if retryIn != 0 {
			o.retryAt = now.Add(retryIn)
		}
		return o
	}
	healthy := func(name string) outcome { return plane(name, platformv1alpha1.HealthHealthy, "r2", "") }
	cases := []struct {
		name          string
		state         platformv1alpha1.BindingState
		statusRelease string
		outcomes      []outcome
		targets       int

		status          metav1.ConditionStatus
		reason, message string
		stalled         bool
		release         string
		after           time.Duration
		rollingOut      []string
	}{
		{
			name: "every plane healthy at the release", outcomes: []outcome{healthy("eu-1"), healthy("us-1")}, targets: 2,
			status: metav1.ConditionTrue, reason: platformv1alpha1.ReasonReconciled, message: "release r2 runs on 2 of 2 plane(s)",
			release: "r2", after: resync,
		},
		{
			name: "a healthy plane at the previous release", statusRelease: "r1",
			outcomes: []outcome{healthy("eu-1"), plane("us-1", platformv1alpha1.HealthHealthy, "r1", "")}, targets: 2,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonWaitingForWorkload, message: "us-1: ",
			release: "r1", after: progressingRequeue,
		},
		{
			name:     "a Direct rollout under way waits on the plane's watch",
			outcomes: []outcome{healthy("eu-1"), plane("us-1", platformv1alpha1.HealthProgressing, "r2", "1 of 3 replicas updated")}, targets: 2,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonWaitingForWorkload, message: "us-1: 1 of 3 replicas updated",
			after: progressingRequeue, rollingOut: []string{"us-1"},
		},
		{
			name:     "a GitOps plane progressing is polled",
			outcomes: []outcome{gitopsPlane(plane("eu-1", platformv1alpha1.HealthProgressing, "r2", "waiting for Argo CD to sync"))}, targets: 1,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonWaitingForWorkload, message: "eu-1: waiting for Argo CD to sync",
			after: progressingRequeue,
		},
		{
			name: "an unreachable plane",
			outcomes: []outcome{
				plane("eu-1", platformv1alpha1.HealthDegraded, "r2", "crash looping"),
				plane("us-1", platformv1alpha1.HealthUnreachable, "r1", "connection refused"),
			}, targets: 2,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonPlaneUnreachable,
			message: "waiting for unreachable plane(s) us-1; eu-1: crash looping", after: unreachableRequeue,
		},
		{
			name: "the repository wins over an unreachable plane, whatever its message says",
			outcomes: []outcome{
				plane("eu-1", platformv1alpha1.HealthUnreachable, "r1", "connection refused"),
				withProblem(gitopsPlane(plane("us-1", platformv1alpha1.HealthUnknown, "r1", "push timed out")), repositoryProblem, 0),
			}, targets: 2,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonRepositoryUnavailable, message: "us-1: push timed out",
			after: unreachableRequeue,
		},
		{
			name: "many unreachable planes are named up to five",
			outcomes: []outcome{
				plane("p1", platformv1alpha1.HealthUnreachable, "r1", "down"), plane("p2", platformv1alpha1.HealthUnreachable, "r1", "down"),
				plane("p3", platformv1alpha1.HealthUnreachable, "r1", "down"), plane("p4", platformv1alpha1.HealthUnreachable, "r1", "down"),
				plane("p5", platformv1alpha1.HealthUnreachable, "r1", "down"), plane("p6", platformv1alpha1.HealthUnreachable, "r1", "down"),
				plane("p7", platformv1alpha1.HealthUnreachable, "r1", "down"),
			}, targets: 7,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonPlaneUnreachable,
			message: "waiting for unreachable plane(s) p1, p2, p3, p4, p5 (and 2 more); p1: down", after: unreachableRequeue,
		},
		{
			name:     "a message that only looks like a repository's is not one",
			outcomes: []outcome{plane("eu-1", platformv1alpha1.HealthUnreachable, "r1", "Git repository: not really")}, targets: 1,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonPlaneUnreachable,
			message: "waiting for unreachable plane(s) eu-1; eu-1: Git repository: not really", after: unreachableRequeue,
		},
		{
			name: "a refusal stalls, before a repository problem, and is tried again at the soonest retry",
			outcomes: []outcome{
				withProblem(plane("eu-1", platformv1alpha1.HealthDegraded, "r1", "denied: image not allowed"), renderRefused, 40*time.Second),
				withProblem(gitopsPlane(plane("eu-2", platformv1alpha1.HealthUnknown, "r1", "push timed out")), repositoryProblem, 0),
				withProblem(plane("us-1", platformv1alpha1.HealthDegraded, "r1", "too large"), renderRefused, 10*time.Second),
			}, targets: 3,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonRenderRefused, stalled: true,
			message: "the plane refuses release r2: eu-1: denied: image not allowed; us-1: too large (tried again when it changes, or after a delay that doubles up to 5m0s)",
			after:   10 * time.Second,
		},
		{
			name:     "a refusal due now is looked at in a second, not at once",
			outcomes: []outcome{withProblem(plane("eu-1", platformv1alpha1.HealthDegraded, "r1", "denied"), renderRefused, -time.Second)}, targets: 1,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonRenderRefused, stalled: true,
			message: "the plane refuses release r2: eu-1: denied (tried again when it changes, or after a delay that doubles up to 5m0s)",
			after:   time.Second,
		},
		{
			name: "suspended everywhere", state: platformv1alpha1.BindingSuspended,
			outcomes: []outcome{plane("eu-1", platformv1alpha1.HealthSuspended, "r2", "")}, targets: 1,
			status: metav1.ConditionTrue, reason: platformv1alpha1.ReasonReconciled, message: "release r2 is suspended on 1 plane(s)",
			release: "r2", after: resync,
		},
		{
			name: "suspended, but a plane still runs it", state: platformv1alpha1.BindingSuspended,
			outcomes: []outcome{plane("eu-1", platformv1alpha1.HealthHealthy, "r2", "scaling down")}, targets: 1,
			status: metav1.ConditionFalse, reason: platformv1alpha1.ReasonWaitingForWorkload, message: "eu-1: scaling down",
			after: progressingRequeue,
		},
		{
			name: "undeployed and gone from every plane", state: platformv1alpha1.BindingUndeployed, statusRelease: "r1",
			status: metav1.ConditionTrue, reason: platformv1alpha1.ReasonReconciled, message: "undeployed: nothing of the component runs in production",
			after: resync,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			replicas := int32(3)
			b := &platformv1alpha1.ReleaseBinding{
				Spec: platformv1alpha1.ReleaseBindingSpec{
					Release: "r2", State: tc.state,
					EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: "production"},
					Overrides:      &platformv1alpha1.BindingOverrides{Replicas: &replicas},
				},
				Status: platformv1alpha1.ReleaseBindingStatus{Release: tc.statusRelease, OverridesHash: "before"},
			}
			w := summarize(b, tc.outcomes, tc.targets, now, resync)
			ready := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
			if ready == nil {
				t.Fatal("no Ready condition")
			}
			if ready.Status != tc.status || ready.Reason != tc.reason || ready.Message != tc.message {
				t.Errorf("Ready = %s %s %q\nwant  %s %s %q", ready.Status, ready.Reason, ready.Message, tc.status, tc.reason, tc.message)
			}
			stalled := meta.IsStatusConditionTrue(b.Status.Conditions, platformv1alpha1.ConditionStalled)
			if stalled != tc.stalled {
				t.Errorf("Stalled = %v, want %v", stalled, tc.stalled)
			}
			if b.Status.Release != tc.release {
				t.Errorf("status.release = %q, want %q", b.Status.Release, tc.release)
			}
			// The overrides delivered change with the release delivered:
			// c6e0136096902323 is sha256 of {"replicas":3}, shortened (sha256sum).
			wantOverrides := "before"
			switch {
			case tc.state == platformv1alpha1.BindingUndeployed:
				wantOverrides = ""
			case tc.release == "r2":
				wantOverrides = "c6e0136096902323"
			}
			if b.Status.OverridesHash != wantOverrides {
				t.Errorf("status.overridesHash = %q, want %q", b.Status.OverridesHash, wantOverrides)
			}
			if w.after != tc.after || !slices.Equal(w.rollingOut, tc.rollingOut) {
				t.Errorf("wait = %s rolling out %v, want %s rolling out %v", w.after, w.rollingOut, tc.after, tc.rollingOut)
			}
			if len(b.Status.Planes) != len(tc.outcomes) {
				t.Errorf("%d planes in status, want %d", len(b.Status.Planes), len(tc.outcomes))
			}
		})
	}
}

// TestProblemOfIsByType: an outcome is a repository problem when an error
// among its message's arguments is a repositoryError, however wrapped,
// and never for its text alone.
func TestProblemOfIsByType(t *testing.T) {
	st := platformv1alpha1.PlaneDeliveryStatus{Plane: "eu-1"}
	cases := []struct {
		name string
		o    outcome
		want problem
	}{
		{"a repository error", failed(st, platformv1alpha1.HealthUnknown, "%v", &repositoryError{errors.New("timeout")}), repositoryProblem},
		{"wrapped", failed(st, platformv1alpha1.HealthProgressing, "taking over: %v", fmt.Errorf("removing: %w", &repositoryError{errors.New("timeout")})), repositoryProblem},
		{"another error", failed(st, platformv1alpha1.HealthUnreachable, "%v", errors.New("Git repository: timeout")), noProblem},
		{"no error", failed(st, platformv1alpha1.HealthProgressing, "%s", "Git repository: timeout"), noProblem},
	}
	for _, tc := range cases {
		if tc.o.problem != tc.want {
			t.Errorf("%s: problem %d, want %d", tc.name, tc.o.problem, tc.want)
		}
	}
	o := failed(st, platformv1alpha1.HealthUnknown, "%v", &repositoryError{errors.New("timeout")})
	if o.status.Message != "Git repository: timeout" || o.status.Health != platformv1alpha1.HealthUnknown {
		t.Errorf("status = %+v", o.status)
	}
}
