package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApprovalDecision is an approver's answer to a promotion.
// +kubebuilder:validation:Enum=Approved;Rejected
type ApprovalDecision string

const (
	Approved ApprovalDecision = "Approved"
	Rejected ApprovalDecision = "Rejected"
)

// PromotionPhase is where a promotion stands.
// +kubebuilder:validation:Enum=Pending;AwaitingApproval;Succeeded;Rejected;Failed
type PromotionPhase string

const (
	PromotionPending          PromotionPhase = "Pending"
	PromotionAwaitingApproval PromotionPhase = "AwaitingApproval"
	PromotionSucceeded        PromotionPhase = "Succeeded"
	PromotionRejected         PromotionPhase = "Rejected"
	PromotionFailed           PromotionPhase = "Failed"
)

// VerbApprove is the RBAC verb, on the resource promotions, that allows a
// user to approve or reject promotions in an organization's namespace.
const VerbApprove = "approve"

// Approval is an approver's decision. The admission policy in
// config/admission admits it only when `by` is the user making the request,
// that user may `approve` promotions in the namespace, and is not the
// requester; once given, it cannot change.
type Approval struct {
	// decision: Approved or Rejected.
	// +required
	Decision ApprovalDecision `json:"decision"`

	// by is the approver's user name, checked against the request's
	// authenticated user.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	By string `json:"by"`

	// comment explains the decision.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Comment string `json:"comment,omitempty"`
}

// PromotionSpec asks to move a component's release into an environment:
// from a source environment along the pipeline, or back to an earlier
// release of the target's history (a rollback).
//
// +kubebuilder:validation:XValidation:rule="has(self.sourceEnvironmentRef) || has(self.release)",message="set sourceEnvironmentRef to promote the release running there, or release to roll back to one of the target's earlier releases"
// +kubebuilder:validation:XValidation:rule="!has(self.sourceEnvironmentRef) || self.sourceEnvironmentRef.name != self.targetEnvironmentRef.name",message="the source and target environments must differ"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.approval) || (has(self.approval) && self.approval == oldSelf.approval)",message="an approval cannot be changed or withdrawn once given"
type PromotionSpec struct {
	// componentRef names the Component whose release moves.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="componentRef is immutable"
	ComponentRef LocalObjectReference `json:"componentRef"`

	// sourceEnvironmentRef names the environment whose running release is
	// promoted. Omit it for a rollback.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="sourceEnvironmentRef is immutable"
	SourceEnvironmentRef *LocalObjectReference `json:"sourceEnvironmentRef,omitempty"`

	// targetEnvironmentRef names the environment the release moves into.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="targetEnvironmentRef is immutable"
	TargetEnvironmentRef LocalObjectReference `json:"targetEnvironmentRef"`

	// release pins the release: with a source, it must be the one running
	// there; without, it is the earlier release of the target to return to.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="release is immutable"
	Release string `json:"release,omitempty"`

	// requestedBy is the requester's user name, checked against the
	// request's authenticated user when the promotion is created.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="requestedBy is immutable"
	RequestedBy string `json:"requestedBy"`

	// approval is the decision of an approver, for targets that require one.
	// +optional
	Approval *Approval `json:"approval,omitempty"`
}

// PromotionStatus is the outcome of a promotion.
type PromotionStatus struct {
	CommonStatus `json:",inline"`

	// phase: Pending, AwaitingApproval, Succeeded, Rejected or Failed.
	// +optional
	Phase PromotionPhase `json:"phase,omitempty"`

	// release that moves (or moved) into the target.
	// +optional
	Release string `json:"release,omitempty"`

	// requiresApproval tells whether the target requires an approval.
	// +optional
	RequiresApproval bool `json:"requiresApproval,omitempty"`

	// completionTime is when the promotion succeeded, failed or was
	// rejected.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
}

// Promotion is a request to move a Component's Release into an
// Environment. It is accepted only along a path of the component's
// DeploymentPipeline and only for a release running Ready in the source
// (or, for a rollback, one the target ran before); targets that require
// approval wait for one. The ReleaseBinding records every move in its
// history.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=promo,categories=aileron
// +kubebuilder:printcolumn:name="Component",type=string,JSONPath=`.spec.componentRef.name`
// +kubebuilder:printcolumn:name="From",type=string,JSONPath=`.spec.sourceEnvironmentRef.name`
// +kubebuilder:printcolumn:name="To",type=string,JSONPath=`.spec.targetEnvironmentRef.name`
// +kubebuilder:printcolumn:name="Release",type=string,JSONPath=`.status.release`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Requested By",type=string,JSONPath=`.spec.requestedBy`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Promotion struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the request.
	// +required
	Spec PromotionSpec `json:"spec"`

	// status is its outcome.
	// +optional
	Status PromotionStatus `json:"status,omitempty"`
}

// PromotionList is a list of Promotions.
//
// +kubebuilder:object:root=true
type PromotionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Promotion `json:"items"`
}

func init() {
	register(&Promotion{}, &PromotionList{})
}
