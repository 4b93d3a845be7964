package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StackDelivery is how a stack reaches its planes.
// +kubebuilder:validation:Enum=Sveltos;ArgoCD
type StackDelivery string

const (
	// StackDeliverySveltos renders each item as a Sveltos ClusterProfile
	// selecting the planes' SveltosClusters by label.
	StackDeliverySveltos StackDelivery = "Sveltos"
	// StackDeliveryArgoCD renders the stack as Argo CD ApplicationSets whose
	// cluster generators select the planes' Argo CD cluster Secrets by label.
	StackDeliveryArgoCD StackDelivery = "ArgoCD"
)

// StackMode is where a stack's items are driven from.
// +kubebuilder:validation:Enum=Agentless;AgentBased;Mixed
type StackMode string

const (
	// StackModeAgentless pushes every item from the hub: with Argo CD, one
	// Application per plane bundles the whole stack.
	StackModeAgentless StackMode = "Agentless"
	// StackModeAgentBased runs three agents on each plane, each its own
	// Argo CD Application: the gateway, the Sveltos agent (which then pulls
	// every other item, rendered as ClusterProfiles) and the observability
	// agents.
	StackModeAgentBased StackMode = "AgentBased"
	// StackModeMixed pushes everything but the observability agents from
	// the hub as one Application, and the agents as a second one.
	StackModeMixed StackMode = "Mixed"
)

// StackSyncMode is Sveltos' syncMode for the stack's ClusterProfiles.
// +kubebuilder:validation:Enum=OneTime;Continuous;ContinuousWithDriftDetection;DryRun
type StackSyncMode string

const (
	SyncModeOneTime                      StackSyncMode = "OneTime"
	SyncModeContinuous                   StackSyncMode = "Continuous"
	SyncModeContinuousWithDriftDetection StackSyncMode = "ContinuousWithDriftDetection"
	SyncModeDryRun                       StackSyncMode = "DryRun"
)

// StackItemRole says what an item is for: it decides which Argo CD
// Application carries the item in the agent-based and mixed modes.
// +kubebuilder:validation:Enum=Secrets;Policy;Gateway;MetricsAgent;LogAgent;SveltosAgent;Build;LogStore;MetricsStore;Other
type StackItemRole string

const (
	RoleSecrets      StackItemRole = "Secrets"
	RolePolicy       StackItemRole = "Policy"
	RoleGateway      StackItemRole = "Gateway"
	RoleMetricsAgent StackItemRole = "MetricsAgent"
	RoleLogAgent     StackItemRole = "LogAgent"
	RoleSveltosAgent StackItemRole = "SveltosAgent"
	RoleBuild        StackItemRole = "Build"
	RoleLogStore     StackItemRole = "LogStore"
	RoleMetricsStore StackItemRole = "MetricsStore"
	RoleOther        StackItemRole = "Other"
)

// HelmChart is a chart release of a stack item.
type HelmChart struct {
	// repositoryURL of the chart: an https:// Helm repository or an oci://
	// registry.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^(https?|oci)://[^ ]+$')",message="repositoryURL must be an http(s):// Helm repository or an oci:// registry"
	RepositoryURL string `json:"repositoryURL"`

	// chart name in the repository.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$`
	Chart string `json:"chart"`

	// version of the chart: pinned, so every plane runs the same.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`
	Version string `json:"version"`

	// values for the release, as YAML. On each plane,
	// ${observability.logsURL} and ${observability.metricsURL} become the
	// ingest URLs of the ObservabilityPlane the plane names, and
	// ${observability.logsHost}, ${observability.logsPort},
	// ${observability.logsPath} and ${observability.logsTLS} (On or Off)
	// the parts of the log endpoint, for agents that take them apart. The
	// values are a template of the delivery tool (Sveltos or an Argo CD
	// ApplicationSet): write a literal {{ as {{ "{{" }}.
	// +optional
	// +kubebuilder:validation:MaxLength=65536
	Values string `json:"values,omitempty"`
}

