package plane

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/planes"
)

// TestIdlePlaneStatusIsStable checks that once a plane's reachability has
// settled, further probes with the same outcome leave its status exactly as
// it was, however long they go on, so an idle hub is never written to: a
// plane that answers, one that stays down (its errors worded differently
// from probe to probe, as timeouts are), and one whose credentials stay
// refused.
func TestIdlePlaneStatusIsStable(t *testing.T) {
	downAt := func(i int) planes.ProbeResult {
		return planes.ProbeResult{Err: fmt.Errorf("dial tcp 10.0.0.1:6443: i/o timeout after %dms", 5000+i)}
	}
	refusedAt := func(i int) planes.ProbeResult {
		return planes.ProbeResult{Err: fmt.Errorf("Unauthorized (request %d)", i), Unauthorized: true}
	}
	for _, tc := range []struct {
		name   string
		settle []planes.ProbeResult
		then   func(i int) planes.ProbeResult
	}{
		{"healthy", []planes.ProbeResult{ok}, func(int) planes.ProbeResult { return ok }},
		{"down", []planes.ProbeResult{ok, down, down, down}, downAt},
		{"down from the start", []planes.ProbeResult{down, down, down}, downAt},
		{"credentials refused", []planes.ProbeResult{ok, refused}, refusedAt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &platformv1alpha1.DataPlane{}
			p.Name, p.Generation = "eu-1", 1
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for _, res := range tc.settle {
				applyProbe(p, "aileron-system/eu-1", res, now)
				now = now.Add(3 * time.Second)
			}
			settled := p.Status.DeepCopy()
			// A day of probes, every 3 s.
			for i := range 24 * 60 * 20 {
				applyProbe(p, "aileron-system/eu-1", tc.then(i), now)
				now = now.Add(3 * time.Second)
				if !equality.Semantic.DeepEqual(settled, &p.Status) {
					t.Fatalf("probe %d after settling rewrote the status:\nbefore %+v\nafter  %+v", i+1, settled, p.Status)
				}
			}
		})
	}
}

// TestLastProbeTimeIsTheLastChange checks that lastProbeTime records when
// the plane's status last changed: a new node count or a change of
// reachability moves it, a probe that learns nothing new does not.
func TestLastProbeTimeIsTheLastChange(t *testing.T) {
	p := &platformv1alpha1.DataPlane{}
	p.Name, p.Generation = "eu-1", 1
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := start.Add
	steps := []struct {
		res  planes.ProbeResult
		at   time.Duration
		want time.Duration
	}{
		{ok, 0, 0},
		{ok, time.Hour, 0},
		{planes.ProbeResult{KubernetesVersion: "v1.36.3", Nodes: 2}, 2 * time.Hour, 2 * time.Hour},
		{planes.ProbeResult{KubernetesVersion: "v1.36.3", Nodes: 2}, 3 * time.Hour, 2 * time.Hour},
		{planes.ProbeResult{Err: errors.New("connection refused")}, 4 * time.Hour, 4 * time.Hour},
		{planes.ProbeResult{Err: errors.New("connection refused")}, 4*time.Hour + 3*time.Second, 4*time.Hour + 3*time.Second},
		{planes.ProbeResult{Err: errors.New("connection refused")}, 4*time.Hour + 6*time.Second, 4*time.Hour + 6*time.Second},
		{planes.ProbeResult{Err: errors.New("connection refused")}, 5 * time.Hour, 4*time.Hour + 6*time.Second},
		{planes.ProbeResult{KubernetesVersion: "v1.36.3", Nodes: 2}, 6 * time.Hour, 6 * time.Hour},
	}
	for i, s := range steps {
		applyProbe(p, "s", s.res, at(s.at))
		if got := p.Status.LastProbeTime; got == nil || !got.Time.Equal(at(s.want)) {
			t.Fatalf("step %d: lastProbeTime = %v, want %v", i, got, at(s.want))
		}
	}
}
