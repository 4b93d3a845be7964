// Package fakehub builds controller-runtime's fake client over a scheme
// with Kubernetes' and Aileron's kinds, for the pure unit tests of a
// controller's logic. Tests of behaviour against the API server use a real
// one (test/testbed).
package fakehub

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Scheme holds Kubernetes' built-in kinds and Aileron's.
func Scheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, platformv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return scheme
}

// Builder is a fake client builder over Scheme, holding objs.
func Builder(t testing.TB, objs ...client.Object) *fake.ClientBuilder {
	t.Helper()
	return fake.NewClientBuilder().WithScheme(Scheme(t)).WithObjects(objs...)
}

// Client is a fake client over Scheme, holding objs.
func Client(t testing.TB, objs ...client.Object) client.WithWatch {
	t.Helper()
	return Builder(t, objs...).Build()
}
