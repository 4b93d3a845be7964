package parameters

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const statefulService = `
type: object
properties:
  replicas:
    type: integer
    minimum: 1
    maximum: 9
    default: 1
  storage:
    type: object
    default: {}
    properties:
      size:
        type: string
        pattern: '^[0-9]+(Mi|Gi)$'
        default: 1Gi
      class:
        type: string
  mode:
    type: string
    enum: [primary, replica]
required: [mode]
x-kubernetes-validations:
- rule: "self.mode != 'replica' || self.replicas >= 2"
  message: a replica set needs two replicas or more
`

func compile(t *testing.T, y string) (*Schema, error) {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return Compile(j, "spec.parameters")
}

func params(t *testing.T, j string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(j), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestApplyDefaults(t *testing.T) {
	s, err := compile(t, statefulService)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(nil, "spec.parameters"); err == nil || !strings.Contains(err.Error(), "spec.parameters.mode: Required value") {
		t.Fatalf("no parameters at all: want mode required, got %v", err)
	}
	in := params(t, `{"mode": "primary"}`)
	got, err := s.Apply(in, "spec.parameters")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if want := `{"mode":"primary","replicas":1,"storage":{"size":"1Gi"}}`; string(b) != want {
		t.Fatalf("\n got %s\nwant %s", b, want)
	}
	if len(in) != 1 {
		t.Fatalf("the developer's parameters must not change, got %v", in)
	}
	got, err = s.Apply(params(t, `{"mode": "replica", "replicas": 3, "storage": {"size": "20Gi", "class": "ssd"}}`), "spec.parameters")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got); string(b) != `{"mode":"replica","replicas":3,"storage":{"class":"ssd","size":"20Gi"}}` {
		t.Fatalf("what is set stays as set, got %s", b)
	}
}

func TestApplyRefuses(t *testing.T) {
	s, err := compile(t, statefulService)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, params string
		want         []string
	}{
		{"a size that is not one", `{"mode": "primary", "storage": {"size": "lots"}}`,
			[]string{`spec.parameters.storage.size: Invalid value: "lots": storage.size in body should match '^[0-9]+(Mi|Gi)$'`}},
		{"too many replicas", `{"mode": "primary", "replicas": 12}`,
			[]string{"spec.parameters.replicas: Invalid value: 12: replicas in body should be less than or equal to 9"}},
		{"a string for a number", `{"mode": "primary", "replicas": "three"}`,
			[]string{`spec.parameters.replicas: Invalid value: "string": replicas in body must be of type integer: "string"`}},
		{"a value outside the enum", `{"mode": "leader"}`,
			[]string{`spec.parameters.mode: Unsupported value: "leader": supported values: "primary", "replica"`}},
		{"a rule of the schema", `{"mode": "replica"}`,
			[]string{"spec.parameters: Invalid value: a replica set needs two replicas or more"}},
		{"a required field missing", `{}`,
			[]string{"spec.parameters.mode: Required value"}},
		{"fields the schema does not declare", `{"mode": "primary", "sise": "1Gi", "storage": {"klass": "ssd"}}`,
			[]string{"spec.parameters.sise: the schema declares no such field", "spec.parameters.storage.klass: the schema declares no such field"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Apply(params(t, tc.params), "spec.parameters")
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("\n got %v\nwant …%s…", err, w)
				}
			}
		})
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, schema, want string
	}{
		{"not an object", `{type: string}`, `spec.parameters.type: parameters are an object: the schema's type must be object, not "string"`},
		{"a property without a type", `{type: object, properties: {size: {description: how big}}}`,
			"the schema is not structural: spec.parameters.properties[size].type: Required value: must not be empty for specified object fields"},
		{"not a schema", `{type: object, properties: 3}`, "spec.parameters: not an OpenAPI v3 schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compile(t, tc.schema)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("\n got %v\nwant …%s…", err, tc.want)
			}
		})
	}
}

// TestARuleThatDoesNotCompile checks that a broken rule is an error, not
// a rule that always passes.
func TestARuleThatDoesNotCompile(t *testing.T) {
	s, err := compile(t, `{type: object, properties: {size: {type: string}}, x-kubernetes-validations: [{rule: "self.size.startsWith("}]}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Apply(map[string]any{"size": "1Gi"}, "spec.parameters")
	if err == nil || !strings.Contains(err.Error(), "compilation failed") {
		t.Fatalf("want the rule's compile error, got %v", err)
	}
}
