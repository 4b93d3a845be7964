package render

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// TestFenceHoldsCellsOnly: the fence's namespaces are the cells, not the
// other namespaces Aileron manages. On a hub that is also a data plane, an
// organization's namespace holds bindings the manager labels after users
// created them, which a fence there would refuse.
func TestFenceHoldsCellsOnly(t *testing.T) {
	objs, err := Fence()
	if err != nil {
		t.Fatal(err)
	}
	var policy admissionregistrationv1.ValidatingAdmissionPolicy
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, &policy); err != nil {
		t.Fatal(err)
	}
	selector, err := metav1.LabelSelectorAsSelector(policy.Spec.MatchConstraints.NamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		fenced bool
	}{
		{"a cell", map[string]string{
			platformv1alpha1.LabelOrganization: "acme", platformv1alpha1.LabelProject: "shop",
			platformv1alpha1.LabelEnvironment: "production", platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}, true},
		{"an organization's namespace on the hub", map[string]string{
			platformv1alpha1.LabelOrganization: "acme", platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}, false},
		{"a namespace labelled like a cell that Aileron does not manage", map[string]string{
			platformv1alpha1.LabelOrganization: "acme", platformv1alpha1.LabelProject: "shop", platformv1alpha1.LabelEnvironment: "production"}, false},
	} {
		if got := selector.Matches(labels.Set(tc.labels)); got != tc.fenced {
			t.Errorf("%s: fenced %v, want %v", tc.name, got, tc.fenced)
		}
	}
}
