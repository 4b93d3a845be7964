package component

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/resolve"
)

func buildRun(name string, minute int, phase platformv1alpha1.BuildRunPhase, image string) platformv1alpha1.BuildRun {
	r := platformv1alpha1.BuildRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 21, 13, minute, 0, 0, time.UTC))},
		Spec:       platformv1alpha1.BuildRunSpec{Commit: "3f2a9c81d0b6e4f7a1c2d3e4f5a6b7c8d9e0f1a2"},
		Status:     platformv1alpha1.BuildRunStatus{Phase: phase, Image: image},
	}
	if phase == platformv1alpha1.BuildRunFailed {
		r.Status.FailedStep, r.Status.Message = "build", "Error (exit code 51)"
	}
	return r
}

func TestBuiltImage(t *testing.T) {
	const (
		ok     = platformv1alpha1.BuildRunSucceeded
		failed = platformv1alpha1.BuildRunFailed
		busy   = platformv1alpha1.BuildRunRunning
	)
	for _, tc := range []struct {
		name       string
		latest     string
		runs       []platformv1alpha1.BuildRun
		wantImage  string
		wantNewest string
	}{
		{"nothing built yet", "", nil, "", ""},
		{"the first build runs", "a", []platformv1alpha1.BuildRun{buildRun("a", 1, busy, "")}, "", "a"},
		{"the first build succeeded", "a", []platformv1alpha1.BuildRun{buildRun("a", 1, ok, "img@a")}, "img@a", "a"},
		{"a new commit builds: the previous image runs on", "b", []platformv1alpha1.BuildRun{
			buildRun("a", 1, ok, "img@a"), buildRun("b", 2, busy, "")}, "img@a", "b"},
		{"a new commit failed: the previous image runs on", "b", []platformv1alpha1.BuildRun{
			buildRun("a", 1, ok, "img@a"), buildRun("b", 2, failed, "")}, "img@a", "b"},
		{"the newest success, not the oldest", "c", []platformv1alpha1.BuildRun{
			buildRun("a", 1, ok, "img@a"), buildRun("b", 2, ok, "img@b"), buildRun("c", 3, failed, "")}, "img@b", "c"},
		{"the branch went back to an older commit: its run, not the newest", "a", []platformv1alpha1.BuildRun{
			buildRun("a", 1, ok, "img@a"), buildRun("b", 2, ok, "img@b")}, "img@a", "a"},
		{"the newest run until the source says which", "", []platformv1alpha1.BuildRun{
			buildRun("a", 1, ok, "img@a"), buildRun("b", 2, ok, "img@b")}, "img@b", "b"},
		{"a success without an image is no success", "a", []platformv1alpha1.BuildRun{buildRun("a", 1, ok, "")}, "", "a"},
	} {
		c := &platformv1alpha1.Component{Status: platformv1alpha1.ComponentStatus{LatestBuild: tc.latest}}
		image, newest := builtImage(c, tc.runs)
		newestName := ""
		if newest != nil {
			newestName = newest.Name
		}
		if image != tc.wantImage || newestName != tc.wantNewest {
			t.Errorf("%s: image %q newest %q, want %q %q", tc.name, image, newestName, tc.wantImage, tc.wantNewest)
		}
	}
}

