package builds

import (
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

const commit = "3f2a9c81d0b6e4f7a1c2d3e4f5a6b7c8d9e0f1a2"

func source() platformv1alpha1.BuildSource {
	return platformv1alpha1.BuildSource{
		Repository: "https://git.acme.example/shop/api.git", Revision: "main", ContextPath: ".",
		Strategy: platformv1alpha1.BuildBuildpacks, HistoryLimit: 3,
	}
}

func TestRunNames(t *testing.T) {
	if got := RunName("api", commit); got != "api-3f2a9c81d0" {
		t.Errorf("RunName = %s", got)
	}
	alt := AlternateRunName("api", commit, source(), "builder")
	if !strings.HasPrefix(alt, "api-3f2a9c81d0-") || len(alt) != len("api-3f2a9c81d0-")+5 {
		t.Errorf("AlternateRunName = %s", alt)
	}
	other := source()
	other.ContextPath = "services/api"
	if AlternateRunName("api", commit, other, "builder") == alt {
		t.Error("two build settings share an alternate name")
	}
	if long := AlternateRunName(strings.Repeat("c", 40), commit, source(), "builder"); len(long) > 63 {
		t.Errorf("%s is longer than a DNS label", long)
	}
}

// TestSameBuild: what changes the image makes another build; what only
// says how to find the commit or how long to keep runs does not.
func TestSameBuild(t *testing.T) {
	run := &platformv1alpha1.BuildRun{Spec: platformv1alpha1.BuildRunSpec{
		BuildPlaneRef: platformv1alpha1.LocalObjectReference{Name: "builder"}, Commit: commit, Source: source(),
	}}
	for _, tc := range []struct {
		name  string
		edit  func(*platformv1alpha1.BuildSource)
		plane string
		same  bool
	}{
		{"unchanged", func(*platformv1alpha1.BuildSource) {}, "builder", true},
		{"another revision naming the same commit", func(s *platformv1alpha1.BuildSource) { s.Revision = "v1.0.0" }, "builder", true},
		{"another history limit", func(s *platformv1alpha1.BuildSource) { s.HistoryLimit = 10 }, "builder", true},
		{"the plane named explicitly", func(s *platformv1alpha1.BuildSource) {
			s.BuildPlaneRef = &platformv1alpha1.LocalObjectReference{Name: "builder"}
		}, "builder", true},
		{"another plane", func(*platformv1alpha1.BuildSource) {}, "builder-2", false},
		{"another context", func(s *platformv1alpha1.BuildSource) { s.ContextPath = "api" }, "builder", false},
		{"another builder", func(s *platformv1alpha1.BuildSource) { s.Builder = "heroku/builder:24" }, "builder", false},
		{"a Dockerfile", func(s *platformv1alpha1.BuildSource) { s.Strategy = platformv1alpha1.BuildDockerfile }, "builder", false},
		{"another repository", func(s *platformv1alpha1.BuildSource) { s.Repository = "https://mirror.example/api.git" }, "builder", false},
	} {
		src := source()
		tc.edit(&src)
		if got := SameBuild(run, src, tc.plane); got != tc.same {
			t.Errorf("%s: SameBuild = %v, want %v", tc.name, got, tc.same)
		}
	}
}

func TestChoosePlane(t *testing.T) {
	ref := func(n string) *platformv1alpha1.LocalObjectReference {
		return &platformv1alpha1.LocalObjectReference{Name: n}
	}
	for _, tc := range []struct {
		name       string
		ref        *platformv1alpha1.LocalObjectReference
		planes     []string
		want       string
		wantReason string
		wantInMsg  string
	}{
		{"the only plane", nil, []string{"builder"}, "builder", "", ""},
		{"the named plane among several", ref("b"), []string{"c", "a", "b"}, "b", "", ""},
		{"none at all", nil, nil, "", platformv1alpha1.ReasonReferenceNotFound, "no BuildPlane exists"},
		{"several, none named", nil, []string{"eu-builder", "na-builder"}, "", platformv1alpha1.ReasonBuildPlaneAmbiguous,
			"2 BuildPlanes exist (eu-builder, na-builder): name the one to build on in spec.build.buildPlaneRef"},
		{"named but missing", ref("gone"), []string{"builder"}, "", platformv1alpha1.ReasonReferenceNotFound,
			"BuildPlane gone does not exist: create it, or name another in spec.build.buildPlaneRef (existing: builder)"},
	} {
		got, problem := ChoosePlane(tc.ref, tc.planes)
		if got != tc.want {
			t.Errorf("%s: chose %q, want %q", tc.name, got, tc.want)
		}
		switch {
		case tc.wantReason == "" && problem != nil:
			t.Errorf("%s: unexpected problem %+v", tc.name, problem)
		case tc.wantReason != "" && (problem == nil || problem.Reason != tc.wantReason || !strings.Contains(problem.Message, tc.wantInMsg)):
			t.Errorf("%s: problem %+v, want %s with %q", tc.name, problem, tc.wantReason, tc.wantInMsg)
		}
	}
}

func run(name string, minute int, phase platformv1alpha1.BuildRunPhase, image string) platformv1alpha1.BuildRun {
	return platformv1alpha1.BuildRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Date(2026, 11, 21, 13, minute, 0, 0, time.UTC))},
		Status:     platformv1alpha1.BuildRunStatus{Phase: phase, Image: image},
	}
}

