package common

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

var sourcePart = StatusPart{Fields: []string{"latestCommit", "latestBuild"}, Conditions: []string{platformv1alpha1.ConditionSourceResolved}}

func setCondition(c *platformv1alpha1.Component, typ string, status metav1.ConditionStatus, reason string) {
	meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: reason})
}

// TestSharedStatusWritersDoNotUndoEachOther checks the Component's two
// status writers: the component controller, writing from a copy read
// before the buildsource controller's write, neither conflicts nor undoes
// that write, and sends nothing of the part it does not own.
func TestSharedStatusWritersDoNotUndoEachOther(t *testing.T) {
	ctx := context.Background()
	c := fakehub.Builder(t).WithStatusSubresource(&platformv1alpha1.Component{}).Build()
	comp := &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "web"}}
	if err := c.Create(ctx, comp); err != nil {
		t.Fatal(err)
	}
	setCondition(comp, platformv1alpha1.ConditionReady, metav1.ConditionFalse, "AwaitingBuild")
	setCondition(comp, platformv1alpha1.ConditionSourceResolved, metav1.ConditionFalse, "RevisionNotFound")
	if err := c.Status().Update(ctx, comp); err != nil {
		t.Fatal(err)
	}
	read := func() *platformv1alpha1.Component {
		got := &platformv1alpha1.Component{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(comp), got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	componentCopy, plainCopy, sourceCopy := read(), read(), read()

	// The buildsource controller resolves the revision.
	source, err := NewPatcher(c, sourceCopy)
	if err != nil {
		t.Fatal(err)
	}
	source.Share(Sharing{Part: sourcePart, Mine: true, Reader: c})
	sourceCopy.Status.LatestCommit, sourceCopy.Status.LatestBuild = "4f2a", "web-4f2a"
	setCondition(sourceCopy, platformv1alpha1.ConditionSourceResolved, metav1.ConditionTrue, "Resolved")
	// Not its part: never sent.
	setCondition(sourceCopy, platformv1alpha1.ConditionReady, metav1.ConditionUnknown, "NotMine")
	if err := source.Patch(ctx, sourceCopy); err != nil {
		t.Fatal(err)
	}

	// Without sharing, the component controller's copy is refused: that is
	// the conflict the two used to settle by running again.
	plain, err := NewPatcher(c, plainCopy)
	if err != nil {
		t.Fatal(err)
	}
	setCondition(plainCopy, platformv1alpha1.ConditionReady, metav1.ConditionTrue, "Deployed")
	if err := plain.Patch(ctx, plainCopy); !apierrors.IsConflict(err) {
		t.Fatalf("an unshared write from the older copy must conflict, got %v", err)
	}

	// Shared, it lands at once, on top of the buildsource write.
	mine, err := NewPatcher(c, componentCopy)
	if err != nil {
		t.Fatal(err)
	}
	mine.Share(Sharing{Part: sourcePart, Reader: c})
	setCondition(componentCopy, platformv1alpha1.ConditionReady, metav1.ConditionTrue, "Deployed")
	componentCopy.Status.LatestRelease = "web-1"
	componentCopy.Status.LatestCommit = "stale" // not its part: never sent
	if err := mine.Patch(ctx, componentCopy); err != nil {
		t.Fatalf("a shared write must settle the conflict itself, got %v", err)
	}
	if !mine.Wrote() {
		t.Fatal("the shared write must report that it wrote")
	}

	got := read()
	ready := meta.FindStatusCondition(got.Status.Conditions, platformv1alpha1.ConditionReady)
	src := meta.FindStatusCondition(got.Status.Conditions, platformv1alpha1.ConditionSourceResolved)
	if ready == nil || ready.Reason != "Deployed" || src == nil || src.Reason != "Resolved" {
		t.Fatalf("want Ready from the component writer and SourceResolved from the source writer, got %+v", got.Status.Conditions)
	}
	if got.Status.LatestCommit != "4f2a" || got.Status.LatestBuild != "web-4f2a" || got.Status.LatestRelease != "web-1" {
		t.Fatalf("each writer's fields must be its own: got commit %q build %q release %q", got.Status.LatestCommit, got.Status.LatestBuild, got.Status.LatestRelease)
	}
	if got.Status.Conditions[0].Type != platformv1alpha1.ConditionReady {
		t.Fatalf("conditions must keep their place, got %+v", got.Status.Conditions)
	}
}

// TestOverlay checks how a writer's part is laid over another copy.
func TestOverlay(t *testing.T) {
	theirs := &Sharing{Part: sourcePart}           // the component controller
	mine := &Sharing{Part: sourcePart, Mine: true} // the buildsource controller
	for _, tc := range []struct {
		name       string
		s          *Sharing
		base, over string
		want       string
	}{{
		name: "owned conditions replaced in place, others kept",
		s:    theirs,
		base: `{"status":{"conditions":[{"type":"Ready","reason":"a"},{"type":"SourceResolved","reason":"b"},{"type":"Stalled","reason":"c"}]}}`,
		over: `{"status":{"conditions":[{"type":"Stalled","reason":"C"},{"type":"SourceResolved","reason":"X"},{"type":"Ready","reason":"A"}]}}`,
		want: `{"status":{"conditions":[{"reason":"A","type":"Ready"},{"reason":"b","type":"SourceResolved"},{"reason":"C","type":"Stalled"}]}}`,
	}, {
		name: "an owned condition gone is dropped, a new one appended",
		s:    theirs,
		base: `{"status":{"conditions":[{"type":"Stalled"},{"type":"SourceResolved"}]}}`,
		over: `{"status":{"conditions":[{"type":"Ready"}]}}`,
		want: `{"status":{"conditions":[{"type":"SourceResolved"},{"type":"Ready"}]}}`,
	}, {
		name: "owned fields replaced or dropped, others kept",
		s:    mine,
		base: `{"status":{"latestBuild":"b1","latestCommit":"c1","latestRelease":"r1"}}`,
		over: `{"status":{"latestCommit":"c2","latestRelease":"r9"}}`,
		want: `{"status":{"latestCommit":"c2","latestRelease":"r1"}}`,
	}, {
		name: "everything removed",
		s:    mine,
		base: `{"status":{"conditions":[{"type":"SourceResolved"}],"latestCommit":"c1"}}`,
		over: `{"status":null}`,
		want: `{"status":null}`,
	}, {
		name: "nothing to start from",
		s:    theirs,
		base: `{"status":null}`,
		over: `{"status":{"observedGeneration":2,"latestCommit":"x"}}`,
		want: `{"status":{"observedGeneration":2}}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.overlay([]byte(tc.base), []byte(tc.over))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
