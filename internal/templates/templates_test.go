package templates

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var vars = map[string]any{
	"component":  map[string]any{"metadata": map[string]any{"name": "web", "namespace": "acme"}, "spec": map[string]any{"replicas": int64(2)}},
	"parameters": map[string]any{"storage": map[string]any{"size": "1Gi"}, "replicas": int64(3), "ports": []any{int64(80), int64(443)}, "debug": false},
	"cell":       map[string]any{"namespace": "dp-acme-shop-dev", "labels": map[string]any{"platform.aileron.dev/project": "shop"}},
}

var names = []string{"component", "parameters", "cell"}

func renderJSON(t *testing.T, rs []Resource) (string, error) {
	t.Helper()
	p, err := Compile(rs, Options{Variables: names, Field: "spec.resources"})
	if err != nil {
		return "", err
	}
	objs, err := p.Render(vars)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), nil
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []Resource
		want string
	}{{
		name: "a whole-value expression keeps its type, text interpolates",
		rs: []Resource{{Template: `
kind: StatefulSet
metadata:
  name: ${component.metadata.name}-db
  namespace: ${cell.namespace}
  labels: ${cell.labels}
spec:
  replicas: ${parameters.replicas}
  paused: ${parameters.debug}
  note: "${parameters.replicas} replicas of ${component.metadata.name}, debug ${parameters.debug}"
  storage: ${parameters.storage.size}
`}},
		want: `[{"kind":"StatefulSet","metadata":{"labels":{"platform.aileron.dev/project":"shop"},"name":"web-db","namespace":"dp-acme-shop-dev"},` +
			`"spec":{"note":"3 replicas of web, debug false","paused":false,"replicas":3,"storage":"1Gi"}}]`,
	}, {
		name: "includeWhen leaves an object out, forEach repeats one with item",
		rs: []Resource{
			{Template: `{kind: PodDisruptionBudget}`, IncludeWhen: `parameters.replicas > 5`},
			{Template: `{kind: Service, metadata: {name: "${component.metadata.name}-${item}"}, port: "${item}"}`, ForEach: `parameters.ports`},
			{Template: `{kind: ConfigMap}`, IncludeWhen: `has(parameters.storage)`},
		},
		want: `[{"kind":"Service","metadata":{"name":"web-80"},"port":80},{"kind":"Service","metadata":{"name":"web-443"},"port":443},{"kind":"ConfigMap"}]`,
	}, {
		name: "keys are templated, maps and lists built by expressions, $${ escapes",
		rs: []Resource{{Template: `
kind: ConfigMap
data:
  ${component.metadata.name}.conf: "literal $${not.an.expression}"
  built: '${ {"a": [1, 2], "b": "}"} }'
  optional: ${parameters.?missing.orValue("fallback")}
  upper: ${component.metadata.name.upperAscii()}
`}},
		want: `[{"data":{"built":{"a":[1,2],"b":"}"},"optional":"fallback","upper":"WEB","web.conf":"literal ${not.an.expression}"},"kind":"ConfigMap"}]`,
	}, {
		name: "an empty forEach renders nothing, literals stay",
		rs:   []Resource{{Template: `{kind: Job, count: 1, f: 1.5, b: true, z: null}`}, {Template: `{kind: X}`, ForEach: `[]`}},
		want: `[{"b":true,"count":1,"f":1.5,"kind":"Job","z":null}]`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderJSON(t, tc.rs)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []Resource
		want string
	}{{
		name: "a compile error names the field path and the expression",
		rs:   []Resource{{Template: `{kind: A}`}, {Template: `{spec: {replicas: "${parameters.replicas +}"}}`}},
		want: "spec.resources[1].template.spec.replicas: ${parameters.replicas +}: ERROR: <input>:1:22: Syntax error",
	}, {
		name: "an unknown variable is refused when compiled",
		rs:   []Resource{{Template: `{kind: A, password: "${secrets.password}"}`}},
		want: "spec.resources[0].template.password: ${secrets.password}: ERROR: <input>:1:1: undeclared reference to 'secrets'",
	}, {
		name: "a missing key fails the render, naming where",
		rs:   []Resource{{Template: `{kind: A, spec: {size: "${parameters.storage.class}"}}`}},
		want: "spec.resources[0].template.spec.size: ${parameters.storage.class}: no such key: class",
	}, {
		name: "includeWhen must be a boolean",
		rs:   []Resource{{Template: `{kind: A}`, IncludeWhen: `parameters.replicas`}},
		want: "spec.resources[0].includeWhen: ${parameters.replicas}: must be a boolean, got int",
	}, {
		name: "forEach must be a list",
		rs:   []Resource{{Template: `{kind: A}`, ForEach: `parameters.storage.size`}},
		want: "spec.resources[0].forEach: ${parameters.storage.size}: must be a list, got string",
	}, {
		name: "a map inside text",
		rs:   []Resource{{Template: `{kind: A, name: "x-${parameters.storage}"}`}},
		want: "spec.resources[0].template.name: ${parameters.storage}: inside text an expression must give a string, a number or a boolean, got map",
	}, {
		name: "an unclosed expression",
		rs:   []Resource{{Template: `{kind: A, name: "${component.metadata.name"}`}},
		want: "spec.resources[0].template.name: ${ without its closing }: ${component.metadata.name",
	}, {
		name: "an empty expression",
		rs:   []Resource{{Template: `{kind: A, name: "${ }"}`}},
		want: "spec.resources[0].template.name: empty expression",
	}, {
		name: "a template that is not an object",
		rs:   []Resource{{Template: `- a`}},
		want: "spec.resources[0].template: must be an object",
	}, {
		name: "a template that is not YAML",
		rs:   []Resource{{Template: "kind: [A"}},
		want: "spec.resources[0].template: not YAML",
	}, {
		name: "a key that is not a string",
		rs:   []Resource{{Template: `{kind: A, data: {"${parameters.replicas}": x}}`}},
		want: "spec.resources[0].template.data.${parameters.replicas}: a key must be a string",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderJSON(t, tc.rs)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("\n got %v\nwant %s…", err, tc.want)
			}
		})
	}
}