func TestExpired(t *testing.T) {
	const (
		ok     = platformv1alpha1.BuildRunSucceeded
		failed = platformv1alpha1.BuildRunFailed
		busy   = platformv1alpha1.BuildRunRunning
	)
	deleting := run("r0-deleting", 0, ok, "img@0")
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	for _, tc := range []struct {
		name     string
		runs     []platformv1alpha1.BuildRun
		limit    int32
		current  string
		released string
		want     []string
	}{
		{"within the limit", []platformv1alpha1.BuildRun{run("r1", 1, ok, "img@1"), run("r2", 2, failed, "")}, 2, "r2", "img@1", nil},
		{"the oldest finished go", []platformv1alpha1.BuildRun{
			run("r1", 1, ok, "img@1"), run("r2", 2, failed, ""), run("r3", 3, ok, "img@3"), run("r4", 4, ok, "img@4"),
		}, 2, "r4", "img@4", []string{"r1", "r2"}},
		{"the released image's run stays, even when old", []platformv1alpha1.BuildRun{
			run("r1", 1, ok, "img@1"), run("r2", 2, failed, ""), run("r3", 3, failed, ""),
		}, 1, "r3", "img@1", []string{"r2"}},
		{"the current run stays, even when old (a branch reset to an older commit)", []platformv1alpha1.BuildRun{
			run("r1", 1, ok, "img@1"), run("r2", 2, ok, "img@2"), run("r3", 3, ok, "img@3"),
		}, 1, "r1", "img@1", []string{"r2"}},
		{"runs still building neither go nor count", []platformv1alpha1.BuildRun{
			run("r1", 1, ok, "img@1"), run("r2", 2, busy, ""), run("r3", 3, busy, ""),
		}, 1, "r3", "img@1", nil},
		{"runs already being deleted are left alone", []platformv1alpha1.BuildRun{
			deleting, run("r1", 1, ok, "img@1"), run("r2", 2, ok, "img@2"),
		}, 1, "r2", "img@2", []string{"r1"}},
		{"the same second: names break the tie", []platformv1alpha1.BuildRun{
			run("a", 1, ok, "img@a"), run("b", 1, ok, "img@b"),
		}, 1, "b", "img@b", []string{"a"}},
		{"no limit set keeps the default three", []platformv1alpha1.BuildRun{
			run("r1", 1, ok, "i1"), run("r2", 2, ok, "i2"), run("r3", 3, ok, "i3"), run("r4", 4, ok, "i4"),
		}, 0, "r4", "i4", []string{"r1"}},
	} {
		if got := Expired(tc.runs, tc.limit, tc.current, tc.released); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: expired %v, want %v", tc.name, got, tc.want)
		}
	}
}
