package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func TestHistoryIsBoundedNewestFirst(t *testing.T) {
	var h []platformv1alpha1.BindingHistoryEntry
	for i := 0; i < 25; i++ {
		h = RecordMove(h, platformv1alpha1.BindingHistoryEntry{Release: fmt.Sprintf("r%d", i), Via: "p"})
	}
	if len(h) != platformv1alpha1.MaxBindingHistory {
		t.Fatalf("history has %d entries, want %d", len(h), platformv1alpha1.MaxBindingHistory)
	}
	if h[0].Release != "r24" || h[len(h)-1].Release != "r15" {
		t.Fatalf("history = %v … %v, want r24 … r15", h[0].Release, h[len(h)-1].Release)
	}
	if got := RecordMove(h, platformv1alpha1.BindingHistoryEntry{Release: "r24", Via: "p"}); len(got) != len(h) || got[0] != h[0] {
		t.Error("recording the same move twice must not add an entry")
	}
	if Previous(h, "r24") != "r23" || !InHistory(h, "r15") || InHistory(h, "r14") {
		t.Error("Previous/InHistory disagree with the history")
	}
}

func TestUnrecordedMove(t *testing.T) {
	const manager = "system:serviceaccount:aileron-system:aileron-manager"
	binding := func(movedBy, release string, state platformv1alpha1.BindingState, history ...platformv1alpha1.BindingHistoryEntry) *platformv1alpha1.ReleaseBinding {
		b := &platformv1alpha1.ReleaseBinding{}
		if movedBy != "" {
			b.Annotations = map[string]string{platformv1alpha1.AnnotationMovedBy: movedBy}
		}
		b.Spec.Release, b.Spec.State, b.Status.History = release, state, history
		return b
	}
	promoted := platformv1alpha1.BindingHistoryEntry{Release: "r1", By: "dana", ApprovedBy: "ada", Via: "to-production"}
	for _, tc := range []struct {
		name string
		b    *platformv1alpha1.ReleaseBinding
		want *platformv1alpha1.BindingHistoryEntry
	}{
		{"a release edited by a user", binding("ada", "r2", platformv1alpha1.BindingActive, promoted),
			&platformv1alpha1.BindingHistoryEntry{Release: "r2", State: platformv1alpha1.BindingActive, By: "ada", Via: "edit"}},
		{"a state edited by a user", binding("dana", "r1", platformv1alpha1.BindingUndeployed, promoted),
			&platformv1alpha1.BindingHistoryEntry{Release: "r1", State: platformv1alpha1.BindingUndeployed, By: "dana", Via: "edit"}},
		{"a binding created by a user", binding("ada", "r1", ""),
			&platformv1alpha1.BindingHistoryEntry{Release: "r1", State: platformv1alpha1.BindingActive, By: "ada", Via: "edit"}},
		{"already recorded (an entry without a state is Active)", binding("dana", "r1", platformv1alpha1.BindingActive, promoted), nil},
		{"moved by the manager, which records its own moves", binding(manager, "r2", platformv1alpha1.BindingActive, promoted), nil},
		{"no mover stamped (older than the admission policy)", binding("", "r2", platformv1alpha1.BindingActive, promoted), nil},
		{"overrides edited by a user", overridden(binding("ada", "r1", platformv1alpha1.BindingActive, promoted)),
			&platformv1alpha1.BindingHistoryEntry{Release: "r1", State: platformv1alpha1.BindingActive, Overrides: replicas3, By: "ada", Via: "edit"}},
		{"overrides already recorded", overridden(binding("ada", "r1", platformv1alpha1.BindingActive,
			platformv1alpha1.BindingHistoryEntry{Release: "r1", Overrides: replicas3, By: "ada", Via: "edit"})), nil},
	} {
		got, ok := UnrecordedMove(tc.b, manager)
		switch {
		case tc.want == nil && ok:
			t.Errorf("%s: reported %+v, want nothing", tc.name, got)
		case tc.want != nil && (!ok || got != *tc.want):
			t.Errorf("%s: got %+v (%v), want %+v", tc.name, got, ok, *tc.want)
		}
	}
}

