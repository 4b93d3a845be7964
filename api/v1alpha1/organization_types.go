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

	// resources are the organization's defaults for what its containers
	// request and may use, and the bounds each of its cells is held to.
	// Without it, containers get Aileron's defaults and cells no quota.
	// +optional
	Resources *OrganizationResources `json:"resources,omitempty"`
}

// OrganizationResources are an organization's resource defaults and
// per-cell bounds, rendered into every cell of the organization on every
// plane.
type OrganizationResources struct {
	// defaults are the requests and limits of a container that leaves them
	// unset, in place of Aileron's (requests 100m CPU and 128Mi memory,
	// limits 500m and 256Mi). They are also the cell's LimitRange
	// defaults, for containers a Trait adds without resources.
	// +optional
	Defaults *Resources `json:"defaults,omitempty"`

	// cellQuota is a ResourceQuota (aileron-quota) in every cell: the most
	// all of the cell's pods together may request and be limited to, and
	// how many pods it may run.
	// +optional
	CellQuota *CellQuota `json:"cellQuota,omitempty"`

	// containerLimits is a LimitRange (aileron-limits) in every cell: the
	// least and the most one container may request or be limited to. A
	// component asking for more is refused by the plane, and its binding
	// says so.
	// +optional
	ContainerLimits *ContainerLimits `json:"containerLimits,omitempty"`
}

// CellQuota bounds what one cell (a project in an environment, on one
// plane) runs in total.
//
// +kubebuilder:validation:XValidation:rule="has(self.requests) || has(self.limits) || has(self.pods)",message="a cell quota bounds requests, limits or pods: set at least one"
type CellQuota struct {
	// requests bounds the sum of the cell's pods' requests.
	// +optional
	Requests *ResourceList `json:"requests,omitempty"`

	// limits bounds the sum of the cell's pods' limits.
	// +optional
	Limits *ResourceList `json:"limits,omitempty"`

	// pods bounds the number of pods in the cell.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	Pods *int32 `json:"pods,omitempty"`
}

// ContainerLimits bounds one container of a cell.
//
// +kubebuilder:validation:XValidation:rule="has(self.min) || has(self.max)",message="container limits set a min, a max or both"
// +kubebuilder:validation:XValidation:rule="!has(self.min) || !has(self.max) || !has(self.min.cpu) || !has(self.max.cpu) || quantity(string(self.min.cpu)).compareTo(quantity(string(self.max.cpu))) <= 0",message="min.cpu must not exceed max.cpu",fieldPath=".min.cpu"
// +kubebuilder:validation:XValidation:rule="!has(self.min) || !has(self.max) || !has(self.min.memory) || !has(self.max.memory) || quantity(string(self.min.memory)).compareTo(quantity(string(self.max.memory))) <= 0",message="min.memory must not exceed max.memory",fieldPath=".min.memory"
type ContainerLimits struct {
	// min is the least a container may request.
	// +optional
	Min *ResourceList `json:"min,omitempty"`

	// max is the most a container may be limited to.
	// +optional
	Max *ResourceList `json:"max,omitempty"`
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
