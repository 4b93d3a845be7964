package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SecretReferenceSpec names the keys of secrets kept in an external store
// (Vault, a cloud secret manager…) that the organization's components may
// use. Nothing secret is on the hub: on each plane, the External Secrets
// Operator reads the store the DataPlane offers (spec.secretStoreRef) and
// writes a Secret into the cell of the component that uses the keys.
type SecretReferenceSpec struct {
	// data are the keys components refer to, with where each is read from.
	// +required
	// +listType=map
	// +listMapKey=key
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	Data []SecretReferenceKey `json:"data"`

	// refreshInterval is how often each plane reads the store again (a
	// rotated secret reaches the cell's Secret within it; pods read it at
	// their next start). Default 1h.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`
}

// SecretReferenceKey is one key of a SecretReference.
type SecretReferenceKey struct {
	// key is the name components use in secretRef.key, and the key of the
	// Secret in the cell.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`

	// remoteKey is the key of the secret in the store.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	RemoteKey string `json:"remoteKey"`

	// property is the field of the remote secret's value to take (a JSON
	// key, for stores that keep objects); empty takes the whole value.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Property string `json:"property,omitempty"`

	// environments read the key elsewhere in some environments (production
	// from its own path, say). Others read remoteKey.
	// +optional
	// +listType=map
	// +listMapKey=environment
	// +kubebuilder:validation:MaxItems=32
	Environments []EnvironmentRemoteKey `json:"environments,omitempty"`
}

// EnvironmentRemoteKey is where one environment reads a key.
type EnvironmentRemoteKey struct {
	// environment is the Environment's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Environment string `json:"environment"`

	// remoteKey is the key of the secret in the store for this environment.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	RemoteKey string `json:"remoteKey"`

	// property, when set, replaces the key's property in this environment.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Property *string `json:"property,omitempty"`
}

// Remote is where key is read from in environment: its remote key and
// property.
func (k SecretReferenceKey) Remote(environment string) (remoteKey, property string) {
	for _, e := range k.Environments {
		if e.Environment == environment {
			if e.Property != nil {
				return e.RemoteKey, *e.Property
			}
			return e.RemoteKey, k.Property
		}
	}
	return k.RemoteKey, k.Property
}

// SecretReferenceStatus is the observed state of a SecretReference.
type SecretReferenceStatus struct {
	CommonStatus `json:",inline"`
}

// SecretReference names keys of an external secret store for the
// organization's components (env[].secretRef and files[].secretRef). It
// lives in the organization's namespace; only organization admins write
// it, developers read it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=secref,categories=aileron
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40 && !self.metadata.name.contains('--')",message="secret reference names must be lowercase DNS labels of at most 40 characters starting with a letter, without \"--\": Aileron joins a component's and a secret reference's names with \"--\" into the name of the ExternalSecret and Secret in the cell"
type SecretReference struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the secret reference.
	// +required
	Spec SecretReferenceSpec `json:"spec"`

	// status is the observed state of the secret reference.
	// +optional
	Status SecretReferenceStatus `json:"status,omitempty"`
}

// SecretReferenceList is a list of SecretReferences.
//
// +kubebuilder:object:root=true
type SecretReferenceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SecretReference `json:"items"`
}

func init() {
	register(&SecretReference{}, &SecretReferenceList{})
}
