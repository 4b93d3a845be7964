package validation

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestEveryFieldIsDocumented walks every generated CRD and requires a
// description on each field, so `kubectl explain` documents all of them.
func TestEveryFieldIsDocumented(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs: %v", err)
	}
	fields := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, crd); err != nil {
			t.Fatal(err)
		}
		for _, v := range crd.Spec.Versions {
			for _, top := range []string{"spec", "status"} {
				prop, ok := v.Schema.OpenAPIV3Schema.Properties[top]
				if !ok {
					continue
				}
				walk(crd.Spec.Names.Kind+"."+top, prop, func(path string, p apiextensionsv1.JSONSchemaProps) {
					fields++
					if p.Description == "" {
						t.Errorf("%s has no description", path)
					}
				})
			}
		}
	}
	t.Logf("%d documented fields", fields)
}

func walk(path string, p apiextensionsv1.JSONSchemaProps, visit func(string, apiextensionsv1.JSONSchemaProps)) {
	visit(path, p)
	for _, n := range sortedNames(p.Properties) {
		walk(path+"."+n, p.Properties[n], visit)
	}
	// A list's items are documented by the list field itself; the fields
	// of object items are walked like any other.
	if p.Items != nil && p.Items.Schema != nil {
		item := *p.Items.Schema
		for _, n := range sortedNames(item.Properties) {
			walk(path+"[]."+n, item.Properties[n], visit)
		}
	}
}

func sortedNames(props map[string]apiextensionsv1.JSONSchemaProps) []string {
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
