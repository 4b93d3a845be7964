package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeliveryMode is how a data plane receives its workloads.
// +kubebuilder:validation:Enum=Direct;GitOps
type DeliveryMode string

const (
	// DeliveryDirect: the hub server-side applies rendered manifests to the
	// plane and reads their health back.
	DeliveryDirect DeliveryMode = "Direct"
	// DeliveryGitOps: the hub commits rendered manifests to Git and renders
	// Argo CD ApplicationSets that sync them into the plane.
	DeliveryGitOps DeliveryMode = "GitOps"
)

// GatewaySpec is the Gateway API gateway of a data plane, through which
// endpoints leave their cell.
type GatewaySpec struct {
	// publicHost is the DNS suffix of Public endpoints on this plane. A
	// Public endpoint is served at <component>-<environment>.<publicHost>.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	PublicHost string `json:"publicHost,omitempty"`

	// organizationHost is the DNS suffix under which Organization endpoints
	// are reachable from the organization's other cells and planes.
	// +optional
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	OrganizationHost string `json:"organizationHost,omitempty"`

	// name of the Gateway object on the plane that HTTPRoutes attach to.
	// +optional
	// +kubebuilder:default=aileron-gateway
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`

	// namespace of the Gateway object on the plane.
	// +optional
	// +kubebuilder:default=aileron-gateway
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`
}

// SecretStoreReference names a ClusterSecretStore on a data plane.
type SecretStoreReference struct {
	// name of the ClusterSecretStore.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name"`
}

// DataPlaneSpec describes a cluster that runs workloads.
type DataPlaneSpec struct {
	PlaneConnection `json:",inline"`

	// delivery is how workloads reach this plane: Direct (server-side apply
	// from the hub) or GitOps (Git commits synced by Argo CD).
	// +optional
	// +kubebuilder:default=Direct
	Delivery DeliveryMode `json:"delivery,omitempty"`

	// gateway through which the plane's endpoints are exposed.
	// +optional
	Gateway GatewaySpec `json:"gateway,omitempty"`

	// observabilityPlaneRef names the ObservabilityPlane this plane's log
	// and metric agents ship to.
	// +optional
	ObservabilityPlaneRef *LocalObjectReference `json:"observabilityPlaneRef,omitempty"`

	// secretStoreRef names the External Secrets Operator ClusterSecretStore
	// the plane offers its cells: components' secretRefs are read from it
	// into ExternalSecrets in their cells. Without it, a component that
	// uses a secretRef cannot run on the plane.
	// +optional
	SecretStoreRef *SecretStoreReference `json:"secretStoreRef,omitempty"`

	// organizations granted this plane: only their environments may run on
	// it. Empty grants it to every organization.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=30
	Organizations []string `json:"organizations,omitempty"`
}

// Grants tells whether the plane may run organization's workloads.
func (dp *DataPlane) Grants(organization string) bool {
	return grants(dp.Spec.Organizations, organization)
}

// grants is the rule of a plane's spec.organizations: empty grants every
// organization, otherwise those it names.
func grants(organizations []string, organization string) bool {
	if len(organizations) == 0 {
		return true
	}
	for _, o := range organizations {
		if o == organization {
			return true
		}
	}
	return false
}

// DataPlaneStatus is the observed state of a DataPlane.
type DataPlaneStatus struct {
	PlaneStatus `json:",inline"`
}

// DataPlane is a Kubernetes cluster that runs the platform's workloads.
// Its labels (for example topology.kubernetes.io/region) are what
// Environments select planes by.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=dp,categories=aileron
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.metadata.labels.topology\.kubernetes\.io/region`
// +kubebuilder:printcolumn:name="Delivery",type=string,JSONPath=`.spec.delivery`
// +kubebuilder:printcolumn:name="Reachable",type=string,JSONPath=`.status.conditions[?(@.type=="Reachable")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Nodes",type=integer,JSONPath=`.status.nodeCount`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40 && !self.metadata.name.contains('--')",message="data plane names must be lowercase DNS labels of at most 40 characters without \"--\": they are part of the names of Argo CD Applications and Sveltos clusters, joined with \"--\""
type DataPlane struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the data plane.
	// +required
	Spec DataPlaneSpec `json:"spec"`

	// status is the observed state of the data plane.
	// +optional
	Status DataPlaneStatus `json:"status,omitempty"`
}

// DataPlaneList is a list of DataPlanes.
//
// +kubebuilder:object:root=true
type DataPlaneList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DataPlane `json:"items"`
}

func init() {
	register(&DataPlane{}, &DataPlaneList{})
}
