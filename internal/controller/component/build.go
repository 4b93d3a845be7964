package component

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

// builtImage chooses the image a component built from source runs, and
// returns its newest build. The newest build is the run of the commit the
// source last resolved to (status.latestBuild), or the newest run when
// that one is not known yet. Its image is released once it succeeds; until
// then — and for good when it fails — the newest successful run's image
// keeps running.
func builtImage(c *platformv1alpha1.Component, runs []platformv1alpha1.BuildRun) (string, *platformv1alpha1.BuildRun) {
	sorted := make([]*platformv1alpha1.BuildRun, 0, len(runs))
	for i := range runs {
		sorted = append(sorted, &runs[i])
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return b.CreationTimestamp.Before(&a.CreationTimestamp)
		}
		return a.Name > b.Name
	})
	var newest *platformv1alpha1.BuildRun
	for _, r := range sorted {
		if r.Name == c.Status.LatestBuild {
			newest = r
		}
	}
	if newest == nil && len(sorted) > 0 {
		newest = sorted[0]
	}
	if succeeded(newest) {
		return newest.Status.Image, newest
	}
	for _, r := range sorted {
		if succeeded(r) {
			return r.Status.Image, newest
		}
	}
	return "", newest
}

func succeeded(r *platformv1alpha1.BuildRun) bool {
	return r != nil && r.Status.Phase == platformv1alpha1.BuildRunSucceeded && r.Status.Image != ""
}

// setBuildSucceeded reports the newest build on the component.
func setBuildSucceeded(c *platformv1alpha1.Component, newest *platformv1alpha1.BuildRun) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		conditions.Set(c, platformv1alpha1.ConditionBuildSucceeded, status, reason, message)
	}
	switch {
	case newest == nil:
		set(metav1.ConditionUnknown, platformv1alpha1.ReasonAwaitingBuild, "no build yet: waiting for the source's revision to resolve to a commit")
	case newest.Status.Phase == platformv1alpha1.BuildRunSucceeded:
		set(metav1.ConditionTrue, platformv1alpha1.ReasonBuildSucceeded, fmt.Sprintf("BuildRun %s built %s", newest.Name, newest.Status.Image))
	case newest.Status.Phase == platformv1alpha1.BuildRunFailed:
		set(metav1.ConditionFalse, platformv1alpha1.ReasonBuildFailed, failure(newest))
	default:
		set(metav1.ConditionUnknown, platformv1alpha1.ReasonBuilding, fmt.Sprintf("BuildRun %s is building commit %s", newest.Name, short(newest.Spec.Commit)))
	}
}

// failure says which run failed, at which step, and why.
func failure(r *platformv1alpha1.BuildRun) string {
	if r.Status.FailedStep == "" {
		return fmt.Sprintf("BuildRun %s of commit %s failed: %s", r.Name, short(r.Spec.Commit), r.Status.Message)
	}
	return fmt.Sprintf("BuildRun %s of commit %s failed at step %s: %s", r.Name, short(r.Spec.Commit), r.Status.FailedStep, r.Status.Message)
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// markAwaitingBuild says why a component built from source has nothing to
// run yet: its source cannot be resolved, its first build failed, or the
// build is under way.
func markAwaitingBuild(c *platformv1alpha1.Component, newest *platformv1alpha1.BuildRun) {
	source := meta.FindStatusCondition(c.Status.Conditions, platformv1alpha1.ConditionSourceResolved)
	switch {
	case source != nil && source.Status == metav1.ConditionFalse && source.Reason == platformv1alpha1.ReasonRepositoryUnavailable:
		// Polling goes on: the repository may answer again by itself.
		conditions.MarkProgressing(c, source.Reason, "waiting for the first build: "+source.Message)
	case source != nil && source.Status == metav1.ConditionFalse:
		conditions.MarkStalled(c, source.Reason, source.Message)
	case newest != nil && newest.Status.Phase == platformv1alpha1.BuildRunFailed:
		conditions.MarkStalled(c, platformv1alpha1.ReasonBuildFailed, "the first build failed: "+failure(newest)+": push a fix to build again")
	case newest != nil:
		conditions.MarkProgressing(c, platformv1alpha1.ReasonAwaitingBuild, fmt.Sprintf("waiting for the first build: BuildRun %s is building commit %s", newest.Name, short(newest.Spec.Commit)))
	default:
		conditions.MarkProgressing(c, platformv1alpha1.ReasonAwaitingBuild, "waiting for the first build: the source's revision has not resolved to a commit yet")
	}
}

// forgetBuild drops what a component reported about its builds once it
// names an image instead (the buildsource controller drops what it
// reported about the source).
func forgetBuild(c *platformv1alpha1.Component) {
	meta.RemoveStatusCondition(&c.Status.Conditions, platformv1alpha1.ConditionBuildSucceeded)
}
