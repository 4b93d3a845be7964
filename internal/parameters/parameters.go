// Package parameters checks what a developer sets for a ComponentType or
// Trait against the schema the platform team wrote for it, the way the
// Kubernetes API server checks a custom resource: the schema must be
// structural (an OpenAPI v3 schema as a CRD's), defaults are applied, a
// field the schema does not declare is refused rather than dropped, and
// x-kubernetes-validations rules hold, and every error names its field
// path (spec.parameters.storage.size). It uses
// the API server's own schema code (k8s.io/apiextensions-apiserver), so a
// schema means here what it means in a CRD.
package parameters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// Schema is a compiled parameter schema.
type Schema struct {
	structural *schema.Structural
	validator  validation.SchemaValidator
	// rules checks the schema's x-kubernetes-validations; nil without.
	rules *cel.Validator
}

// Compile reads an OpenAPI v3 schema given as JSON. field names where the
// schema is written (spec.parameters), for errors.
func Compile(raw []byte, fieldPath string) (*Schema, error) {
	path := field.NewPath(fieldPath)
	var v1 apiextensionsv1.JSONSchemaProps
	if err := json.Unmarshal(raw, &v1); err != nil {
		return nil, fmt.Errorf("%s: not an OpenAPI v3 schema: %w", fieldPath, err)
	}
	if v1.Type != "object" {
		return nil, fmt.Errorf("%s.type: parameters are an object: the schema's type must be object, not %q", fieldPath, v1.Type)
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &internal, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", fieldPath, err)
	}
	st, err := schema.NewStructural(&internal)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fieldPath, err)
	}
	if errs := schema.ValidateStructural(path, st); len(errs) > 0 {
		return nil, fmt.Errorf("the schema is not structural: %w", errs.ToAggregate())
	}
	validator, _, err := validation.NewSchemaValidator(&internal)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fieldPath, err)
	}
	return &Schema{structural: st, validator: validator, rules: cel.NewValidator(st, false, celconfig.PerCallLimit)}, nil
}

// Apply returns params with the schema's defaults, or an error naming each
// field that does not match the schema, under fieldPath. params is not
// changed.
func (s *Schema) Apply(params map[string]any, fieldPath string) (map[string]any, error) {
	// Through JSON, as the API server reads an object: whole numbers are
	// int64, which is what an integer's rules and validation expect.
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fieldPath, err)
	}
	obj := map[string]any{}
	if err := utiljson.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", fieldPath, err)
	}
	if obj == nil {
		obj = map[string]any{} // none set: the defaults, or what is required
	}
	defaulting.Default(obj, s.structural)
	unknown := pruning.PruneWithOptions(obj, s.structural, false, schema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	var msgs []string
	sort.Strings(unknown)
	for _, u := range unknown {
		msgs = append(msgs, fmt.Sprintf("%s.%s: the schema declares no such field", fieldPath, u))
	}
	errs := validation.ValidateCustomResource(field.NewPath(fieldPath), obj, s.validator)
	if s.rules != nil && len(errs) == 0 {
		// The rules read a well-typed object: like the API server, only
		// what passed the schema is given to them, within the same cost
		// budget as a custom resource.
		ruleErrs, _ := s.rules.Validate(context.Background(), field.NewPath(fieldPath), s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, ruleErrs...)
	}
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) > 0 {
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	return obj, nil
}