// replicas3 is the hash of overrides {"replicas":3}, computed here from
// their JSON as written by hand.
var replicas3 = func() string {
	sum := sha256.Sum256([]byte(`{"replicas":3}`))
	return hex.EncodeToString(sum[:])[:16]
}()

func overridden(b *platformv1alpha1.ReleaseBinding) *platformv1alpha1.ReleaseBinding {
	b.Spec.Overrides = &platformv1alpha1.BindingOverrides{Replicas: ptr.To[int32](3)}
	return b
}

func TestOverridesHash(t *testing.T) {
	if got := OverridesHash(&platformv1alpha1.BindingOverrides{Replicas: ptr.To[int32](3)}); got != replicas3 {
		t.Errorf("hash of replicas 3 = %s, want %s", got, replicas3)
	}
	if OverridesHash(nil) != "" || OverridesHash(&platformv1alpha1.BindingOverrides{}) != "" {
		t.Error("no overrides, or overrides setting nothing, must have no hash")
	}
	if OverridesHash(&platformv1alpha1.BindingOverrides{Replicas: ptr.To[int32](4)}) == replicas3 {
		t.Error("two different overrides share a hash")
	}
}

func TestOverriddenFields(t *testing.T) {
	q := resource.MustParse("1Gi")
	o := &platformv1alpha1.BindingOverrides{
		Env:        []platformv1alpha1.EnvVar{{Name: "DATABASE_URL", Value: ptr.To("x")}},
		Files:      []platformv1alpha1.ConfigFile{{MountPath: "/etc/a", Content: "b"}},
		Replicas:   ptr.To[int32](2),
		Resources:  &platformv1alpha1.Resources{Limits: &platformv1alpha1.ResourceList{Memory: &q}},
		Parameters: &runtime.RawExtension{Raw: []byte(`{"storage": {"size": "5Gi"}, "replicas": 3}`)},
		Traits:     []platformv1alpha1.TraitOverride{{InstanceName: "archive", Parameters: &runtime.RawExtension{Raw: []byte(`{"size": "9Gi"}`)}}},
	}
	want := []string{"env DATABASE_URL", "file /etc/a", "replicas", "resources.limits.memory", "parameters.replicas", "parameters.storage", "traits.archive.size"}
	if got := OverriddenFields(o); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestAStateChangeIsAMove(t *testing.T) {
	h := RecordMove(nil, platformv1alpha1.BindingHistoryEntry{Release: "r1", Via: EditVia})
	h = RecordMove(h, platformv1alpha1.BindingHistoryEntry{Release: "r1", State: platformv1alpha1.BindingSuspended, Via: EditVia})
	if len(h) != 2 || h[0].State != platformv1alpha1.BindingSuspended {
		t.Fatalf("suspending is recorded as a move: %+v", h)
	}
	if got := RecordMove(h, platformv1alpha1.BindingHistoryEntry{Release: "r1", State: platformv1alpha1.BindingSuspended, Via: EditVia}); len(got) != 2 {
		t.Error("the same state recorded twice must not add an entry")
	}
}

func TestMovedFrom(t *testing.T) {
	source := func(spec, status string) *platformv1alpha1.ReleaseBinding {
		b := &platformv1alpha1.ReleaseBinding{}
		b.Spec.Release, b.Status.Release = spec, status
		return b
	}
	for _, tc := range []struct {
		name, pinned string
		b            *platformv1alpha1.ReleaseBinding
		want         string
	}{
		{"still runs the pinned release", "r1", source("r1", "r1"), ""},
		{"nothing pinned yet", "", source("r2", "r2"), ""},
		{"moved and runs another", "r1", source("r2", "r2"), "r2"},
		{"moving to another, still running the pinned one", "r1", source("r2", "r1"), "r2"},
		{"back at the pinned one, another still running", "r1", source("r1", "r2"), "r2"},
		{"at the pinned one, not yet delivered", "r1", source("r1", ""), ""},
	} {
		if got := MovedFrom(tc.pinned, tc.b); got != tc.want {
			t.Errorf("%s: MovedFrom = %q, want %q", tc.name, got, tc.want)
		}
	}
}
