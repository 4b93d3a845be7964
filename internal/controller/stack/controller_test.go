package stack

import (
	"context"
	"errors"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

// TestMatchingPlanesAreOfTheStacksTypeAndSelector: a stack selects, among
// the planes of its own type only, those its selector matches; a selector
// that does not parse is an invalidSelector (the stack is Stalled), not an
// error to retry.
func TestMatchingPlanesAreOfTheStacksTypeAndSelector(t *testing.T) {
	region := func(r string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Labels: map[string]string{platformv1alpha1.LabelRegion: r}}
	}
	named := func(m metav1.ObjectMeta, name string) metav1.ObjectMeta { m.Name = name; return m }
	c := fakehub.Client(t,
		&platformv1alpha1.DataPlane{ObjectMeta: named(region("eu"), "eu-1")},
		&platformv1alpha1.DataPlane{ObjectMeta: named(region("eu"), "eu-2")},
		&platformv1alpha1.DataPlane{ObjectMeta: named(region("us"), "us-1")},
		&platformv1alpha1.BuildPlane{ObjectMeta: named(region("eu"), "ci")},
	)
	r := &Reconciler{Client: c}
	stackOf := func(planeType string, sel *metav1.LabelSelector) *platformv1alpha1.PlaneStack {
		return &platformv1alpha1.PlaneStack{ObjectMeta: metav1.ObjectMeta{Name: "s"},
			Spec: platformv1alpha1.PlaneStackSpec{PlaneType: planeType, PlaneSelector: sel}}
	}
	eu := &metav1.LabelSelector{MatchLabels: map[string]string{platformv1alpha1.LabelRegion: "eu"}}
	cases := []struct {
		name  string
		stack *platformv1alpha1.PlaneStack
		want  []string
	}{
		{"data planes in eu", stackOf(platformv1alpha1.PlaneTypeData, eu), []string{"eu-1", "eu-2"}},
		{"every data plane", stackOf(platformv1alpha1.PlaneTypeData, nil), []string{"eu-1", "eu-2", "us-1"}},
		{"build planes in eu, not data planes", stackOf(platformv1alpha1.PlaneTypeBuild, eu), []string{"ci"}},
		{"no observability plane", stackOf(platformv1alpha1.PlaneTypeObservability, nil), nil},
	}
	for _, tc := range cases {
		got, err := r.matchingPlanes(context.Background(), tc.stack)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	bad := stackOf(platformv1alpha1.PlaneTypeData, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: platformv1alpha1.LabelRegion, Operator: "Near", Values: []string{"eu"}}}})
	_, err := r.matchingPlanes(context.Background(), bad)
	var invalid *invalidSelector
	if !errors.As(err, &invalid) {
		t.Errorf("a selector that does not parse: %v, want an invalidSelector", err)
	}
}
