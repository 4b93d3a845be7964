package resolve

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func TestPlanes(t *testing.T) {
	plane := func(name, region string, deleting bool) platformv1alpha1.DataPlane {
		dp := platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{platformv1alpha1.LabelRegion: region}}}
		if deleting {
			now := metav1.Now()
			dp.DeletionTimestamp = &now
		}
		return dp
	}
	granted := plane("eu-3", "eu", false)
	granted.Spec.Organizations = []string{"globex"}
	planes := []platformv1alpha1.DataPlane{plane("na-1", "na", false), plane("eu-1", "eu", false), plane("eu-2", "eu", true), plane("asia-1", "asia", false), granted}
	bySelector := func(regions ...string) *platformv1alpha1.Environment {
		return &platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: "acme"}, Spec: platformv1alpha1.EnvironmentSpec{DataPlaneSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: platformv1alpha1.LabelRegion, Operator: metav1.LabelSelectorOpIn, Values: regions}},
		}}}
	}
	byRef := func(name string) *platformv1alpha1.Environment {
		return &platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: "acme"}, Spec: platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: name}}}
	}
	for _, tc := range []struct {
		name    string
		env     *platformv1alpha1.Environment
		want    string
		problem string
	}{
		{"reference", byRef("asia-1"), "asia-1", ""},
		{"missing reference", byRef("eu-9"), "", "DataPlane eu-9 does not exist"},
		{"reference to a plane being deleted", byRef("eu-2"), "", "DataPlane eu-2 is being deleted"},
		{"selector, sorted, without planes being deleted", bySelector("eu", "na"), "eu-1,na-1", ""},
		{"selector matching nothing", bySelector("mars"), "", "no DataPlane granted to organization acme matches spec.dataPlaneSelector"},
		{"reference to a plane granted to another organization", byRef("eu-3"), "", "DataPlane eu-3 is not granted to organization acme"},
	} {
		got, problem := Planes(tc.env, planes)
		if strings.Join(got, ",") != tc.want || (tc.problem == "") != (problem == "") || !strings.Contains(problem, tc.problem) {
			t.Errorf("%s: got %v %q, want %s %q", tc.name, got, problem, tc.want, tc.problem)
		}
	}
}
