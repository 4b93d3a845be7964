package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// BindingState is what a ReleaseBinding asks of its environment.
// +kubebuilder:validation:Enum=Active;Suspended;Undeployed
type BindingState string

const (
	// BindingActive: the release runs in the environment.
	BindingActive BindingState = "Active"
	// BindingSuspended: the objects stay, scaled to zero (CronJobs
	// suspended), ready to resume.
	BindingSuspended BindingState = "Suspended"
	// BindingUndeployed: everything the binding delivered is removed from
	// the planes; the binding stays to be re-activated.
	BindingUndeployed BindingState = "Undeployed"
)

// PlaneHealth is how a release runs on one plane.
// +kubebuilder:validation:Enum=Healthy;Progressing;Degraded;Suspended;Unreachable;Unknown
type PlaneHealth string

const (
	HealthHealthy     PlaneHealth = "Healthy"
	HealthProgressing PlaneHealth = "Progressing"
	HealthDegraded    PlaneHealth = "Degraded"
	HealthSuspended   PlaneHealth = "Suspended"
	HealthUnreachable PlaneHealth = "Unreachable"
	HealthUnknown     PlaneHealth = "Unknown"
)

// ReleaseBindingSpec binds a Component's Release to an Environment.
type ReleaseBindingSpec struct {
	// componentRef names the Component. It cannot change.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="componentRef is immutable"
	ComponentRef LocalObjectReference `json:"componentRef"`

	// environmentRef names the Environment. It cannot change.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="environmentRef is immutable"
	EnvironmentRef LocalObjectReference `json:"environmentRef"`

	// release is the name of the Release to run. Changing it rolls the
	// environment to that release.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Release string `json:"release"`

	// state is Active (run the release), Suspended (keep it, scaled to
	// zero) or Undeployed (remove it from the planes).
	// +optional
	// +kubebuilder:default=Active
	State BindingState `json:"state,omitempty"`

	// overrides are the environment's own configuration of the component:
	// what differs here from what the release says. They stay with the
	// binding when a promotion moves its release, so each environment
	// keeps its values while the code moves. In an environment that
	// requires approval only an organization admin may change them.
	// +optional
	Overrides *BindingOverrides `json:"overrides,omitempty"`
}

// BindingOverrides is an environment's configuration of a component,
// applied over the release's spec when the binding is rendered (release <
// overrides). Lists are merged by their key; everything else replaces the
// release's value whole.
//
// +kubebuilder:validation:XValidation:rule="!has(self.replicas) || !has(self.autoscaling)",message="set replicas or autoscaling, not both",fieldPath=".autoscaling"
type BindingOverrides struct {
	// env adds environment variables, or replaces the release's variable of
	// the same name.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=128
	Env []EnvVar `json:"env,omitempty"`

	// files adds files, or replaces the release's file at the same
	// mountPath.
	// +optional
	// +listType=map
	// +listMapKey=mountPath
	// +kubebuilder:validation:MaxItems=16
	Files []ConfigFile `json:"files,omitempty"`

	// replicas replaces the release's replicas (and its autoscaling).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// autoscaling replaces the release's autoscaling (and its replicas).
	// +optional
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`

	// resources replaces the release's requests and limits, each of cpu
	// and memory on its own: what is not set here stays as released.
	// +optional
	Resources *Resources `json:"resources,omitempty"`

	// parameters replaces top-level parameters of the component's type.
	// Only those the type lists in spec.environmentParameters may be set;
	// the result is checked against the type's schema.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters,omitempty"`

	// traits replaces top-level parameters of trait instances, each only
	// among those its trait lists in spec.environmentParameters.
	// +optional
	// +listType=map
	// +listMapKey=instanceName
	// +kubebuilder:validation:MaxItems=16
	Traits []TraitOverride `json:"traits,omitempty"`
}

// TraitOverride is an environment's parameters for one trait instance of
// the component.
type TraitOverride struct {
	// instanceName of the component's trait instance.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	InstanceName string `json:"instanceName"`

	// parameters replaces top-level parameters of the instance.
	// +required
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters"`
}

