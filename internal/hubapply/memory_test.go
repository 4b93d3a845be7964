package hubapply

import (
	"testing"
	"time"
)

// TestMemoryCurrentOnlyForTheSameHashWithinRecheck: a record is current
// for the hash it was given and no other, until Recheck has passed since
// it was remembered; Get keeps the record (and its value) after that, and
// Forget drops it.
func TestMemoryCurrentOnlyForTheSameHashWithinRecheck(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	m := Memory[string, int]{Recheck: time.Minute, now: func() time.Time { return now }}
	if m.Current("k", "") {
		t.Fatal("an unknown key is current for the empty hash")
	}
	m.Remember("k", "h1", 7)
	cases := []struct {
		name string
		at   time.Duration
		hash string
		want bool
	}{
		{"same hash at once", 0, "h1", true},
		{"another hash", 0, "h2", false},
		{"same hash just before Recheck", 59 * time.Second, "h1", true},
		{"same hash at Recheck", time.Minute, "h1", false},
	}
	for _, c := range cases {
		now = t0.Add(c.at)
		if got := m.Current("k", c.hash); got != c.want {
			t.Errorf("%s: Current = %v, want %v", c.name, got, c.want)
		}
	}
	r, ok := m.Get("k")
	if !ok || r.Hash != "h1" || r.Value != 7 || !r.At.Equal(t0) {
		t.Errorf("Get after Recheck = %+v, %v; want hash h1, value 7, at %v", r, ok, t0)
	}
	m.Forget("k")
	if _, ok := m.Get("k"); ok {
		t.Error("Get finds a forgotten key")
	}

	var forever Memory[string, struct{}]
	forever.Remember("k", "h", struct{}{})
	if !forever.Current("k", "h") {
		t.Error("without Recheck a record is not current")
	}
}
