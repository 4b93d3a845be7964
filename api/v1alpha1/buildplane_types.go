package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageRegistry is where a build plane pushes the images it builds.
type ImageRegistry struct {
	// prefix of every image the plane pushes, as host[:port]/path; the image
	// is <prefix>/<organization>/<component>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$`
	Prefix string `json:"prefix"`

	// pushSecretName names the docker-config Secret, in the build
	// namespace on the build plane, that grants push access.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PushSecretName string `json:"pushSecretName,omitempty"`
}

// BuildPlaneSpec describes a cluster that builds images.
type BuildPlaneSpec struct {
	PlaneConnection `json:",inline"`

	// registry receives the images built on this plane.
	// +required
	Registry ImageRegistry `json:"registry"`

	// namespace on the build plane in which build workflows run.
	// +optional
	// +kubebuilder:default=aileron-builds
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// defaultBuilder is the Cloud Native Buildpacks builder image of
	// components that name none (spec.build.builder). Pin it to a tag or
	// digest your platform has tested.
	// +optional
	// +kubebuilder:default="docker.io/paketobuildpacks/builder-jammy-base:latest"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[!-~]+$`
	DefaultBuilder string `json:"defaultBuilder,omitempty"`

	// serviceAccountName is the service account, in namespace, that build
	// pods run as; the namespace's default when empty. Argo Workflows'
	// executor needs it to be allowed to report step results
	// (workflowtaskresults).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// observabilityPlaneRef names the ObservabilityPlane build logs go to.
	// +optional
	ObservabilityPlaneRef *LocalObjectReference `json:"observabilityPlaneRef,omitempty"`
}

// BuildPlaneStatus is the observed state of a BuildPlane.
type BuildPlaneStatus struct {
	PlaneStatus `json:",inline"`
}

// BuildPlane is a Kubernetes cluster that runs image builds (Argo Workflows
// with Cloud Native Buildpacks) for Components that have a build source.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=bp,categories=aileron
// +kubebuilder:printcolumn:name="Registry",type=string,JSONPath=`.spec.registry.prefix`
// +kubebuilder:printcolumn:name="Reachable",type=string,JSONPath=`.status.conditions[?(@.type=="Reachable")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BuildPlane struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the build plane.
	// +required
	Spec BuildPlaneSpec `json:"spec"`

	// status is the observed state of the build plane.
	// +optional
	Status BuildPlaneStatus `json:"status,omitempty"`
}

// BuildPlaneList is a list of BuildPlanes.
//
// +kubebuilder:object:root=true
type BuildPlaneList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BuildPlane `json:"items"`
}

func init() {
	register(&BuildPlane{}, &BuildPlaneList{})
}
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40 && !self.metadata.name.contains('--')",message="build plane names must be lowercase DNS labels of at most 40 characters without \"--\": they are part of the names of Argo CD Applications and Sveltos clusters, joined with \"--\""
