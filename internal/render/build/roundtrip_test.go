package build

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/crdtest"
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
	ctx := context.Background()
	c := crdtest.Start(t, filepath.Join(crdtest.SharedCRDs("argo-workflows", 3), "argoproj.io_workflows.yaml"))
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
		if diff := crdtest.Compare(sent.Object, back.Object, ""); diff != "" {
			t.Errorf("%s: the round trip lost what was sent: %s", name, diff)
		}

		// Argo's controller reports the build the way Read expects it.
		w.Status = WorkflowStatus{
			Phase: PhaseSucceeded, StartedAt: at(0), FinishedAt: at(40), Message: "",
			Nodes: nodes(node(StepClone, PhaseSucceeded, "", 5), node(StepBuild, PhaseSucceeded, "", 30),
				node(StepPush, PhaseSucceeded, "", 40, digestOutput(digest))),
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
		if diff := crdtest.Compare(status, backStatus, "status"); diff != "" {
			t.Errorf("%s: the round trip lost what was sent: %s", name, diff)
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
