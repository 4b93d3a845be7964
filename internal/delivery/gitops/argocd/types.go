// Package argocd holds Aileron's own Go types for the Argo CD objects it
// writes and reads on the hub: Application, ApplicationSet and AppProject
// of argoproj.io/v1alpha1. Only the fields Aileron uses are here; the
// upstream Go packages do not build with current Kubernetes libraries. A
// test round-trips every object Aileron renders through the real upstream
// CRDs, so a misspelt field is caught as pruned, not shipped.
//
// +kubebuilder:object:generate=true
// +kubebuilder:skip
package argocd

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is Argo CD's API group and version.
var GroupVersion = schema.GroupVersion{Group: "argoproj.io", Version: "v1alpha1"}

// AddToScheme registers the types, so that the manager can cache and read
// them like any other kind.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &Application{}, &ApplicationList{}, &ApplicationSet{}, &ApplicationSetList{}, &AppProject{}, &AppProjectList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// Well-known names of Argo CD.
const (
	// ResourcesFinalizer makes Argo CD delete an Application's resources
	// from its cluster before the Application goes.
	ResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
	// LabelSecretType marks Argo CD's cluster and repository Secrets.
	LabelSecretType = "argocd.argoproj.io/secret-type"
	// SecretTypeCluster and SecretTypeRepository are its values.
	SecretTypeCluster    = "cluster"
	SecretTypeRepository = "repository"
	// FieldManager is the server-side apply manager Argo CD syncs with.
	FieldManager = "argocd-controller"
	// TrackingAnnotation and TrackingLabel are how Argo CD marks the
	// resources an Application manages (annotation or label tracking).
	TrackingAnnotation = "argocd.argoproj.io/tracking-id"
	TrackingLabel      = "app.kubernetes.io/instance"
)

// Sync and health statuses Argo CD reports.
const (
	SyncStatusSynced    = "Synced"
	SyncStatusOutOfSync = "OutOfSync"
	HealthHealthy       = "Healthy"
	HealthProgressing   = "Progressing"
	HealthDegraded      = "Degraded"
	HealthSuspended     = "Suspended"
	HealthMissing       = "Missing"
)

// Application is one source synced into one destination.
//
// +kubebuilder:object:root=true
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ApplicationSpec   `json:"spec"`
	Status            ApplicationStatus `json:"status,omitempty"`
}

// ApplicationList is a list of Applications.
//
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Application `json:"items"`
}

// ApplicationSpec is what an Application syncs, where, and how.
type ApplicationSpec struct {
	Project string             `json:"project"`
	Source  *ApplicationSource `json:"source,omitempty"`
	// Sources, instead of Source, bundles several sources (Helm charts of
	// a plane's stack) into one Application.
	Sources     []ApplicationSource    `json:"sources,omitempty"`
	Destination ApplicationDestination `json:"destination"`
	SyncPolicy  *SyncPolicy            `json:"syncPolicy,omitempty"`
}

// ApplicationSource is a directory of a Git repository, or a Helm chart
// of a chart repository.
type ApplicationSource struct {
	RepoURL        string                      `json:"repoURL"`
	Path           string                      `json:"path,omitempty"`
	Chart          string                      `json:"chart,omitempty"`
	TargetRevision string                      `json:"targetRevision,omitempty"`
	Directory      *ApplicationSourceDirectory `json:"directory,omitempty"`
	Helm           *ApplicationSourceHelm      `json:"helm,omitempty"`
}

// ApplicationSourceHelm is how a chart is rendered.
type ApplicationSourceHelm struct {
	ReleaseName string `json:"releaseName,omitempty"`
	// Namespace is the release's namespace, when it differs from the
	// Application's destination.
	Namespace string `json:"namespace,omitempty"`
	Values    string `json:"values,omitempty"`
}

// ApplicationSourceDirectory configures a plain directory of manifests.
type ApplicationSourceDirectory struct {
	Recurse bool `json:"recurse,omitempty"`
}

