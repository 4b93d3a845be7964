package validation

import (
	"context"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
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

// TestOverridesSampleApplies applies the sample overrides the way its
// comment says, server-side over the binding Aileron made, and reads back
// exactly what it set beside the binding's own fields.
func TestOverridesSampleApplies(t *testing.T) {
	ctx := context.Background()
	made := &platformv1alpha1.ReleaseBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "api--production"},
		Spec: platformv1alpha1.ReleaseBindingSpec{
			ComponentRef:   platformv1alpha1.LocalObjectReference{Name: "api"},
			EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: "production"},
			Release:        "api-0123456789",
		},
	}
	if err := k8s.Create(ctx, made); err != nil {
		t.Fatal(err)
	}
	objs := readObjects(t, filepath.Join("..", "..", "config", "samples", "overrides", "api--production.yaml"))
	if len(objs) != 1 {
		t.Fatalf("the sample holds %d objects, want 1", len(objs))
	}
	// Server-side apply refuses a field the schema does not declare.
	if err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(objs[0]), client.FieldOwner("kubectl"), client.ForceOwnership); err != nil {
		t.Fatalf("the sample overrides were refused: %v", err)
	}
	got := &platformv1alpha1.ReleaseBinding{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(made), got); err != nil {
		t.Fatal(err)
	}
	o := got.Spec.Overrides
	if got.Spec.Release != "api-0123456789" || o == nil || o.Replicas == nil || *o.Replicas != 4 || len(o.Env) != 2 ||
		o.Env[0].Name != "DATABASE_URL" || o.Resources == nil || o.Resources.Limits.Memory.String() != "1Gi" {
		t.Errorf("after the apply: release %s, overrides %+v", got.Spec.Release, o)
	}
}
