// Package sveltos holds Aileron's own Go types for the Sveltos objects it
// writes and reads on the hub: SveltosCluster (lib.projectsveltos.io),
// ClusterProfile and ClusterSummary (config.projectsveltos.io), all
// v1beta1. Only the fields Aileron uses are here, so that the project does
// not pull Sveltos' module and its dependencies; a test round-trips every
// object Aileron renders through the real upstream CRDs, so a misspelt
// field is caught as pruned, not shipped.
//
// +kubebuilder:object:generate=true
// +kubebuilder:skip
package sveltos

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// LibGroupVersion is the group of SveltosCluster; ConfigGroupVersion the
// group of ClusterProfile and ClusterSummary.
var (
	LibGroupVersion    = schema.GroupVersion{Group: "lib.projectsveltos.io", Version: "v1beta1"}
	ConfigGroupVersion = schema.GroupVersion{Group: "config.projectsveltos.io", Version: "v1beta1"}
)

// AddToScheme registers the types.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(LibGroupVersion, &SveltosCluster{}, &SveltosClusterList{})
	metav1.AddToGroupVersion(s, LibGroupVersion)
	s.AddKnownTypes(ConfigGroupVersion, &ClusterProfile{}, &ClusterProfileList{}, &ClusterSummary{}, &ClusterSummaryList{})
	metav1.AddToGroupVersion(s, ConfigGroupVersion)
	return nil
}

// Well-known names of Sveltos.
const (
	// KubeconfigSecretSuffix: Sveltos reads a SveltosCluster's kubeconfig
	// from the Secret <cluster>-sveltos-kubeconfig in its namespace.
	KubeconfigSecretSuffix = "-sveltos-kubeconfig"
	// ClusterTypeSveltos is the clusterType of a SveltosCluster in a
	// ClusterSummary.
	ClusterTypeSveltos = "Sveltos"
	// LabelClusterProfile is how Sveltos labels a ClusterSummary with the
	// ClusterProfile it was made for.
	LabelClusterProfile = "projectsveltos.io/cluster-profile-name"
	// HelmChartActionInstall installs (or upgrades) a chart.
	HelmChartActionInstall = "Install"
	// DeploymentTypeRemote deploys referenced resources to the cluster.
	DeploymentTypeRemote = "Remote"
)

// Feature statuses a ClusterSummary reports.
const (
	FeatureStatusProvisioning       = "Provisioning"
	FeatureStatusProvisioned        = "Provisioned"
	FeatureStatusFailed             = "Failed"
	FeatureStatusFailedNonRetriable = "FailedNonRetriable"
	FeatureStatusRemoving           = "Removing"
	FeatureStatusRemoved            = "Removed"
)

// SveltosCluster registers a cluster that is not managed by Cluster API.
//
// +kubebuilder:object:root=true
type SveltosCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              SveltosClusterSpec `json:"spec,omitempty"`
}

// SveltosClusterList is a list of SveltosClusters.
//
// +kubebuilder:object:root=true
type SveltosClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SveltosCluster `json:"items"`
}

// SveltosClusterSpec is where the cluster's kubeconfig is.
type SveltosClusterSpec struct {
	KubeconfigName    string `json:"kubeconfigName,omitempty"`
	KubeconfigKeyName string `json:"kubeconfigKeyName,omitempty"`
	Paused            bool   `json:"paused,omitempty"`
}

// ClusterProfile deploys Helm charts and resources to every cluster its
// selector matches.
//
// +kubebuilder:object:root=true
type ClusterProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ProfileSpec `json:"spec,omitempty"`
}

// ClusterProfileList is a list of ClusterProfiles.
//
// +kubebuilder:object:root=true
type ClusterProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterProfile `json:"items"`
}

// ProfileSpec is the part of a ClusterProfile Aileron renders.
type ProfileSpec struct {
	ClusterSelector metav1.LabelSelector `json:"clusterSelector,omitempty"`
	SyncMode        string               `json:"syncMode,omitempty"`
	Tier            int32                `json:"tier,omitempty"`
	DependsOn       []string             `json:"dependsOn,omitempty"`
	HelmCharts      []HelmChart          `json:"helmCharts,omitempty"`
	PolicyRefs      []PolicyRef          `json:"policyRefs,omitempty"`
}

// HelmChart is a chart release.
type HelmChart struct {
	RepositoryURL    string `json:"repositoryURL"`
	RepositoryName   string `json:"repositoryName"`
	ChartName        string `json:"chartName"`
	ChartVersion     string `json:"chartVersion"`
	ReleaseName      string `json:"releaseName"`
	ReleaseNamespace string `json:"releaseNamespace"`
	HelmChartAction  string `json:"helmChartAction,omitempty"`
	Values           string `json:"values,omitempty"`
}

// PolicyRef references a ConfigMap or Secret of resources to deploy.
type PolicyRef struct {
	Kind           string `json:"kind"`
	Namespace      string `json:"namespace,omitempty"`
	Name           string `json:"name"`
	DeploymentType string `json:"deploymentType,omitempty"`
}

// ClusterSummary is Sveltos' report of one ClusterProfile on one cluster.
//
// +kubebuilder:object:root=true
type ClusterSummary struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ClusterSummarySpec   `json:"spec,omitempty"`
	Status            ClusterSummaryStatus `json:"status,omitempty"`
}

// ClusterSummaryList is a list of ClusterSummaries.
//
// +kubebuilder:object:root=true
type ClusterSummaryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterSummary `json:"items"`
}

// ClusterSummarySpec names the cluster.
type ClusterSummarySpec struct {
	ClusterNamespace string `json:"clusterNamespace"`
	ClusterName      string `json:"clusterName"`
	ClusterType      string `json:"clusterType"`
}

// ClusterSummaryStatus is how each feature (Helm, Resources) fared.
type ClusterSummaryStatus struct {
	FeatureSummaries []FeatureSummary `json:"featureSummaries,omitempty"`
}

// FeatureSummary is one feature's state on the cluster.
type FeatureSummary struct {
	FeatureID      string `json:"featureID"`
	Status         string `json:"status,omitempty"`
	FailureReason  string `json:"failureReason,omitempty"`
	FailureMessage string `json:"failureMessage,omitempty"`
}
