package releasebinding

import (
	"testing"
	"time"
)

func TestRefusalDelayDoublesUpToItsCap(t *testing.T) {
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := refusalDelay(i + 1); got != w {
			t.Errorf("after refusal %d: %s, want %s", i+1, got, w)
		}
	}
	if got := refusalDelay(1000); got != 5*time.Minute {
		t.Errorf("after refusal 1000: %s", got)
	}
}

func TestRefusalHoldsOnlyTheRefusedRender(t *testing.T) {
	r := &Reconciler{}
	t0 := time.Unix(1_000_000, 0)
	r.refused("acme/api--dev@eu-1", "h1", "denied", t0)
	for _, tc := range []struct {
		hash string
		at   time.Duration
		held bool
	}{
		{"h1", time.Second, true},
		{"h1", 5 * time.Second, false}, // the delay is over: try again
		{"h2", time.Second, false},     // another render: try at once
	} {
		if _, held := r.holding("acme/api--dev@eu-1", tc.hash, t0.Add(tc.at)); held != tc.held {
			t.Errorf("render %s at +%s: held %v, want %v", tc.hash, tc.at, held, tc.held)
		}
	}
	if _, held := r.holding("acme/api--dev@eu-2", "h1", t0); held {
		t.Error("another plane is held")
	}
	// Refused again: the delay doubles; a new render starts over.
	if ref := r.refused("acme/api--dev@eu-1", "h1", "denied", t0.Add(5*time.Second)); ref.next != t0.Add(15*time.Second) {
		t.Errorf("second refusal: next at %s, want +15s", ref.next.Sub(t0))
	}
	if ref := r.refused("acme/api--dev@eu-1", "h2", "denied", t0.Add(6*time.Second)); ref.count != 1 {
		t.Errorf("a new render's refusal counts %d, want 1", ref.count)
	}
}
