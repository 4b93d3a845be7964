package pipeline

import (
	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// AutomaticActor and AutoDeployVia record moves Aileron makes by itself.
const (
	AutomaticActor = "aileron"
	AutoDeployVia  = "autoDeploy"
	// FirstReleaseVia records the binding of a component's first release
	// to the pipeline's first environment.
	FirstReleaseVia = "firstRelease"
)

// RecordMove prepends a move to a binding's history, keeping the newest
// MaxBindingHistory entries. A move already recorded (the same request
// seen twice) is not recorded again.
func RecordMove(history []platformv1alpha1.BindingHistoryEntry, e platformv1alpha1.BindingHistoryEntry) []platformv1alpha1.BindingHistoryEntry {
	if len(history) > 0 && history[0].Release == e.Release && history[0].Via == e.Via {
		return history
	}
	out := append([]platformv1alpha1.BindingHistoryEntry{e}, history...)
	if len(out) > platformv1alpha1.MaxBindingHistory {
		out = out[:platformv1alpha1.MaxBindingHistory]
	}
	return out
}

// InHistory tells whether release is among the releases a binding ran.
func InHistory(history []platformv1alpha1.BindingHistoryEntry, release string) bool {
	for _, e := range history {
		if e.Release == release {
			return true
		}
	}
	return false
}

// Previous is the release a binding ran before current, for a rollback
// that names none: the newest history entry with another release.
func Previous(history []platformv1alpha1.BindingHistoryEntry, current string) string {
	for _, e := range history {
		if e.Release != current {
			return e.Release
		}
	}
	return ""
}

// TargetRequiresApproval tells whether any path into env requires an
// approval: a rollback, which follows no path, needs one then too.
func TargetRequiresApproval(spec platformv1alpha1.DeploymentPipelineSpec, env string) bool {
	for _, p := range spec.PromotionPaths {
		for _, t := range p.TargetEnvironmentRefs {
			if t.Name == env && t.RequiresApproval {
				return true
			}
		}
	}
	return false
}
