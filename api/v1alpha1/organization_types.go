package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OrganizationSpec describes a tenant of the platform.
type OrganizationSpec struct {
	// displayName is a human-readable name shown by the CLI and dashboard.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	DisplayName string `json:"displayName,omitempty"`

	// adminGroups are the identity groups bound to the aileron-org-admin
	// role in the organization's namespace: they manage environments,
	// pipelines and approvals.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	AdminGroups []string `json:"adminGroups,omitempty"`

	// developerGroups are bound to the aileron-developer role: they manage
	// projects and components.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	DeveloperGroups []string `json:"developerGroups,omitempty"`

	// viewerGroups are bound to the aileron-viewer role: read-only access.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	ViewerGroups []string `json:"viewerGroups,omitempty"`

	// gitOps is where the organization's GitOps-mode planes get their
	// manifests. Without it, the manager's platform-wide default
	// (--gitops-repository-url) is used.
	// +optional
	GitOps *GitOpsSpec `json:"gitOps,omitempty"`
}

// GitOpsSpec configures GitOps delivery for an organization.
type GitOpsSpec struct {
	// repository receives one directory per cell and plane.
	// +required
	Repository GitRepository `json:"repository"`
}

// GitRepository is a Git repository Aileron commits rendered manifests to.
type GitRepository struct {
	// url of the repository: https://, http://, ssh:// or file://.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^(https?|ssh|file)://[^\s]+$`
	URL string `json:"url"`

	// branch commits go to.
	// +optional
	// +kubebuilder:default=main
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][-A-Za-z0-9._/]*$`
	Branch string `json:"branch,omitempty"`

	// path is a directory of the repository under which the organization's
	// cells are written; empty for the repository's root.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][-A-Za-z0-9._]*(/[A-Za-z0-9][-A-Za-z0-9._]*)*$`
	Path string `json:"path,omitempty"`

	// secretRef names a Secret in the operator's namespace with the
	// repository's credentials: "username" and "password" (an HTTPS token),
	// or "sshPrivateKey" and "sshKnownHosts". None for a public or local
	// repository.
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`
}

// OrganizationStatus is the observed state of an Organization.
type OrganizationStatus struct {
	CommonStatus `json:",inline"`

	// namespace is the hub namespace that holds the organization's objects.
	// It has the organization's name.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// Organization is a tenant. It gets a hub namespace of the same name, in
// which its environments, pipelines, projects and components live, and the
// role bindings that fence it from other tenants.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=org,categories=aileron
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Namespace",type=string,JSONPath=`.status.namespace`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 30",message="organization names must be lowercase DNS labels of at most 30 characters starting with a letter: they name a namespace and prefix the organization's cell namespaces"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.contains('--')",message="organization names may not contain \"--\": Aileron joins names with it into the names of cells, hosts and bindings (<organization>--<project>--<environment>), which must never coincide"
type Organization struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the organization.
	// +optional
	Spec OrganizationSpec `json:"spec,omitempty"`

	// status is the observed state of the organization.
	// +optional
	Status OrganizationStatus `json:"status,omitempty"`
}

// OrganizationList is a list of Organizations.
//
// +kubebuilder:object:root=true
type OrganizationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Organization `json:"items"`
}

func init() {
	register(&Organization{}, &OrganizationList{})
}
