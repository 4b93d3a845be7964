package cli

import (
	"fmt"
	"io/fs"
	"sync"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/aileron-dev/aileron/config"
)

var (
	schemasOnce sync.Once
	schemas     map[string]*structuralschema.Structural // by kind
	schemasErr  error
)

// applyDefaults fills u with the defaults of its kind's CRD schema, with
// the API server's own defaulting code: what a Component becomes when it
// is created, and so what its Release hash is computed from.
func applyDefaults(u *unstructured.Unstructured) error {
	schemasOnce.Do(func() { schemas, schemasErr = loadSchemas() })
	if schemasErr != nil {
		return schemasErr
	}
	s, ok := schemas[u.GetKind()]
	if !ok {
		return nil
	}
	structuraldefaulting.Default(u.Object, s)
	return nil
}

func loadSchemas() (map[string]*structuralschema.Structural, error) {
	out := map[string]*structuralschema.Structural{}
	files, err := fs.Glob(config.Files, "crd/bases/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := config.Files.ReadFile(f)
		if err != nil {
			return nil, err
		}
		def := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, def); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, v := range def.Spec.Versions {
			if !v.Storage || v.Schema == nil {
				continue
			}
			internal := &apiextensionsinternal.JSONSchemaProps{}
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, internal, nil); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			s, err := structuralschema.NewStructural(internal)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out[def.Spec.Names.Kind] = s
		}
	}
	return out, nil
}
