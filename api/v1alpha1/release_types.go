package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReleaseSpec is an immutable snapshot of a Component.
type ReleaseSpec struct {
	// componentRef names the Component the release was made from.
	// +required
	ComponentRef LocalObjectReference `json:"componentRef"`

	// image is the resolved container image: the Component's image, or
	// the digest a build produced.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[!-~]+$`
	Image string `json:"image"`

	// componentSpec is the Component's spec when the release was made.
	// +required
	ComponentSpec ComponentSpec `json:"componentSpec"`

	// componentType is the spec of the component's ComponentType when the
	// release was made: a release renders the same whatever happens to the
	// type afterwards, so a type edit reaches an environment only as a new
	// release, by the pipeline's rules. Absent from releases made before
	// types were kinds, which render with the built-in type of their name.
	// +optional
	ComponentType *ComponentTypeSpec `json:"componentType,omitempty"`

	// traits are the specs of the component's traits when the release was
	// made, by trait name.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Traits []TraitSnapshot `json:"traits,omitempty"`
}

// TraitSnapshot is a trait's spec as a release pinned it.
type TraitSnapshot struct {
	// name of the Trait.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`

	// spec of the Trait when the release was made.
	// +required
	Spec TraitSpec `json:"spec"`
}

// ReleaseStatus is the observed state of a Release.
type ReleaseStatus struct {
	CommonStatus `json:",inline"`
}

// Release is an immutable, content-addressed snapshot of a Component: its
// spec and resolved image. It is named <component>-<hash>, where the hash
// covers the spec and image, so the same content never makes two Releases.
// Aileron creates Releases; ReleaseBindings point at them.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rel,categories=aileron
// +kubebuilder:printcolumn:name="Component",type=string,JSONPath=`.spec.componentRef.name`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Release struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the release's content; it never changes.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a Release is immutable: change the Component to make a new Release"
	Spec ReleaseSpec `json:"spec"`

	// status is the observed state of the release.
	// +optional
	Status ReleaseStatus `json:"status,omitempty"`
}

// ReleaseList is a list of Releases.
//
// +kubebuilder:object:root=true
type ReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Release `json:"items"`
}

func init() {
	register(&Release{}, &ReleaseList{})
}
