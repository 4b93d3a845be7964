package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProjectSpec describes a group of components delivered together.
type ProjectSpec struct {
	// displayName is a human-readable name shown by the CLI and dashboard.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	DisplayName string `json:"displayName,omitempty"`

	// deploymentPipelineRef names the DeploymentPipeline, in the same
	// organization, that the project's releases follow.
	// +required
	DeploymentPipelineRef LocalObjectReference `json:"deploymentPipelineRef"`
}

// ProjectStatus is the observed state of a Project.
type ProjectStatus struct {
	CommonStatus `json:",inline"`
}

// Project groups components that share a pipeline. In each environment the
// project gets one cell: a namespace on each of the environment's planes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=proj,categories=aileron
// +kubebuilder:printcolumn:name="Pipeline",type=string,JSONPath=`.spec.deploymentPipelineRef.name`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 30",message="project names must be lowercase DNS labels of at most 30 characters starting with a letter: they are part of cell namespace names"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.contains('--')",message="project names may not contain \"--\": Aileron joins names with it into the names of cells, hosts and bindings (<organization>--<project>--<environment>), which must never coincide"
type Project struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the project.
	// +required
	Spec ProjectSpec `json:"spec"`

	// status is the observed state of the project.
	// +optional
	Status ProjectStatus `json:"status,omitempty"`
}

// ProjectList is a list of Projects.
//
// +kubebuilder:object:root=true
type ProjectList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Project `json:"items"`
}

func init() {
	register(&Project{}, &ProjectList{})
}
