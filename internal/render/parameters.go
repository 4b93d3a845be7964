package render

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/aileron-dev/aileron/internal/parameters"
	"github.com/aileron-dev/aileron/internal/templates"
)

// schemas keeps compiled parameter schemas by the hash of their owner's
// content, as programs keeps templates.
var schemas templates.Cache[*parameters.Schema]

// Parameters checks raw (a Component's spec.parameters) against the type's
// schema and returns it with the schema's defaults.
func (t *Type) Parameters(raw *runtime.RawExtension) (map[string]any, error) {
	return checkParameters(t.Revision, t.Spec.Parameters, raw)
}

// Parameters checks raw (an instance's parameters) against the trait's
// schema and returns it with the schema's defaults.
func (t *Trait) Parameters(raw *runtime.RawExtension) (map[string]any, error) {
	return checkParameters(t.Revision, t.Spec.Parameters, raw)
}

// checkParameters applies the schema (from content revision) to raw. With
// no schema, no parameters may be set.
func checkParameters(revision string, schema, raw *runtime.RawExtension) (map[string]any, error) {
	params := map[string]any{}
	if raw != nil && len(raw.Raw) > 0 {
		if err := json.Unmarshal(raw.Raw, &params); err != nil {
			return nil, fmt.Errorf("parameters: not an object: %w", err)
		}
	}
	if schema == nil || len(schema.Raw) == 0 {
		if len(params) > 0 {
			return nil, fmt.Errorf("parameters: this type takes no parameters (it declares no spec.parameters schema)")
		}
		return params, nil
	}
	s, err := compileSchema(revision, schema)
	if err != nil {
		return nil, err
	}
	return s.Apply(params, "parameters")
}

// Check compiles the type's templates and parameter schema and checks
// that its environment parameters are parameters: what the type's Ready
// condition reports, before any component renders with it.
func (t *Type) Check() error {
	if _, err := t.program(); err != nil {
		return err
	}
	return checkSchema(t.Revision, t.Spec.Parameters, t.Spec.EnvironmentParameters)
}

// Check compiles the trait's templates, patches and parameter schema and
// checks that its environment parameters are parameters.
func (t *Trait) Check() error {
	if _, err := t.compile(); err != nil {
		return err
	}
	return checkSchema(t.Revision, t.Spec.Parameters, t.Spec.EnvironmentParameters)
}

func checkSchema(revision string, schema *runtime.RawExtension, environmentParameters []string) error {
	if schema == nil || len(schema.Raw) == 0 {
		if len(environmentParameters) > 0 {
			return fmt.Errorf("spec.environmentParameters names %s, but spec.parameters declares no schema", environmentParameters[0])
		}
		return nil
	}
	if _, err := compileSchema(revision, schema); err != nil {
		return err
	}
	var declared struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(schema.Raw, &declared); err != nil {
		return fmt.Errorf("spec.parameters: %w", err)
	}
	for i, p := range environmentParameters {
		if _, ok := declared.Properties[p]; !ok {
			return fmt.Errorf("spec.environmentParameters[%d]: %s is not a property of spec.parameters", i, p)
		}
	}
	return nil
}

func compileSchema(revision string, schema *runtime.RawExtension) (*parameters.Schema, error) {
	return schemas.Get(revision, func() (*parameters.Schema, error) { return parameters.Compile(schema.Raw, "spec.parameters") })
}
