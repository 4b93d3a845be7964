package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// AutomaticActor and AutoDeployVia record moves Aileron makes by itself.
const (
	AutomaticActor = "aileron"
	AutoDeployVia  = "autoDeploy"
	// FirstReleaseVia records the binding of a component's first release
	// to the pipeline's first environment.
	FirstReleaseVia = "firstRelease"
	// EditVia records a move made by changing the binding itself
	// (kubectl edit, patch or apply), by the user the API server names.
	EditVia = "edit"
)

// RecordMove prepends a move to a binding's history, keeping the newest
// MaxBindingHistory entries. A move already recorded (the same request
// seen twice) is not recorded again.
func RecordMove(history []platformv1alpha1.BindingHistoryEntry, e platformv1alpha1.BindingHistoryEntry) []platformv1alpha1.BindingHistoryEntry {
	if len(history) > 0 && history[0].Release == e.Release && StateOf(history[0].State) == StateOf(e.State) &&
		history[0].Overrides == e.Overrides && history[0].Via == e.Via {
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

// StateOf is a binding state with its default: empty is Active.
func StateOf(s platformv1alpha1.BindingState) platformv1alpha1.BindingState {
	if s == "" {
		return platformv1alpha1.BindingActive
	}
	return s
}

// UnrecordedMove is the move of b that its history lacks: b runs another
// release, or is in another state, than its newest entry says. It is
// credited to the user the API server stamped on b (AnnotationMovedBy),
// via "edit". Moves by self (the manager) are not reported: MoveBinding
// records them itself, with the request and approval they carry out. A
// binding without the stamp predates the admission policy and has no mover
// to name.
func UnrecordedMove(b *platformv1alpha1.ReleaseBinding, self string) (platformv1alpha1.BindingHistoryEntry, bool) {
	by := b.Annotations[platformv1alpha1.AnnotationMovedBy]
	if by == "" || by == self {
		return platformv1alpha1.BindingHistoryEntry{}, false
	}
	state, overrides := StateOf(b.Spec.State), OverridesHash(b.Spec.Overrides)
	if h := b.Status.History; len(h) > 0 && h[0].Release == b.Spec.Release && StateOf(h[0].State) == state && h[0].Overrides == overrides {
		return platformv1alpha1.BindingHistoryEntry{}, false
	}
	return platformv1alpha1.BindingHistoryEntry{Release: b.Spec.Release, State: state, Overrides: overrides, By: by, Via: EditVia}, true
}

// MovedFrom is the release a promotion's source binding b moved to away
// from the pinned one (what it is moving to, else what it runs), or ""
// when it has not moved or nothing is pinned yet.
func MovedFrom(pinned string, b *platformv1alpha1.ReleaseBinding) string {
	switch {
	case pinned == "":
		return ""
	case b.Spec.Release != pinned:
		return b.Spec.Release
	case b.Status.Release != "" && b.Status.Release != pinned:
		return b.Status.Release
	}
	return ""
}

// OverridesHash identifies a binding's overrides: the hex SHA-256 of their
// JSON (Go's encoding of the API type, stable for equal values), shortened
// to 16 digits, and empty when there are none. A binding has one set at a
// time, so a shortened hash tells its edits apart.
func OverridesHash(o *platformv1alpha1.BindingOverrides) string {
	if o == nil {
		return ""
	}
	b, err := json.Marshal(o)
	if err != nil || string(b) == "{}" {
		// An API type always marshals; overrides that set nothing are none.
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// OverriddenFields names what overrides set, for people reading a status:
// env NAME, file PATH, replicas, autoscaling, resources.limits.memory (one
// per quantity), parameters.NAME and traits.INSTANCE.NAME (one per
// top-level parameter), in that order.
func OverriddenFields(o *platformv1alpha1.BindingOverrides) []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, e := range o.Env {
		out = append(out, "env "+e.Name)
	}
	for _, f := range o.Files {
		out = append(out, "file "+f.MountPath)
	}
	if o.Replicas != nil {
		out = append(out, "replicas")
	}
	if o.Autoscaling != nil {
		out = append(out, "autoscaling")
	}
	if r := o.Resources; r != nil {
		for _, l := range []struct {
			name string
			list *platformv1alpha1.ResourceList
		}{{"requests", r.Requests}, {"limits", r.Limits}} {
			if l.list == nil {
				continue
			}
			if l.list.CPU != nil {
				out = append(out, "resources."+l.name+".cpu")
			}
			if l.list.Memory != nil {
				out = append(out, "resources."+l.name+".memory")
			}
		}
	}
	for _, k := range topLevel(o.Parameters) {
		out = append(out, "parameters."+k)
	}
	for _, t := range o.Traits {
		for _, k := range topLevel(t.Parameters) {
			out = append(out, "traits."+t.InstanceName+"."+k)
		}
	}
	return out
}

// topLevel is the sorted top-level keys of a JSON object (none when raw
// is not one).
func topLevel(raw *runtime.RawExtension) []string {
	if raw == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw.Raw, &m) != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}
