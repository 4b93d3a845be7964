package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BuildRunPhase is where a build run stands.
// +kubebuilder:validation:Enum=Pending;Running;Succeeded;Failed
type BuildRunPhase string

const (
	// BuildRunPending: the workflow is not on the build plane yet, or the
	// plane has not started it.
	BuildRunPending BuildRunPhase = "Pending"
	// BuildRunRunning: the workflow is running.
	BuildRunRunning BuildRunPhase = "Running"
	// BuildRunSucceeded: the image was pushed; status.image names it by
	// digest.
	BuildRunSucceeded BuildRunPhase = "Succeeded"
	// BuildRunFailed: a step failed; status.failedStep and status.message
	// say which and why.
	BuildRunFailed BuildRunPhase = "Failed"
)

// Finished tells whether a run has ended, successfully or not.
func (p BuildRunPhase) Finished() bool {
	return p == BuildRunSucceeded || p == BuildRunFailed
}

// BuildRunSpec is one build of one commit of a Component's source. Aileron
// creates it when the component's revision resolves to a new commit; it
// never changes afterwards.
type BuildRunSpec struct {
	// componentRef names the Component whose source is built.
	// +required
	ComponentRef LocalObjectReference `json:"componentRef"`

	// buildPlaneRef names the BuildPlane the build runs on.
	// +required
	BuildPlaneRef LocalObjectReference `json:"buildPlaneRef"`

	// commit is the full Git commit built, 40 lowercase hex digits.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{40}$`
	Commit string `json:"commit"`

	// revision is what the component asked for when the commit was
	// resolved: a branch, a tag or the commit itself.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Revision string `json:"revision"`

	// source is the component's build source at the time the run was
	// made.
	// +required
	Source BuildSource `json:"source"`
}

// BuildRunStatus is the observed state of a BuildRun.
type BuildRunStatus struct {
	CommonStatus `json:",inline"`

	// phase: Pending, Running, Succeeded or Failed.
	// +optional
	Phase BuildRunPhase `json:"phase,omitempty"`

	// workflowName is the Argo Workflow running the build, in the build
	// plane's namespace.
	// +optional
	WorkflowName string `json:"workflowName,omitempty"`

	// image is the built image by digest:
	// <registry prefix>/<organization>/<component>@sha256:<digest>.
	// +optional
	Image string `json:"image,omitempty"`

	// digest of the built image, sha256:<64 hex digits>.
	// +optional
	Digest string `json:"digest,omitempty"`

	// failedStep is the workflow step that failed.
	// +optional
	FailedStep string `json:"failedStep,omitempty"`

	// message is the build's last word: why it failed, or what it waits for.
	// +optional
	Message string `json:"message,omitempty"`

	// startedAt is when the build plane started the workflow.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// completedAt is when the workflow finished.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
}

// BuildRun is one build of a Component's source at one commit: Aileron
// runs it as an Argo Workflow on a BuildPlane (clone, then Cloud Native
// Buildpacks or a Dockerfile), and a successful run's image becomes the
// component's next Release. A run is named <component>-<the commit's first
// 10 hex digits>, with a suffix of 5 more hex digits when the component's
// build settings changed since that commit was built. Deleting a run builds
// its commit again while the component still resolves to it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=br,categories=aileron
// +kubebuilder:printcolumn:name="Component",type=string,JSONPath=`.spec.componentRef.name`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.spec.revision`
// +kubebuilder:printcolumn:name="Commit",type=string,JSONPath=`.spec.commit`,priority=1
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.status.image`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type BuildRun struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what is built; it never changes.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a BuildRun is immutable: a new commit or build source makes a new BuildRun"
	Spec BuildRunSpec `json:"spec"`

	// status is the observed state of the build.
	// +optional
	Status BuildRunStatus `json:"status,omitempty"`
}

// BuildRunList is a list of BuildRuns.
//
// +kubebuilder:object:root=true
type BuildRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BuildRun `json:"items"`
}

func init() {
	register(&BuildRun{}, &BuildRunList{})
}