// TestCostLimit checks that an expression built to run long is stopped by
// its cost limit, with an error saying so.
func TestCostLimit(t *testing.T) {
	p, err := Compile([]Resource{{Template: `{kind: A, count: "${[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, a*b*c))).size()}"}`}},
		Options{CostLimit: 500})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Render(nil)
	if !errors.Is(err, ErrCostLimit) || !strings.Contains(err.Error(), "resources[0].template.count") {
		t.Fatalf("want the cost limit error naming the field, got %v", err)
	}
	// The same expression within the default limit.
	p, err = Compile([]Resource{{Template: `{kind: A, count: "${[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, a*b*c))).size()}"}`}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := p.Render(nil)
	if err != nil || objs[0]["count"] != int64(10) {
		t.Fatalf("want 10 within the default limit, got %v, %v", objs, err)
	}
}

func TestCacheCompilesOncePerContent(t *testing.T) {
	c := Cache[*Program]{Size: 2}
	compiles := 0
	compile := func() (*Program, error) {
		compiles++
		return Compile([]Resource{{Template: `{kind: A}`}}, Options{})
	}
	for _, key := range []string{"a", "a", "a", "b", "b"} {
		if _, err := c.Get(key, compile); err != nil {
			t.Fatal(err)
		}
	}
	if compiles != 2 {
		t.Fatalf("want one compile per content (2), got %d", compiles)
	}
	bad := func() (*Program, error) { compiles++; return Compile([]Resource{{Template: `{n: "${(}"}`}}, Options{}) }
	for range 3 {
		if _, err := c.Get("broken", bad); err == nil {
			t.Fatal("want the compile error")
		}
	}
	if compiles != 3 {
		t.Fatalf("a compile error is kept for its content too: want 3 compiles, got %d", compiles)
	}
	// Size 2: "broken" and "b" are kept, "a" (least recently used) went.
	if c.Len() != 2 {
		t.Fatalf("want 2 entries kept, got %d", c.Len())
	}
	if _, err := c.Get("b", compile); err != nil || compiles != 3 {
		t.Fatalf("b is still kept: %d compiles, %v", compiles, err)
	}
	if _, err := c.Get("a", compile); err != nil || compiles != 4 {
		t.Fatalf("a was dropped and compiles again: %d, %v", compiles, err)
	}
}

func TestScan(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  `[{plain  false}]`,
		"${a}":                   `[{ a true}]`,
		"x-${a}-y":               `[{x-  false} { a true} {-y  false}]`,
		`${"}"}${'{'}`:           `[{ "}" true} { '{' true}]`,
		`${ {"k": {"n": 1}}.k }`: `[{ {"k": {"n": 1}}.k true}]`,
		`$${a} ${b}`:             `[{${a}   false} { b true}]`,
		`${"a\"}"}`:              `[{ "a\"}" true}]`,
	} {
		pieces, err := scan(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var got []string
		for _, p := range pieces {
			got = append(got, "{"+p.text+" "+p.expr+" "+map[bool]string{true: "true", false: "false"}[p.isExpr]+"}")
		}
		if g := "[" + strings.Join(got, " ") + "]"; g != want {
			t.Errorf("scan(%q):\n got %s\nwant %s", in, g, want)
		}
	}
}

// FuzzCompileRender checks that no template text, however broken, makes
// compiling or rendering panic: a platform team's typo is an error.
func FuzzCompileRender(f *testing.F) {
	for _, seed := range []string{`{kind: A, n: "${component.metadata.name}"}`, `{a: "${"}`, `{a: "$${b}"}`, `{"${x}": 1}`, `{a: '${ {"}": "{"} }'}`, "- 1", ""} {
		f.Add(seed, `parameters.replicas > 1`)
	}
	f.Fuzz(func(t *testing.T, template, when string) {
		p, err := Compile([]Resource{{Template: template, IncludeWhen: when}}, Options{Variables: names})
		if err != nil {
			return
		}
		_, _ = p.Render(vars)
	})
}
