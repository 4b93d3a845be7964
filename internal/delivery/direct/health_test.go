package direct

import (
	"testing"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func TestStale(t *testing.T) {
	a := platformv1alpha1.InventoryEntry{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "a"}
	b := platformv1alpha1.InventoryEntry{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "b"}
	c := platformv1alpha1.InventoryEntry{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler", Namespace: "ns", Name: "b"}
	got := Stale([]platformv1alpha1.InventoryEntry{a, b, c}, []platformv1alpha1.InventoryEntry{b})
	if len(got) != 2 || got[0] != a || got[1] != c {
		t.Fatalf("Stale = %v", got)
	}
}
