package buildrun

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/render/build"
)

// record writes a workflow's outcome into the run's status: phase, times,
// image or failed step, and the conditions. repository is where the
// workflow pushed; now stands in for times the workflow does not report.
func record(run *platformv1alpha1.BuildRun, out build.Outcome, repository string, now time.Time) {
	st := &run.Status
	st.Phase = out.Phase
	if out.StartedAt != nil {
		st.StartedAt = out.StartedAt
	}
	if out.Phase.Finished() && st.CompletedAt == nil {
		st.CompletedAt = out.FinishedAt
		if st.CompletedAt == nil {
			t := metav1.NewTime(now)
			st.CompletedAt = &t
		}
	}
	short := run.Spec.Commit[:12]
	switch out.Phase {
	case platformv1alpha1.BuildRunSucceeded:
		st.Digest, st.Image = out.Digest, repository+"@"+out.Digest
		st.FailedStep, st.Message = "", ""
		msg := fmt.Sprintf("built %s from commit %s", st.Image, short)
		conditions.MarkReady(run, msg)
		conditions.Set(run, platformv1alpha1.ConditionReady, metav1.ConditionTrue, platformv1alpha1.ReasonBuildSucceeded, msg)
	case platformv1alpha1.BuildRunFailed:
		st.FailedStep, st.Message = out.FailedStep, out.Message
		conditions.MarkStalled(run, platformv1alpha1.ReasonBuildFailed, FailureMessage(out.FailedStep, out.Message)+": push a fix to build again")
	default:
		st.Message = out.Message
		conditions.MarkProgressing(run, platformv1alpha1.ReasonBuilding,
			fmt.Sprintf("building commit %s on BuildPlane %s: %s", short, run.Spec.BuildPlaneRef.Name, out.Message))
	}
}

// FailureMessage says which step failed and why, for the run and its
// component alike.
func FailureMessage(step, message string) string {
	if step == "" {
		return "the build failed: " + message
	}
	return fmt.Sprintf("step %s failed: %s", step, message)
}

// fail ends a run that can never build: its source is one no workflow can
// be rendered from.
func fail(run *platformv1alpha1.BuildRun, message string, now time.Time) {
	t := metav1.NewTime(now)
	run.Status.Phase, run.Status.FailedStep, run.Status.Message, run.Status.CompletedAt = platformv1alpha1.BuildRunFailed, "", message, &t
	conditions.MarkStalled(run, platformv1alpha1.ReasonInvalidSpec, message)
}
