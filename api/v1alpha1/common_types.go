package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LocalObjectReference names an object of a known kind in the same scope:
// the organization's namespace for namespaced kinds, the cluster for planes.
type LocalObjectReference struct {
	// name of the referenced object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// KubeconfigSecretReference points at the Secret, in the operator's
// namespace, that holds the kubeconfig Aileron uses to reach a plane.
type KubeconfigSecretReference struct {
	// name of the Secret in the operator's namespace. The operator reads
	// Secrets in its own namespace only, so a plane's credentials live there.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key of the Secret's data that holds the kubeconfig.
	// +optional
	// +kubebuilder:default=kubeconfig
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`
}

// PlaneConnection is how the hub reaches a plane. It is shared by every
// plane kind.
type PlaneConnection struct {
	// kubeconfigSecretRef names the Secret holding the plane's kubeconfig.
	// Rotating the Secret's content is picked up without a restart.
	// +required
	KubeconfigSecretRef KubeconfigSecretReference `json:"kubeconfigSecretRef"`
}

// PlaneStatus is what the hub last learned about a plane. It is shared by
// every plane kind.
type PlaneStatus struct {
	// conditions: Ready, Reachable (and AddonsReady where a stack applies).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// kubernetesVersion the plane's API server reported at the last
	// successful probe.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// nodeCount is the number of Nodes the plane had at the last successful
	// probe.
	// +optional
	NodeCount int32 `json:"nodeCount,omitempty"`

	// lastProbeTime is the time of the probe that last changed the plane's
	// status (it became reachable or unreachable, or its version or nodes
	// changed): probes that learn nothing new write nothing.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`

	// consecutiveProbeFailures counts failed probes since the last success,
	// up to the one that made the plane Reachable=False (after three, or at
	// once when the credentials are refused); it stops counting there, so a
	// plane that stays down is not rewritten.
	// +optional
	ConsecutiveProbeFailures int32 `json:"consecutiveProbeFailures,omitempty"`
}

// CommonStatus is the status every organisational kind reports.
type CommonStatus struct {
	// conditions describe the object's state; Ready summarises it.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}