// StackItem is one piece of infrastructure every selected plane runs.
//
// +kubebuilder:validation:XValidation:rule="has(self.helm) != has(self.manifests)",message="an item is either a Helm chart (helm) or manifests (manifests), exactly one of them"
type StackItem struct {
	// name of the item, unique in the stack; also the Helm release name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('--')",message="item names may not contain \"--\": Aileron joins the stack's and the item's names with it"
	Name string `json:"name"`

	// role of the item; Other when empty.
	// +optional
	// +kubebuilder:default=Other
	Role StackItemRole `json:"role,omitempty"`

	// namespace on the plane the item is installed into.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace"`

	// dependsOn names items of this stack that must be deployed first: a
	// gateway or a log agent that reads its credentials from the secrets
	// operator depends on it.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=40
	DependsOn []string `json:"dependsOn,omitempty"`

	// tier settles conflicts when two ClusterProfiles deploy the same
	// resource: the lower tier wins (Sveltos' default is 100).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Tier *int32 `json:"tier,omitempty"`

	// helm is the chart release of the item.
	// +optional
	Helm *HelmChart `json:"helm,omitempty"`

	// manifests of the item, as YAML documents (Sveltos delivery only).
	// +optional
	// +kubebuilder:validation:MaxLength=262144
	Manifests string `json:"manifests,omitempty"`
}

// PlaneStackSpec is the infrastructure stack of a type of plane.
//
// +kubebuilder:validation:XValidation:rule="self.items.all(i, !has(i.dependsOn) || i.dependsOn.all(d, d != i.name && self.items.exists(j, j.name == d)))",message="dependsOn must name other items of the same stack"
// +kubebuilder:validation:XValidation:rule="self.delivery != 'ArgoCD' || self.items.all(i, has(i.helm))",message="Argo CD delivery installs Helm charts only: give every item a helm chart, or use delivery Sveltos"
type PlaneStackSpec struct {
	// planeType is the kind of plane the stack is for: data, build or
	// observability.
	// +required
	// +kubebuilder:validation:Enum=data;build;observability
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="planeType is immutable: create another stack"
	PlaneType string `json:"planeType"`

	// planeSelector narrows the stack to the planes of that type whose
	// labels match; every plane of the type when empty. A plane that gains
	// or loses a label gains or loses the stack.
	// +optional
	PlaneSelector *metav1.LabelSelector `json:"planeSelector,omitempty"`

	// delivery is how the stack reaches the planes: Sveltos ClusterProfiles
	// or Argo CD ApplicationSets.
	// +optional
	// +kubebuilder:default=Sveltos
	Delivery StackDelivery `json:"delivery,omitempty"`

	// mode is where the items are driven from: Agentless, AgentBased or
	// Mixed. With Argo CD delivery it fixes the Applications per plane: 1,
	// 3 or 2, whatever the number of items.
	// +optional
	// +kubebuilder:default=Agentless
	Mode StackMode `json:"mode,omitempty"`

	// syncMode of the ClusterProfiles: ContinuousWithDriftDetection (the
	// default) puts back what is changed on a plane by hand.
	// +optional
	// +kubebuilder:default=ContinuousWithDriftDetection
	SyncMode StackSyncMode `json:"syncMode,omitempty"`

	// items of the stack.
	// +required
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	Items []StackItem `json:"items"`
}

// PlaneStackStatus is what the stack's controller last rendered.
type PlaneStackStatus struct {
	// conditions: Ready when every object of the stack is rendered.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// matchingPlanes is the number of planes the stack selects now.
	// +optional
	MatchingPlanes int32 `json:"matchingPlanes,omitempty"`

	// rendered names the objects the stack is delivered through, as
	// Kind/name: ClusterProfiles, ApplicationSets.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Rendered []string `json:"rendered,omitempty"`
}

// PlaneStack is the infrastructure a type of plane runs before any
// workload lands: charts or manifests, delivered by label to every plane
// of the type that the selector matches.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=stack,categories=aileron
// +kubebuilder:printcolumn:name="Plane type",type=string,JSONPath=`.spec.planeType`
// +kubebuilder:printcolumn:name="Delivery",type=string,JSONPath=`.spec.delivery`
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`
// +kubebuilder:printcolumn:name="Planes",type=integer,JSONPath=`.status.matchingPlanes`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="a stack's name is at most 63 characters: it prefixes the names of the ClusterProfiles and ApplicationSets it renders"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.contains('--')",message="stack names may not contain \"--\": Aileron joins a stack's and its items' names with it into the names of ClusterProfiles and ApplicationSets"
type PlaneStack struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired stack.
	// +required
	Spec PlaneStackSpec `json:"spec"`

	// status is what was last rendered.
	// +optional
	Status PlaneStackStatus `json:"status,omitempty"`
}

// PlaneStackList is a list of PlaneStacks.
//
// +kubebuilder:object:root=true
type PlaneStackList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PlaneStack `json:"items"`
}

func init() {
	register(&PlaneStack{}, &PlaneStackList{})
}
