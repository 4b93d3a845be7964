package render

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// FuzzComponent renders arbitrary components and checks what a spoke's API
// server would refuse: names that are not DNS labels or subdomains, label
// values that are too long, objects outside their cell. It must never panic.
func FuzzComponent(f *testing.F) {
	for _, in := range goldenInputs() {
		spec, err := json.Marshal(in.Spec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(in.Organization, in.Project, in.Environment, in.Component, in.Image, string(spec))
	}
	f.Fuzz(func(t *testing.T, org, project, env, component, image, specJSON string) {
		// The API admits only DNS labels of bounded length for these names
		// (CEL rules on each kind); the renderer may assume as much.
		for _, n := range []struct {
			name string
			max  int
		}{{org, 30}, {project, 30}, {env, 20}, {component, 40}} {
			if len(n.name) > n.max || len(validation.IsDNS1035Label(n.name)) > 0 {
				t.Skip()
			}
		}
		var spec platformv1alpha1.ComponentSpec
		if json.Unmarshal([]byte(specJSON), &spec) != nil {
			t.Skip()
		}
		in := Input{Organization: org, Project: project, Environment: env, Component: component,
			Release: component + "-0123456789", Image: image, Spec: spec, Plane: plane, State: platformv1alpha1.BindingActive}
		objs, err := Component(in)
		if err != nil {
			return // refused, not half-rendered
		}
		if _, err := objs.YAML(); err != nil {
			t.Fatalf("rendered objects do not serialise: %v", err)
		}
		for _, o := range objs {
			if errs := validation.IsDNS1123Subdomain(o.GetName()); len(errs) > 0 {
				t.Errorf("%s name %q: %s", o.GetKind(), o.GetName(), strings.Join(errs, "; "))
			}
			if o.GetNamespace() != in.Namespace() {
				t.Errorf("%s %s is outside its cell", o.GetKind(), o.GetName())
			}
			if errs := validation.IsDNS1123Label(o.GetNamespace()); len(errs) > 0 {
				t.Errorf("namespace %q: %s", o.GetNamespace(), strings.Join(errs, "; "))
			}
			for k, v := range o.GetLabels() {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("%s %s label %s=%q: %s", o.GetKind(), o.GetName(), k, v, strings.Join(errs, "; "))
				}
			}
		}
	})
}