// ApplicationDestination is a cluster and namespace.
type ApplicationDestination struct {
	Server    string `json:"server,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

// SyncPolicy is when and how an Application syncs.
type SyncPolicy struct {
	Automated   *SyncPolicyAutomated `json:"automated,omitempty"`
	SyncOptions []string             `json:"syncOptions,omitempty"`
	Retry       *RetryStrategy       `json:"retry,omitempty"`
}

// SyncPolicyAutomated syncs without a person.
type SyncPolicyAutomated struct {
	Prune    bool `json:"prune,omitempty"`
	SelfHeal bool `json:"selfHeal,omitempty"`
}

// RetryStrategy retries failed syncs.
type RetryStrategy struct {
	// Limit is the number of retries; negative for no limit.
	Limit   int64    `json:"limit,omitempty"`
	Backoff *Backoff `json:"backoff,omitempty"`
}

// Backoff spaces retries.
type Backoff struct {
	Duration    string `json:"duration,omitempty"`
	Factor      *int64 `json:"factor,omitempty"`
	MaxDuration string `json:"maxDuration,omitempty"`
}

// ApplicationStatus is what Argo CD reports of an Application.
type ApplicationStatus struct {
	Sync           SyncStatus       `json:"sync,omitempty"`
	Health         HealthStatus     `json:"health,omitempty"`
	Resources      []ResourceStatus `json:"resources,omitempty"`
	Conditions     []AppCondition   `json:"conditions,omitempty"`
	OperationState *OperationState  `json:"operationState,omitempty"`
}

// SyncStatus compares the live state with the source at a revision.
type SyncStatus struct {
	Status   string `json:"status"`
	Revision string `json:"revision,omitempty"`
}

// HealthStatus is a health and why.
type HealthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// ResourceStatus is one managed resource.
type ResourceStatus struct {
	Group     string        `json:"group,omitempty"`
	Version   string        `json:"version,omitempty"`
	Kind      string        `json:"kind,omitempty"`
	Namespace string        `json:"namespace,omitempty"`
	Name      string        `json:"name,omitempty"`
	Status    string        `json:"status,omitempty"`
	Health    *HealthStatus `json:"health,omitempty"`
}

// AppCondition is an error or warning about an Application.
type AppCondition struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// OperationState is the last sync operation.
type OperationState struct {
	Phase   string `json:"phase"`
	Message string `json:"message,omitempty"`
	// Operation is what was asked: the revision a sync applies.
	Operation *Operation `json:"operation,omitempty"`
	// RetryCount is how many times a failed operation was retried.
	RetryCount int64 `json:"retryCount,omitempty"`
}

// Operation is a requested operation.
type Operation struct {
	Sync *SyncOperation `json:"sync,omitempty"`
}

// SyncOperation is a sync of one revision.
type SyncOperation struct {
	Revision string `json:"revision,omitempty"`
}

// The phases of an operation Aileron reads or sets.
const (
	OperationRunning     = "Running"
	OperationTerminating = "Terminating"
)

// ApplicationSet generates Applications from a template.
//
// +kubebuilder:object:root=true
type ApplicationSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ApplicationSetSpec `json:"spec"`
}

// ApplicationSetList is a list of ApplicationSets.
//
// +kubebuilder:object:root=true
type ApplicationSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApplicationSet `json:"items"`
}

// ApplicationSetSpec is the generators and the template.
type ApplicationSetSpec struct {
	GoTemplate        bool                      `json:"goTemplate,omitempty"`
	GoTemplateOptions []string                  `json:"goTemplateOptions,omitempty"`
	Generators        []ApplicationSetGenerator `json:"generators"`
	Template          ApplicationSetTemplate    `json:"template"`
	SyncPolicy        *ApplicationSetSyncPolicy `json:"syncPolicy,omitempty"`
}

// ApplicationSetGenerator produces parameter sets; only the cluster
// generator is used.
type ApplicationSetGenerator struct {
	Clusters *ClusterGenerator `json:"clusters,omitempty"`
}

// ClusterGenerator yields one parameter set per Argo CD cluster Secret its
// selector matches.
type ClusterGenerator struct {
	Selector metav1.LabelSelector `json:"selector,omitempty"`
}

// ApplicationSetTemplate is the Application each parameter set renders.
type ApplicationSetTemplate struct {
	ApplicationSetTemplateMeta `json:"metadata"`
	Spec                       ApplicationSpec `json:"spec"`
}

// ApplicationSetTemplateMeta is the templated Application's metadata.
type ApplicationSetTemplateMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Finalizers  []string          `json:"finalizers,omitempty"`
}

// ApplicationSetSyncPolicy limits what the ApplicationSet controller may do
// to the Applications it generated.
type ApplicationSetSyncPolicy struct {
	PreserveResourcesOnDeletion bool   `json:"preserveResourcesOnDeletion,omitempty"`
	ApplicationsSync            string `json:"applicationsSync,omitempty"`
}

// AppProject fences the Applications that name it.
//
// +kubebuilder:object:root=true
type AppProject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              AppProjectSpec `json:"spec"`
}

// AppProjectList is a list of AppProjects.
//
// +kubebuilder:object:root=true
type AppProjectList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AppProject `json:"items"`
}

// AppProjectSpec is what the project's Applications may use.
type AppProjectSpec struct {
	Description                string                   `json:"description,omitempty"`
	SourceRepos                []string                 `json:"sourceRepos,omitempty"`
	Destinations               []ApplicationDestination `json:"destinations,omitempty"`
	ClusterResourceWhitelist   []metav1.GroupKind       `json:"clusterResourceWhitelist,omitempty"`
	NamespaceResourceBlacklist []metav1.GroupKind       `json:"namespaceResourceBlacklist,omitempty"`
}
