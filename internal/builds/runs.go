package builds

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// DefaultHistoryLimit is the finished runs kept per component when its
// source says nothing (the API defaults it too).
const DefaultHistoryLimit = 3

// RunName is the name of the first BuildRun of a component's commit:
// <component>-<the commit's first 10 hex digits>.
func RunName(component, commit string) string {
	return component + "-" + commit[:10]
}

// AlternateRunName names a build of a commit whose first BuildRun was made
// with other build settings: RunName with 5 hex digits of the settings.
func AlternateRunName(component, commit string, src platformv1alpha1.BuildSource, plane string) string {
	return RunName(component, commit) + "-" + settingsHash(src, plane)[:5]
}

// settings are what an image built from a commit depends on besides the
// commit. The revision is not one (it resolved to the commit), nor the
// history limit.
type settings struct {
	Repository     string                         `json:"repository"`
	ContextPath    string                         `json:"contextPath"`
	Strategy       platformv1alpha1.BuildStrategy `json:"strategy"`
	Builder        string                         `json:"builder"`
	DockerfilePath string                         `json:"dockerfilePath"`
	Plane          string                         `json:"plane"`
}

func settingsOf(src platformv1alpha1.BuildSource, plane string) settings {
	return settings{
		Repository: src.Repository, ContextPath: src.ContextPath, Strategy: src.Strategy,
		Builder: src.Builder, DockerfilePath: src.DockerfilePath, Plane: plane,
	}
}

func settingsHash(src platformv1alpha1.BuildSource, plane string) string {
	data, _ := json.Marshal(settingsOf(src, plane))
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SameBuild tells whether run builds what src, on plane, would build.
func SameBuild(run *platformv1alpha1.BuildRun, src platformv1alpha1.BuildSource, plane string) bool {
	return settingsOf(run.Spec.Source, run.Spec.BuildPlaneRef.Name) == settingsOf(src, plane)
}

// PlaneProblem is why no BuildPlane can be chosen: a reason and a message
// saying what to change.
type PlaneProblem struct {
	Reason  string
	Message string
}

// ChoosePlane picks the BuildPlane a component builds on: the one it names,
// or the hub's only one. planes are the names of the BuildPlanes that
// exist and are not being deleted.
func ChoosePlane(ref *platformv1alpha1.LocalObjectReference, planes []string) (string, *PlaneProblem) {
	sorted := append([]string(nil), planes...)
	sort.Strings(sorted)
	if ref != nil {
		for _, p := range sorted {
			if p == ref.Name {
				return p, nil
			}
		}
		return "", &PlaneProblem{Reason: platformv1alpha1.ReasonReferenceNotFound, Message: fmt.Sprintf(
			"BuildPlane %s does not exist: create it, or name another in spec.build.buildPlaneRef (existing: %s)", ref.Name, orNone(sorted))}
	}
	switch len(sorted) {
	case 1:
		return sorted[0], nil
	case 0:
		return "", &PlaneProblem{Reason: platformv1alpha1.ReasonReferenceNotFound,
			Message: "no BuildPlane exists to build on: a platform engineer registers one (aileron plane register NAME --type build)"}
	default:
		return "", &PlaneProblem{Reason: platformv1alpha1.ReasonBuildPlaneAmbiguous, Message: fmt.Sprintf(
			"%d BuildPlanes exist (%s): name the one to build on in spec.build.buildPlaneRef", len(sorted), strings.Join(sorted, ", "))}
	}
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Expired chooses the runs to delete: finished runs beyond the newest
// limit ones (by creation), except the component's current run and any
// run whose image the component's latest Release runs. Runs still
// building are never chosen. Names come back sorted.
func Expired(runs []platformv1alpha1.BuildRun, limit int32, current, releasedImage string) []string {
	if limit < 1 {
		limit = DefaultHistoryLimit
	}
	var finished []*platformv1alpha1.BuildRun
	for i := range runs {
		r := &runs[i]
		if r.Status.Phase.Finished() && r.DeletionTimestamp.IsZero() {
			finished = append(finished, r)
		}
	}
	sort.Slice(finished, func(i, j int) bool {
		a, b := finished[i], finished[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return b.CreationTimestamp.Before(&a.CreationTimestamp)
		}
		return a.Name > b.Name
	})
	var out []string
	for i, r := range finished {
		if i < int(limit) || r.Name == current || (releasedImage != "" && r.Status.Image == releasedImage) {
			continue
		}
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}
