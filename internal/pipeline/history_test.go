package pipeline

import (
	"fmt"
	"testing"

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
