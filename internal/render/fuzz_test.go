package render

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// apiImage is the CRD's pattern for a Component's image.
var apiImage = regexp.MustCompile(`^[!-~]+$`)

// FuzzComponent renders arbitrary components and checks what a spoke's API
// server would refuse: names that are not DNS labels or subdomains, label
// values that are too long, objects outside their cell. It must never panic.
// With control-plane binaries at hand (make test, make test-faults), every
// render is also submitted to a real API server, whose Pod Security
// admission enforces "restricted" on the cell: see admitted.
func FuzzComponent(f *testing.F) {
	for _, in := range goldenInputs() {
		spec, err := json.Marshal(in.Spec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(in.Organization, in.Project, in.Environment, in.Component, in.Image, string(spec))
	}
	// The API server starts here, in each fuzzing process, not in the first
	// input: Go kills a fuzzing process whose call runs past 10 s, and
	// starting one takes about that long on a busy machine.
	spokeClient(f)
	f.Fuzz(func(t *testing.T, org, project, env, component, image, specJSON string) {
		c := spokeClient(t)
		// The API admits only DNS labels of bounded length for these names
		// (CEL rules on each kind); the renderer may assume as much.
		for _, n := range []struct {
			name string
			max  int
		}{{org, 30}, {project, 30}, {env, 20}, {component, 40}} {
			if len(n.name) > n.max || len(validation.IsDNS1035Label(n.name)) > 0 || strings.Contains(n.name, "--") {
				t.Skip()
			}
		}
		// The API admits printable ASCII images only (a Pattern on the CRD).
		if !apiImage.MatchString(image) {
			t.Skip()
		}
		var spec platformv1alpha1.ComponentSpec
		if json.Unmarshal([]byte(specJSON), &spec) != nil {
			t.Skip()
		}
		spec.ProjectRef.Name, spec.Image = project, image
		if c != nil && !acceptedByHub(c, org, component, spec) {
			// Only what the hub's API admits ever reaches the renderer.
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
			if err := inCell(o.GetNamespace(), org, project, env); err != nil {
				t.Errorf("%s %s is outside its cell: %v", o.GetKind(), o.GetName(), err)
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
		if c != nil && !t.Failed() {
			ctx, cancel := context.WithTimeout(context.Background(), spokeDeadline)
			defer cancel()
			switch err := admitted(ctx, c, in, objs); {
			case ctx.Err() != nil:
				// A stalled API server says nothing about the render.
				t.Skipf("the spoke did not answer within %s", spokeDeadline)
			case err != nil:
				t.Error(err)
			}
		}
	})
}

// inCell checks that namespace is the cell of organization, project and
// environment, computed here from the documented scheme rather than by
// the renderer: the names joined with "--" or, past 62 characters, the
// join's first 46 characters, "-" and 16 hex digits.
func inCell(namespace, organization, project, environment string) error {
	full := organization + "--" + project + "--" + environment
	if len(full) <= 62 {
		if namespace != full {
			return fmt.Errorf("namespace %q, want %q", namespace, full)
		}
		return nil
	}
	digest, ok := strings.CutPrefix(namespace, full[:46]+"-")
	if !ok || len(digest) != 16 || strings.Trim(digest, "0123456789abcdef") != "" {
		return fmt.Errorf("namespace %q, want %q followed by 16 hex digits", namespace, full[:46]+"-")
	}
	return nil
}
