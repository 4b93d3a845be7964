package buildrun

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render/build"
)

const (
	commit = "3f2a9c81d0b6e4f7a1c2d3e4f5a6b7c8d9e0f1a2"
	digest = "sha256:9c1e5a7b3d2f4e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a"
	repo   = "registry.acme.example/builds/acme/api"
)

var now = time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)

func newRun() *platformv1alpha1.BuildRun {
	return &platformv1alpha1.BuildRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "api-3f2a9c81d0", Generation: 1},
		Spec: platformv1alpha1.BuildRunSpec{
			ComponentRef: platformv1alpha1.LocalObjectReference{Name: "api"}, BuildPlaneRef: platformv1alpha1.LocalObjectReference{Name: "builder"},
			Commit: commit, Revision: "main",
		},
	}
}

func TestRecord(t *testing.T) {
	started := metav1.NewTime(now.Add(-time.Minute))
	finished := metav1.NewTime(now.Add(-time.Second))
	for _, tc := range []struct {
		name                        string
		out                         build.Outcome
		wantPhase                   platformv1alpha1.BuildRunPhase
		wantReady                   metav1.ConditionStatus
		wantReason, wantMessage     string
		wantImage, wantStep         string
		wantCompleted, wantStalled  bool
		wantCompletedAt, wantStarts *metav1.Time
	}{
		{name: "waiting for Argo", out: build.Outcome{Phase: platformv1alpha1.BuildRunPending, Message: "waiting for Argo Workflows on the build plane to start the workflow"},
			wantPhase: platformv1alpha1.BuildRunPending, wantReady: metav1.ConditionFalse, wantReason: platformv1alpha1.ReasonBuilding,
			wantMessage: "building commit 3f2a9c81d0b6 on BuildPlane builder: waiting for Argo Workflows on the build plane to start the workflow"},
		{name: "running", out: build.Outcome{Phase: platformv1alpha1.BuildRunRunning, Message: "running step build", StartedAt: &started},
			wantPhase: platformv1alpha1.BuildRunRunning, wantReady: metav1.ConditionFalse, wantReason: platformv1alpha1.ReasonBuilding,
			wantMessage: "building commit 3f2a9c81d0b6 on BuildPlane builder: running step build", wantStarts: &started},
		{name: "succeeded", out: build.Outcome{Phase: platformv1alpha1.BuildRunSucceeded, Digest: digest, StartedAt: &started, FinishedAt: &finished},
			wantPhase: platformv1alpha1.BuildRunSucceeded, wantReady: metav1.ConditionTrue, wantReason: platformv1alpha1.ReasonBuildSucceeded,
			wantMessage: "built " + repo + "@" + digest + " from commit 3f2a9c81d0b6", wantImage: repo + "@" + digest,
			wantCompleted: true, wantCompletedAt: &finished, wantStarts: &started},
		{name: "failed at a step", out: build.Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: "build", Message: "Error (exit code 51)"},
			wantPhase: platformv1alpha1.BuildRunFailed, wantReady: metav1.ConditionFalse, wantReason: platformv1alpha1.ReasonBuildFailed,
			wantMessage: "step build failed: Error (exit code 51): push a fix to build again", wantStep: "build",
			wantCompleted: true, wantStalled: true, wantCompletedAt: &metav1.Time{Time: now}},
		{name: "failed at no step", out: build.Outcome{Phase: platformv1alpha1.BuildRunFailed, Message: "Step exceeded its deadline"},
			wantPhase: platformv1alpha1.BuildRunFailed, wantReady: metav1.ConditionFalse, wantReason: platformv1alpha1.ReasonBuildFailed,
			wantMessage:   "the build failed: Step exceeded its deadline: push a fix to build again",
			wantCompleted: true, wantStalled: true, wantCompletedAt: &metav1.Time{Time: now}},
	} {
		run := newRun()
		record(run, tc.out, repo, now)
		st := run.Status
		ready := meta.FindStatusCondition(st.Conditions, platformv1alpha1.ConditionReady)
		switch {
		case st.Phase != tc.wantPhase:
			t.Errorf("%s: phase %s, want %s", tc.name, st.Phase, tc.wantPhase)
		case ready == nil || ready.Status != tc.wantReady || ready.Reason != tc.wantReason || ready.Message != tc.wantMessage:
			t.Errorf("%s: Ready %+v, want %s %s %q", tc.name, ready, tc.wantReady, tc.wantReason, tc.wantMessage)
		case st.Image != tc.wantImage || st.FailedStep != tc.wantStep:
			t.Errorf("%s: image %q step %q", tc.name, st.Image, st.FailedStep)
		case (st.CompletedAt != nil) != tc.wantCompleted || (tc.wantCompletedAt != nil && !st.CompletedAt.Equal(tc.wantCompletedAt)):
			t.Errorf("%s: completedAt %v, want %v", tc.name, st.CompletedAt, tc.wantCompletedAt)
		case tc.wantStarts != nil && (st.StartedAt == nil || !st.StartedAt.Equal(tc.wantStarts)):
			t.Errorf("%s: startedAt %v", tc.name, st.StartedAt)
		case meta.IsStatusConditionTrue(st.Conditions, platformv1alpha1.ConditionStalled) != tc.wantStalled:
			t.Errorf("%s: Stalled %v", tc.name, st.Conditions)
		}
	}
}

// A finished run keeps the time it first learned it finished.
func TestRecordKeepsCompletion(t *testing.T) {
	run := newRun()
	record(run, build.Outcome{Phase: platformv1alpha1.BuildRunFailed, Message: "x"}, repo, now)
	record(run, build.Outcome{Phase: platformv1alpha1.BuildRunFailed, Message: "x"}, repo, now.Add(time.Hour))
	if !run.Status.CompletedAt.Time.Equal(now) {
		t.Errorf("completedAt moved to %v", run.Status.CompletedAt)
	}
}

func TestFailEndsARunThatCannotRender(t *testing.T) {
	run := newRun()
	fail(run, `spec.build.contextPath "../x" leaves the repository`, now)
	ready := meta.FindStatusCondition(run.Status.Conditions, platformv1alpha1.ConditionReady)
	if run.Status.Phase != platformv1alpha1.BuildRunFailed || ready.Reason != platformv1alpha1.ReasonInvalidSpec || run.Status.Message != ready.Message {
		t.Errorf("got %+v", run.Status)
	}
}
