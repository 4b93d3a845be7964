package validation

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestSamplesAccepted creates every object of config/samples, with strict
// field validation so that a misspelt field fails too.
func TestSamplesAccepted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples found: %v", err)
	}
	kinds := map[string]int{}
	for _, file := range files {
		for _, obj := range readObjects(t, file) {
			if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
				t.Errorf("%s: %s %s was refused: %v", filepath.Base(file), obj.GetKind(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	want := map[string]int{
		"Organization": 1, "DataPlane": 3, "BuildPlane": 1, "ObservabilityPlane": 1,
		"Environment": 3, "DeploymentPipeline": 1, "Project": 1, "Component": 4,
	}
	for kind, n := range want {
		if kinds[kind] != n {
			t.Errorf("the samples have %d %s objects, want %d", kinds[kind], kind, n)
		}
	}
}

func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decodeAll(t, data)
}

func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("decoding: %v", err)
		}
		if len(obj.Object) > 0 {
			out = append(out, obj)
		}
	}
}
