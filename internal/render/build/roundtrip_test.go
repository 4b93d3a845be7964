package build

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// TestRoundTripThroughUpstreamCRD creates every golden workflow in an API
// server serving Argo Workflows' real Workflow CRD
// (../shared/crds/argo-workflows) and reads it back: every field sent must
// come back unchanged, so a field the schema does not know (pruned) or
// rewrites fails the test. The status Aileron reads is written the way
// Argo's controller writes it (the CRD has no status subresource) and must
// survive too, and still read as the build's outcome.
func TestRoundTripThroughUpstreamCRD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	shared := os.Getenv("AILERON_SHARED_DIR")
	if shared == "" {
		shared = filepath.Join("..", "..", "..", "..", "shared")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(shared, "crds", "argo-workflows", "argoproj.io_workflows.yaml")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop() //nolint:errcheck // best effort
	ctx := context.Background()
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(inputs()))
	for name := range inputs() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		in := inputs()[name]
		w, err := Render(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: w.Metadata.Namespace}}); client.IgnoreAlreadyExists(err) != nil {
			t.Fatal(err)
		}
		sent, err := w.Unstructured()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, sent.DeepCopy(), client.FieldValidation("Strict")); err != nil {
			t.Errorf("%s refused by the upstream schema: %v", name, err)
			continue
		}
		back := get(ctx, t, c, sent)
		for _, diff := range lost(sent.Object, back.Object, "") {
			t.Errorf("%s: %s", name, diff)
		}

		// Argo's controller reports the build the way Read expects it.
		w.Status = WorkflowStatus{
			Phase: PhaseSucceeded, StartedAt: at(0), FinishedAt: at(40), Message: "",
			Nodes:   nodes(node(StepClone, PhaseSucceeded, "", 5), node(StepBuild, PhaseSucceeded, "", 40, digestOutput(digest))),
			Outputs: &Outputs{Parameters: []Parameter{{Name: DigestParameter, Value: digest}}},
		}
		withStatus, err := w.Unstructured()
		if err != nil {
			t.Fatal(err)
		}
		withStatus.SetResourceVersion(back.GetResourceVersion())
		if err := c.Update(ctx, withStatus.DeepCopy(), client.FieldValidation("Strict")); err != nil {
			t.Errorf("%s: status refused by the upstream schema: %v", name, err)
			continue
		}
		back = get(ctx, t, c, sent)
		status, _, _ := unstructured.NestedMap(withStatus.Object, "status")
		backStatus, _, _ := unstructured.NestedMap(back.Object, "status")
		for _, diff := range lost(status, backStatus, "status") {
			t.Errorf("%s: %s", name, diff)
		}
		read, err := FromUnstructured(back)
		if err != nil {
			t.Fatal(err)
		}
		if got := Read(read.Status); got.Phase != platformv1alpha1.BuildRunSucceeded || got.Digest != digest {
			t.Errorf("%s: the status read back means %+v", name, got)
		}
		if got := read.Metadata.Annotations[AnnotationImageRepository]; got != w.Metadata.Annotations[AnnotationImageRepository] {
			t.Errorf("%s: image repository read back as %q", name, got)
		}
	}
}

func get(ctx context.Context, t *testing.T, c client.Client, sent *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	back := &unstructured.Unstructured{}
	back.SetGroupVersionKind(WorkflowGVK)
	if err := c.Get(ctx, client.ObjectKeyFromObject(sent), back); err != nil {
		t.Fatal(err)
	}
	return back
}

// lost lists every field of sent that back lacks or holds differently, by
// path. Fields only back has (uid, defaults) are not its business.
func lost(sent, back any, path string) []string {
	switch s := sent.(type) {
	case map[string]any:
		b, ok := back.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: sent an object, got %v", path, back)}
		}
		var out []string
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			bv, present := b[k]
			if !present {
				out = append(out, fmt.Sprintf("%s.%s was pruned", path, k))
				continue
			}
			out = append(out, lost(s[k], bv, path+"."+k)...)
		}
		return out
	case []any:
		b, ok := back.([]any)
		if !ok || len(b) != len(s) {
			return []string{fmt.Sprintf("%s: sent %d items, got %v", path, len(s), back)}
		}
		var out []string
		for i := range s {
			out = append(out, lost(s[i], b[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if !reflect.DeepEqual(normalize(sent), normalize(back)) {
			return []string{fmt.Sprintf("%s: sent %v, got %v", path, sent, back)}
		}
		return nil
	}
}

// normalize makes JSON numbers comparable (int64 or float64).
func normalize(v any) any {
	data, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}
