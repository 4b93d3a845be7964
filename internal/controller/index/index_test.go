package index

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

// TestIndexesFindWhatTheControllersLookFor lists objects by each index
// that holds logic, over a client indexed exactly as the manager's cache
// is, and checks which objects come back.
func TestIndexesFindWhatTheControllersLookFor(t *testing.T) {
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: "acme", Name: name} }
	ref := func(name string) platformv1alpha1.LocalObjectReference {
		return platformv1alpha1.LocalObjectReference{Name: name}
	}
	objs := []client.Object{
		// web calls api in its own project and auth in project identity.
		&platformv1alpha1.Component{ObjectMeta: meta("web"), Spec: platformv1alpha1.ComponentSpec{ProjectRef: ref("shop"),
			Dependencies: []platformv1alpha1.Dependency{{Component: "api"}, {Project: "identity", Component: "auth"}}}},
		&platformv1alpha1.Component{ObjectMeta: meta("api"), Spec: platformv1alpha1.ComponentSpec{ProjectRef: ref("shop"),
			Build: &platformv1alpha1.BuildSource{Repository: "https://git.example/api.git"}}},
		&platformv1alpha1.Component{ObjectMeta: meta("worker"), Spec: platformv1alpha1.ComponentSpec{ProjectRef: ref("shop"),
			Build: &platformv1alpha1.BuildSource{Repository: "https://git.example/worker.git", BuildPlaneRef: &platformv1alpha1.LocalObjectReference{Name: "ci"}}}},
		&platformv1alpha1.ReleaseBinding{ObjectMeta: meta("web--dev"), Status: platformv1alpha1.ReleaseBindingStatus{
			Planes: []platformv1alpha1.PlaneDeliveryStatus{{Plane: "eu-1"}, {Plane: "us-1"}}}},
		&platformv1alpha1.ReleaseBinding{ObjectMeta: meta("api--dev"), Status: platformv1alpha1.ReleaseBindingStatus{
			Planes: []platformv1alpha1.PlaneDeliveryStatus{{Plane: "us-1"}}}},
		&platformv1alpha1.Environment{ObjectMeta: meta("dev"), Status: platformv1alpha1.EnvironmentStatus{DataPlanes: []string{"eu-1", "us-1"}}},
		&platformv1alpha1.Environment{ObjectMeta: meta("prod"), Status: platformv1alpha1.EnvironmentStatus{DataPlanes: []string{"eu-2"}}},
	}
	b := fakehub.Builder(t, objs...)
	for _, e := range entries() {
		b = b.WithIndex(e.obj, e.field, e.extract)
	}
	c := b.Build()
	names := func(list client.ObjectList, field, value string) []string {
		t.Helper()
		if err := c.List(context.Background(), list, client.MatchingFields{field: value}); err != nil {
			t.Fatalf("listing by %s=%s: %v", field, value, err)
		}
		var out []string
		switch l := list.(type) {
		case *platformv1alpha1.ComponentList:
			for _, o := range l.Items {
				out = append(out, o.Name)
			}
		case *platformv1alpha1.ReleaseBindingList:
			for _, o := range l.Items {
				out = append(out, o.Name)
			}
		case *platformv1alpha1.EnvironmentList:
			for _, o := range l.Items {
				out = append(out, o.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name  string
		list  client.ObjectList
		field string
		value string
		want  []string
	}{
		{"a dependency without a project is in the caller's", &platformv1alpha1.ComponentList{}, ComponentDependency, "shop/api", []string{"web"}},
		{"a dependency on another project", &platformv1alpha1.ComponentList{}, ComponentDependency, "identity/auth", []string{"web"}},
		{"no component calls web", &platformv1alpha1.ComponentList{}, ComponentDependency, "shop/web", nil},
		{"a source naming no BuildPlane is the default's", &platformv1alpha1.ComponentList{}, ComponentBuildPlane, DefaultBuildPlane, []string{"api"}},
		{"a source naming its BuildPlane", &platformv1alpha1.ComponentList{}, ComponentBuildPlane, "ci", []string{"worker"}},
		{"bindings by each plane they delivered to", &platformv1alpha1.ReleaseBindingList{}, BindingPlane, "us-1", []string{"api--dev", "web--dev"}},
		{"a plane one binding delivered to", &platformv1alpha1.ReleaseBindingList{}, BindingPlane, "eu-1", []string{"web--dev"}},
		{"environments by each resolved plane", &platformv1alpha1.EnvironmentList{}, EnvironmentPlane, "eu-2", []string{"prod"}},
	}
	for _, tc := range cases {
		if got := names(tc.list, tc.field, tc.value); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %s=%s lists %v, want %v", tc.name, tc.field, tc.value, got, tc.want)
		}
	}
}