func TestBuildConditions(t *testing.T) {
	failed := buildRun("api-3f2a9c81d0", 1, platformv1alpha1.BuildRunFailed, "")
	running := buildRun("api-3f2a9c81d0", 1, platformv1alpha1.BuildRunRunning, "")
	done := buildRun("api-3f2a9c81d0", 1, platformv1alpha1.BuildRunSucceeded, "r/acme/api@sha256:1")
	for _, tc := range []struct {
		name                    string
		newest                  *platformv1alpha1.BuildRun
		want                    metav1.ConditionStatus
		wantReason, wantMessage string
	}{
		{"none", nil, metav1.ConditionUnknown, platformv1alpha1.ReasonAwaitingBuild, "no build yet: waiting for the source's revision to resolve to a commit"},
		{"running", &running, metav1.ConditionUnknown, platformv1alpha1.ReasonBuilding, "BuildRun api-3f2a9c81d0 is building commit 3f2a9c81d0b6"},
		{"succeeded", &done, metav1.ConditionTrue, platformv1alpha1.ReasonBuildSucceeded, "BuildRun api-3f2a9c81d0 built r/acme/api@sha256:1"},
		{"failed", &failed, metav1.ConditionFalse, platformv1alpha1.ReasonBuildFailed,
			"BuildRun api-3f2a9c81d0 of commit 3f2a9c81d0b6 failed at step build: Error (exit code 51)"},
	} {
		c := &platformv1alpha1.Component{}
		setBuildSucceeded(c, tc.newest)
		got := meta.FindStatusCondition(c.Status.Conditions, platformv1alpha1.ConditionBuildSucceeded)
		if got == nil || got.Status != tc.want || got.Reason != tc.wantReason || got.Message != tc.wantMessage {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
}

func TestMarkAwaitingBuild(t *testing.T) {
	failed := buildRun("api-3f2a9c81d0", 1, platformv1alpha1.BuildRunFailed, "")
	running := buildRun("api-3f2a9c81d0", 1, platformv1alpha1.BuildRunRunning, "")
	source := func(reason, message string) metav1.Condition {
		return metav1.Condition{Type: platformv1alpha1.ConditionSourceResolved, Status: metav1.ConditionFalse, Reason: reason, Message: message}
	}
	for _, tc := range []struct {
		name                    string
		source                  *metav1.Condition
		newest                  *platformv1alpha1.BuildRun
		stalled                 bool
		wantReason, wantMessage string
	}{
		{"an unreachable repository is waited for", ptr(source(platformv1alpha1.ReasonRepositoryUnavailable, "cannot list the references of x")), nil,
			false, platformv1alpha1.ReasonRepositoryUnavailable, "waiting for the first build: cannot list the references of x"},
		{"a missing revision needs a person", ptr(source(platformv1alpha1.ReasonRevisionNotFound, "no such branch")), nil,
			true, platformv1alpha1.ReasonRevisionNotFound, "no such branch"},
		{"an ambiguous plane needs a person", ptr(source(platformv1alpha1.ReasonBuildPlaneAmbiguous, "name one")), &running,
			true, platformv1alpha1.ReasonBuildPlaneAmbiguous, "name one"},
		{"a failed first build needs a fix", nil, &failed, true, platformv1alpha1.ReasonBuildFailed,
			"the first build failed: BuildRun api-3f2a9c81d0 of commit 3f2a9c81d0b6 failed at step build: Error (exit code 51): push a fix to build again"},
		{"a first build under way", nil, &running, false, platformv1alpha1.ReasonAwaitingBuild, "waiting for the first build: BuildRun api-3f2a9c81d0 is building commit 3f2a9c81d0b6"},
		{"nothing resolved yet", nil, nil, false, platformv1alpha1.ReasonAwaitingBuild, "waiting for the first build: the source's revision has not resolved to a commit yet"},
	} {
		c := &platformv1alpha1.Component{}
		if tc.source != nil {
			c.Status.Conditions = []metav1.Condition{*tc.source}
		}
		markAwaitingBuild(c, tc.newest)
		ready := meta.FindStatusCondition(c.Status.Conditions, platformv1alpha1.ConditionReady)
		if ready == nil || ready.Status != metav1.ConditionFalse || ready.Reason != tc.wantReason || ready.Message != tc.wantMessage ||
			meta.IsStatusConditionTrue(c.Status.Conditions, platformv1alpha1.ConditionStalled) != tc.stalled {
			t.Errorf("%s: %+v", tc.name, c.Status.Conditions)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestReleaseOfABuild: a release records the image a build made, not how
// it was found, so that only a new image (or runtime spec) releases anew.
func TestReleaseOfABuild(t *testing.T) {
	c := &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "api"},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker,
			Build: &platformv1alpha1.BuildSource{Repository: "https://git.acme.example/api.git", Revision: "main", HistoryLimit: 3},
		},
	}
	const image = "registry.acme.example/builds/acme/api@sha256:9c1e5a7b3d2f4e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a"
	worker := resolve.PinBuiltin("Worker")
	first, err := binding.NewRelease(c, image, worker)
	if err != nil {
		t.Fatal(err)
	}
	if first.Spec.Image != image || first.Spec.ComponentSpec.Image != image || first.Spec.ComponentSpec.Build != nil {
		t.Errorf("the release must run the built image as the component's own: %+v", first.Spec)
	}
	c.Spec.Build.Revision, c.Spec.Build.HistoryLimit = "v1.0.0", 10
	if again, _ := binding.NewRelease(c, image, worker); again.Name != first.Name {
		t.Errorf("a new revision or history limit building the same image made release %s after %s", again.Name, first.Name)
	}
	if other, _ := binding.NewRelease(c, image[:len(image)-1]+"b", worker); other.Name == first.Name {
		t.Error("a new image made no new release")
	}
	// The same component naming that image itself is the same release.
	named := c.DeepCopy()
	named.Spec.Build, named.Spec.Image = nil, image
	if same, _ := binding.NewRelease(named, image, worker); same.Name != first.Name {
		t.Errorf("naming the built image made release %s, not %s", same.Name, first.Name)
	}
	// The type is content: the same component under an edited type is a
	// new release, which carries the edited type.
	edited := resolve.PinBuiltin("Worker")
	edited.Type.Resources = edited.Type.Resources[:1]
	if other, _ := binding.NewRelease(c, image, edited); other.Name == first.Name || len(other.Spec.ComponentType.Resources) != 1 {
		t.Errorf("an edited type made release %s (with %d templates) after %s", other.Name, len(other.Spec.ComponentType.Resources), first.Name)
	}
}