// PlaneDeliveryStatus is the delivery of a binding to one plane.
type PlaneDeliveryStatus struct {
	// plane is the DataPlane's name.
	// +required
	Plane string `json:"plane"`

	// release last delivered to the plane.
	// +optional
	Release string `json:"release,omitempty"`

	// health of the release on the plane.
	// +optional
	Health PlaneHealth `json:"health,omitempty"`

	// message explains a health other than Healthy.
	// +optional
	Message string `json:"message,omitempty"`

	// namespace is the cell namespace on the plane.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// urls of the component's Public endpoints on the plane.
	// +optional
	// +listType=atomic
	URLs []string `json:"urls,omitempty"`

	// delivery is how the release reached the plane: Direct or GitOps.
	// +optional
	Delivery DeliveryMode `json:"delivery,omitempty"`

	// revision is the Git commit that holds the release for this plane,
	// when the plane is in GitOps delivery.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Revision string `json:"revision,omitempty"`

	// inventory lists the objects delivered to the plane. What a new render
	// no longer contains is deleted; deleting the binding deletes them all.
	// +optional
	// +listType=atomic
	Inventory []InventoryEntry `json:"inventory,omitempty"`
}

// MaxBindingHistory bounds a binding's history.
const MaxBindingHistory = 10

// AnnotationMovedBy names the user who last moved a binding (changed its
// release or state, or created it). The API server sets it on every move
// and refuses any other name (config/admission/binding_moves.yaml); the
// binding controller records it in the history of moves no Promotion
// recorded.
const AnnotationMovedBy = "platform.aileron.dev/moved-by"

// BindingHistoryEntry records one move of a binding to a release, or one
// change of its overrides.
type BindingHistoryEntry struct {
	// release moved to.
	// +required
	Release string `json:"release"`
	// state the binding was left in: Active when empty.
	// +optional
	State BindingState `json:"state,omitempty"`
	// overrides identifies the overrides the binding was left with (as
	// status.overridesHash does); empty when it had none.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Overrides string `json:"overrides,omitempty"`
	// time of the move.
	// +required
	Time metav1.Time `json:"time"`
	// by is who asked for it: a user name (the requester of a promotion,
	// or whoever edited the binding), or "aileron" for automatic moves.
	// +required
	By string `json:"by"`
	// approvedBy is who approved it, when the environment requires approval.
	// +optional
	ApprovedBy string `json:"approvedBy,omitempty"`
	// via is how: the Promotion's name, "autoDeploy", "firstRelease", or
	// "edit" for a change made to the binding itself.
	// +required
	Via string `json:"via"`
}

// InventoryEntry identifies an object delivered to a plane.
type InventoryEntry struct {
	// apiVersion of the object.
	// +required
	APIVersion string `json:"apiVersion"`
	// kind of the object.
	// +required
	Kind string `json:"kind"`
	// namespace of the object; empty for cluster-scoped objects.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// name of the object.
	// +required
	Name string `json:"name"`
}

// ReleaseBindingStatus is the observed state of a ReleaseBinding.
type ReleaseBindingStatus struct {
	CommonStatus `json:",inline"`

	// release is the release delivered to every plane of the environment.
	// +optional
	Release string `json:"release,omitempty"`

	// overridesHash identifies the spec.overrides delivered with release
	// to every plane (sha256 of their canonical JSON, shortened; empty when
	// the environment overrides nothing): together, what runs.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	OverridesHash string `json:"overridesHash,omitempty"`

	// history lists the releases the binding was moved to, newest first,
	// at most MaxBindingHistory entries.
	// +optional
	// +listType=atomic
	History []BindingHistoryEntry `json:"history,omitempty"`

	// planes report the delivery to each of the environment's planes.
	// +optional
	// +listType=map
	// +listMapKey=plane
	Planes []PlaneDeliveryStatus `json:"planes,omitempty"`
}

// ReleaseBinding says that a Release of a Component runs in an Environment.
// It is the unit of delivery and of status; promotion moves its release.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rb,categories=aileron
// +kubebuilder:printcolumn:name="Component",type=string,JSONPath=`.spec.componentRef.name`
// +kubebuilder:printcolumn:name="Environment",type=string,JSONPath=`.spec.environmentRef.name`
// +kubebuilder:printcolumn:name="Release",type=string,JSONPath=`.spec.release`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.spec.state`
// +kubebuilder:printcolumn:name="Overrides",type=string,JSONPath=`.status.overridesHash`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ReleaseBinding struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the binding.
	// +required
	Spec ReleaseBindingSpec `json:"spec"`

	// status is the observed state of the binding.
	// +optional
	Status ReleaseBindingStatus `json:"status,omitempty"`
}

// ReleaseBindingList is a list of ReleaseBindings.
//
// +kubebuilder:object:root=true
type ReleaseBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReleaseBinding `json:"items"`
}

func init() {
	register(&ReleaseBinding{}, &ReleaseBindingList{})
}
