package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TargetEnvironment is an environment a release may be promoted into.
type TargetEnvironment struct {
	// name of the target Environment.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`

	// requiresApproval holds promotions into this environment until an
	// organization admin approves them.
	// +optional
	RequiresApproval bool `json:"requiresApproval,omitempty"`
}

// PromotionPath is an allowed move from one environment to others.
//
// +kubebuilder:validation:XValidation:rule="self.targetEnvironmentRefs.all(t, t.name != self.sourceEnvironmentRef)",message="a promotion path cannot target its own source environment"
type PromotionPath struct {
	// sourceEnvironmentRef names the Environment releases are promoted from.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	SourceEnvironmentRef string `json:"sourceEnvironmentRef"`

	// targetEnvironmentRefs are the environments releases may move to from
	// the source.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	TargetEnvironmentRefs []TargetEnvironment `json:"targetEnvironmentRefs"`
}

// DeploymentPipelineSpec describes how releases move between environments.
type DeploymentPipelineSpec struct {
	// promotionPaths list the allowed promotions, one entry per source
	// environment. The environment that is no path's target is where new
	// releases land first. The paths must form a DAG.
	// +required
	// +listType=map
	// +listMapKey=sourceEnvironmentRef
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	PromotionPaths []PromotionPath `json:"promotionPaths"`
}

// DeploymentPipelineStatus is the observed state of a DeploymentPipeline.
type DeploymentPipelineStatus struct {
	CommonStatus `json:",inline"`

	// initialEnvironment is the environment new releases are bound to
	// first: the one no promotion path targets.
	// +optional
	InitialEnvironment string `json:"initialEnvironment,omitempty"`
}

// DeploymentPipeline is the set of promotion paths a project's releases
// follow from environment to environment, with approvals where required.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=pipeline,categories=aileron
// +kubebuilder:printcolumn:name="Initial",type=string,JSONPath=`.status.initialEnvironment`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type DeploymentPipeline struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the pipeline.
	// +required
	Spec DeploymentPipelineSpec `json:"spec"`

	// status is the observed state of the pipeline.
	// +optional
	Status DeploymentPipelineStatus `json:"status,omitempty"`
}

// DeploymentPipelineList is a list of DeploymentPipelines.
//
// +kubebuilder:object:root=true
type DeploymentPipelineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DeploymentPipeline `json:"items"`
}

func init() {
	register(&DeploymentPipeline{}, &DeploymentPipelineList{})
}
