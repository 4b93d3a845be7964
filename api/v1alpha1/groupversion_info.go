// Package v1alpha1 holds the Aileron API: the organisation of a platform
// (Organization, Environment, DeploymentPipeline, Project), the clusters it
// runs on (DataPlane, BuildPlane, ObservabilityPlane) and the workloads
// developers deliver through it (Component, Release, ReleaseBinding).
//
// The package depends on apimachinery only, so that clients, the CLI and
// other projects can import the types without pulling in controller-runtime.
//
// +kubebuilder:object:generate=true
// +groupName=platform.aileron.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "platform.aileron.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the kinds of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme

	// objectTypes collects each kind and its list, filled by the init
	// function of the kind's own file.
	objectTypes []runtime.Object
)

func register(objects ...runtime.Object) {
	objectTypes = append(objectTypes, objects...)
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion, objectTypes...)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
