package resolve

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func TestTypeObjectNames(t *testing.T) {
	for in, want := range map[platformv1alpha1.ComponentTypeName]string{
		"Service":          "service",
		"WebApplication":   "web-application",
		"web-application":  "web-application",
		"ScheduledTask":    "scheduled-task",
		"StatefulService":  "stateful-service",
		"Queue2Consumer":   "queue2-consumer",
		"HTTPServer":       "httpserver",
		"stateful-service": "stateful-service",
	} {
		if got := in.ObjectName(); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

// TestCanonicalPinsOneForm: the same type written with its keys in another
// order, or spaced otherwise, pins the same bytes (and so names the same
// release), and its grants are not pinned.
func TestCanonicalPinsOneForm(t *testing.T) {
	spec := func(template string, orgs ...string) *platformv1alpha1.ComponentTypeSpec {
		return &platformv1alpha1.ComponentTypeSpec{
			Organizations: orgs,
			Workload:      platformv1alpha1.TypeWorkload{APIVersion: "apps/v1", Kind: "Deployment", PodTemplatePath: "spec.template"},
			Resources:     []platformv1alpha1.TemplateResource{{Template: runtime.RawExtension{Raw: []byte(template)}}},
		}
	}
	a := canonical(spec(`{"kind": "Deployment",  "apiVersion": "apps/v1", "metadata": {"name": "${component.name}"}}`, "acme"))
	b := canonical(spec(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${component.name}"}}`))
	const want = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${component.name}"}}`
	if string(a.Resources[0].Template.Raw) != want || string(b.Resources[0].Template.Raw) != want {
		t.Errorf("want one form %s, got\n%s\n%s", want, a.Resources[0].Template.Raw, b.Resources[0].Template.Raw)
	}
	if PinBuiltin("WebApplication").Type == nil || PinBuiltin("Nonexistent").Type != nil {
		t.Error("PinBuiltin pins the built-in types only")
	}
}
