package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EnvironmentSpec describes a stage of delivery (development, staging,
// production…) and the data planes it runs on.
//
// +kubebuilder:validation:XValidation:rule="has(self.dataPlaneRef) != has(self.dataPlaneSelector)",message="set exactly one of dataPlaneRef (one plane) or dataPlaneSelector (planes by label)"
type EnvironmentSpec struct {
	// displayName is a human-readable name shown by the CLI and dashboard.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	DisplayName string `json:"displayName,omitempty"`

	// dataPlaneRef names the one DataPlane this environment runs on.
	// +optional
	DataPlaneRef *LocalObjectReference `json:"dataPlaneRef,omitempty"`

	// dataPlaneSelector selects the DataPlanes this environment runs on by
	// their labels; every matching plane gets a cell. The set follows the
	// planes' labels as they change.
	// +optional
	DataPlaneSelector *metav1.LabelSelector `json:"dataPlaneSelector,omitempty"`

	// isProduction marks environments that hold production traffic; the
	// CLI and dashboard flag them.
	// +optional
	IsProduction bool `json:"isProduction,omitempty"`
}

// EnvironmentStatus is the observed state of an Environment.
type EnvironmentStatus struct {
	CommonStatus `json:",inline"`

	// dataPlanes are the names of the DataPlanes the environment resolved
	// to, sorted.
	// +optional
	// +listType=set
	DataPlanes []string `json:"dataPlanes,omitempty"`
}

// Environment is a stage of delivery within an organization, bound to one
// data plane or to a label-selected herd of them.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=env,categories=aileron
// +kubebuilder:printcolumn:name="Production",type=boolean,JSONPath=`.spec.isProduction`
// +kubebuilder:printcolumn:name="Planes",type=string,JSONPath=`.status.dataPlanes`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 20",message="environment names must be lowercase DNS labels of at most 20 characters starting with a letter: they are part of cell namespace names and hosts"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.contains('--')",message="environment names may not contain \"--\": Aileron joins names with it into the names of cells, hosts and bindings (<organization>--<project>--<environment>), which must never coincide"
type Environment struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the environment.
	// +required
	Spec EnvironmentSpec `json:"spec"`

	// status is the observed state of the environment.
	// +optional
	Status EnvironmentStatus `json:"status,omitempty"`
}

// EnvironmentList is a list of Environments.
//
// +kubebuilder:object:root=true
type EnvironmentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Environment `json:"items"`
}

func init() {
	register(&Environment{}, &EnvironmentList{})
}
