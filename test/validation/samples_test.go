package validation

import (
	"context"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/fleet"
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

// TestBuildAndTypeSamplesAccepted creates the sample of a component built
// from source, kept apart from config/samples because it needs a build
// plane running Argo Workflows to become Ready, and the sample
// ComponentType and Trait.
func TestBuildAndTypeSamplesAccepted(t *testing.T) {
	var files []string
	for _, dir := range []string{"build", "types"} {
		found, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", dir, "*.yaml"))
		if err != nil || len(found) == 0 {
			t.Fatalf("no %s samples found: %v", dir, err)
		}
		files = append(files, found...)
	}
	for _, file := range files {
		for _, obj := range readObjects(t, file) {
			if err := k8s.Create(context.Background(), obj, client.FieldValidation("Strict")); err != nil {
				t.Errorf("%s: %s %s was refused: %v", filepath.Base(file), obj.GetKind(), obj.GetName(), err)
			}
		}
	}
}

func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := fleet.ReadManifests(path)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
