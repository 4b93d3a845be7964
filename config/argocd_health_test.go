package config

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite argocd/health-customizations.yaml from argocd/health.lua")

// health runs script as Argo CD runs a health customization: the object
// as the global obj, the script's result a table with status and message.
func health(t *testing.T, script string, object string) (status, message string) {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(object), &m); err != nil {
		t.Fatal(err)
	}
	state := lua.NewState()
	defer state.Close()
	state.SetGlobal("obj", toLua(state, m))
	if err := state.DoString(script); err != nil {
		t.Fatalf("the script fails: %v", err)
	}
	hs, ok := state.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("the script returns %s, not a table", state.Get(-1).Type())
	}
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

// toLua converts a decoded JSON value as Argo CD does: objects and arrays
// become tables (arrays indexed from 1), numbers Lua numbers.
func toLua(state *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := state.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(state, e))
		}
		return t
	case []any:
		t := state.NewTable()
		for _, e := range v {
			t.Append(toLua(state, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	}
	panic(fmt.Sprintf("unexpected %T", v))
}

func script(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("argocd/health.lua")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func object(kind string, generation int, status string) string {
	return fmt.Sprintf("apiVersion: platform.aileron.dev/v1alpha1\nkind: %s\nmetadata: {name: web, namespace: acme, generation: %d}\n%s", kind, generation, status)
}

func TestHealthScript(t *testing.T) {
	s := script(t)
	for _, tc := range []struct {
		name, object, status, message string
	}{
		{"nothing reported yet", object("Component", 1, ""), "Progressing", "waiting for Aileron to reconcile it"},
		{"Ready for the current generation", object("Component", 2, `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "True", reason: Deployed, message: "release web-4f2a runs in development"}`),
			"Healthy", "release web-4f2a runs in development"},
		{"Ready, but for the previous generation", object("Component", 3, `status:
  observedGeneration: 2
  conditions:
  - {type: Ready, status: "True", reason: Deployed, message: "release web-4f2a runs in development"}`),
			"Progressing", "waiting for Aileron to reconcile generation 3"},
		{"Reconciling", object("ReleaseBinding", 1, `status:
  observedGeneration: 1
  conditions:
  - {type: Ready, status: "False", reason: Progressing, message: "1 of 2 planes healthy"}
  - {type: Reconciling, status: "True", reason: Progressing, message: "1 of 2 planes healthy"}`),
			"Progressing", "Progressing: 1 of 2 planes healthy"},
		{"Stalled", object("Component", 1, `status:
  observedGeneration: 1
  conditions:
  - {type: Ready, status: "False", reason: DependencyNotFound, message: "component api does not exist in project shop"}
  - {type: Stalled, status: "True", reason: DependencyNotFound, message: "component api does not exist in project shop"}`),
			"Degraded", "DependencyNotFound: component api does not exist in project shop"},
		{"Ready=False with nothing under way", object("DataPlane", 4, `status:
  observedGeneration: 4
  conditions:
  - {type: Ready, status: "False", reason: PlaneUnreachable, message: "the plane's API server does not answer"}`),
			"Degraded", "PlaneUnreachable: the plane's API server does not answer"},
		{"a Stalled object edited since", object("Project", 2, `status:
  observedGeneration: 1
  conditions:
  - {type: Stalled, status: "True", reason: ReferenceNotFound, message: "no such pipeline"}`),
			"Progressing", "waiting for Aileron to reconcile generation 2"},
		{"a Release, which nothing reconciles", object("Release", 1, ""), "Healthy", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, message := health(t, s, tc.object)
			if status != tc.status || message != tc.message {
				t.Fatalf("got %s %q, want %s %q", status, message, tc.status, tc.message)
			}
		})
	}
}

// aileronKinds are the kinds of platform.aileron.dev, from the CRDs the
// manager installs.
func aileronKinds(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(Files, "crd/bases/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range files {
		b, err := Files.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Spec.Group == platformv1alpha1.GroupVersion.Group {
			kinds = append(kinds, crd.Spec.Names.Kind)
		}
	}
	sort.Strings(kinds)
	if len(kinds) < 13 {
		t.Fatalf("want the 13 kinds or more, found %v", kinds)
	}
	return kinds
}

// TestHealthCustomizationsCoverEveryKind checks the argocd-cm patch: an
// entry for every Aileron kind, each the script.
func TestHealthCustomizationsCoverEveryKind(t *testing.T) {
	s := script(t)
	kinds := aileronKinds(t)
	var b strings.Builder
	b.WriteString("# Argo CD health checks for Aileron's kinds: merge into argocd-cm with\n")
	b.WriteString("#   kubectl -n argocd patch configmap argocd-cm --patch-file config/argocd/health-customizations.yaml\n")
	b.WriteString("# Each entry is config/argocd/health.lua (go test ./config -update rewrites this file).\n")
	b.WriteString("data:\n")
	for _, k := range kinds {
		fmt.Fprintf(&b, "  resource.customizations.health.%s_%s: |\n", platformv1alpha1.GroupVersion.Group, k)
		for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("    " + line + "\n")
		}
	}
	const file = "argocd/health-customizations.yaml"
	if *update {
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var patch struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(got, &patch); err != nil {
		t.Fatal(err)
	}
	if len(patch.Data) != len(kinds) {
		t.Fatalf("want an entry for each of the %d kinds %v, got %d", len(kinds), kinds, len(patch.Data))
	}
	for _, k := range kinds {
		key := "resource.customizations.health." + platformv1alpha1.GroupVersion.Group + "_" + k
		if patch.Data[key] != s {
			t.Errorf("%s is not health.lua (go test ./config -update rewrites the file)", key)
		}
	}
}
