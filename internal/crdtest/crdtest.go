// Package crdtest proves rendered third-party objects against the real
// upstream CRDs: each is created in an API server that serves them and read
// back, and every field that was sent must come back unchanged. A field the
// schema does not know is pruned by the API server, so a misspelt field in
// Aileron's own Go types fails the test instead of silently vanishing.
package crdtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/hubapply"
)

// SharedCRDs is the directory of an upstream project's CRDs in ../shared
// (AILERON_SHARED_DIR when set), from a package directory depth levels
// below the repository's root.
func SharedCRDs(project string, depth int) string {
	shared := os.Getenv("AILERON_SHARED_DIR")
	if shared == "" {
		parts := []string{}
		for range depth + 1 {
			parts = append(parts, "..")
		}
		shared = filepath.Join(append(parts, "shared")...)
	}
	return filepath.Join(shared, "crds", project)
}

// Start runs an API server serving the CRDs at paths (files or
// directories) until t ends, and returns a client of it.
func Start(t *testing.T, paths ...string) client.Client {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the upstream CRDs this test needs are not there: %s does not exist. "+
				"They come from the shared directory beside the clone (../shared/crds/<project>/*.yaml, or $AILERON_SHARED_DIR/crds/<project>) "+
				"or, for the External Secrets Operator, from 'make tools' ($AILERON_ESO_DIR/crds)", p)
		}
	}
	env := &envtest.Environment{
		CRDDirectoryPaths: paths, ErrorIfCRDPathMissing: true,
		CRDInstallOptions: envtest.CRDInstallOptions{MaxTime: fleet.CRDServeTimeout},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Compare describes the first part of want that got does not hold, as
// Missing does, after making JSON numbers of either side comparable.
func Compare(want, got any, path string) string {
	return Missing(normalize(want), normalize(got), path)
}

// RoundTrip creates each object through c, reads it back, and fails t for
// every object refused and every field sent that did not come back as it
// was (pruned, or changed). Defaults the schema adds are not differences.
func RoundTrip(ctx context.Context, t *testing.T, c client.Client, objs map[string]runtime.Object) {
	t.Helper()
	names := make([]string, 0, len(objs))
	for name := range objs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sent, err := hubapply.ToUnstructured(objs[name])
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, sent.DeepCopy()); err != nil {
			t.Errorf("%s refused by the upstream schema: %v", name, err)
			continue
		}
		back := &unstructured.Unstructured{}
		back.SetGroupVersionKind(sent.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(sent), back); err != nil {
			t.Fatal(err)
		}
		for field, want := range sent.Object {
			if field == "metadata" {
				continue
			}
			if diff := Compare(want, back.Object[field], field); diff != "" {
				t.Errorf("%s: the round trip lost what was sent (a field the schema does not know is pruned): %s", name, diff)
			}
		}
		if !reflect.DeepEqual(sent.GetLabels(), back.GetLabels()) || !reflect.DeepEqual(sent.GetAnnotations(), back.GetAnnotations()) {
			t.Errorf("%s: labels or annotations changed: %v %v → %v %v", name, sent.GetLabels(), sent.GetAnnotations(), back.GetLabels(), back.GetAnnotations())
		}
	}
}

// Missing describes the first part of want that got does not hold, at
// path; "" when got holds all of want (and maybe more).
func Missing(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: sent an object, got %v", path, got)
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, present := g[k]
			if !present {
				return fmt.Sprintf("%s.%s: sent %v, pruned", path, k, w[k])
			}
			if d := Missing(w[k], gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: sent %v, got %v", path, want, got)
		}
		for i := range w {
			if d := Missing(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Sprintf("%s: sent %v, got %v", path, want, got)
		}
		return ""
	}
}

// normalize makes JSON numbers comparable (int64 sent, int64 or float64
// back).
func normalize(v any) any {
	b, _ := yaml.Marshal(v)
	var out any
	_ = yaml.Unmarshal(b, &out)
	return out
}
