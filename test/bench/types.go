package main

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/resolve"
)

// The platform-defined type and trait some components use (-typed-every):
// convergence then covers what a platform team writes, compiled and
// pinned per release, besides the built-ins.
const (
	benchType  = "bench-service"
	benchTrait = "bench-team"
)

// benchTypeSpec is a platform team's Service: the built-in with a shorter
// revision history, so that its content (and what it compiles to) is its
// own.
func benchTypeSpec() *platformv1alpha1.ComponentTypeSpec {
	spec := render.BuiltinTypes()["service"].DeepCopy()
	var deployment map[string]any
	if err := json.Unmarshal(spec.Resources[0].Template.Raw, &deployment); err != nil {
		panic(err) // the built-in's template is JSON
	}
	deployment["spec"].(map[string]any)["revisionHistoryLimit"] = 3
	raw, err := json.Marshal(deployment)
	if err != nil {
		panic(err)
	}
	spec.Resources[0].Template.Raw = raw
	return spec
}

// benchTraitSpec annotates the pods with the team that owns them.
func benchTraitSpec() *platformv1alpha1.TraitSpec {
	var spec platformv1alpha1.TraitSpec
	if err := yaml.UnmarshalStrict([]byte(`
parameters: {type: object, required: [team], properties: {team: {type: string}}}
patches:
- target: {kind: Deployment}
  merge: {spec: {template: {metadata: {annotations: {bench.aileron.dev/team: "${trait.parameters.team}"}}}}}
`), &spec); err != nil {
		panic(err)
	}
	return &spec
}

// typed makes c a component of the bench's type with its trait.
func typed(c *platformv1alpha1.Component) {
	c.Spec.Type = benchType
	c.Spec.Traits = []platformv1alpha1.ComponentTrait{{
		Name: benchTrait, InstanceName: "team",
		Parameters: rawJSON(`{"team": "` + c.Spec.ProjectRef.Name + `"}`),
	}}
}

// pinned is what the manager pins in a release of c.
func pinned(c *platformv1alpha1.Component) resolve.Pinned {
	if c.Spec.Type == benchType {
		return resolve.Pin(benchTypeSpec(), platformv1alpha1.TraitSnapshot{Name: benchTrait, Spec: *benchTraitSpec()})
	}
	return resolve.PinBuiltin(string(c.Spec.Type))
}

// newRelease is the Release the manager makes of c's current spec.
func newRelease(c *platformv1alpha1.Component) (*platformv1alpha1.Release, error) {
	return binding.NewRelease(c, c.Spec.Image, pinned(c))
}

func rawJSON(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }
