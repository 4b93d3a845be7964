package v1alpha1

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TelemetryEndpoint is one signal (logs or metrics) an observability plane
// receives and serves.
type TelemetryEndpoint struct {
	// ingestURL is where data planes' agents send this signal.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https']",message="ingestURL must be an http or https URL"
	IngestURL string `json:"ingestURL"`

	// queryURLTemplate is the link a Component's status shows for this
	// signal. {organization}, {project}, {environment} and {component} are
	// replaced by the Component's values.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	QueryURLTemplate string `json:"queryURLTemplate,omitempty"`
}

// ObservabilityPlaneSpec describes a cluster that collects logs and metrics.
type ObservabilityPlaneSpec struct {
	PlaneConnection `json:",inline"`

	// logs is the log store of this plane.
	// +optional
	Logs *TelemetryEndpoint `json:"logs,omitempty"`

	// metrics is the metrics store of this plane.
	// +optional
	Metrics *TelemetryEndpoint `json:"metrics,omitempty"`
}

// ObservabilityPlaneStatus is the observed state of an ObservabilityPlane.
type ObservabilityPlaneStatus struct {
	PlaneStatus `json:",inline"`
}

// ObservabilityPlane is a Kubernetes cluster that receives the logs and
// metrics of data planes and build planes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=op,categories=aileron
// +kubebuilder:printcolumn:name="Reachable",type=string,JSONPath=`.status.conditions[?(@.type=="Reachable")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.logs) || has(self.spec.metrics)",message="an observability plane must serve logs, metrics or both: set spec.logs or spec.metrics"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40 && !self.metadata.name.contains('--')",message="observability plane names must be lowercase DNS labels of at most 40 characters without \"--\": they are part of the names of Argo CD Applications and Sveltos clusters, joined with \"--\""
type ObservabilityPlane struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the observability plane.
	// +required
	Spec ObservabilityPlaneSpec `json:"spec"`

	// status is the observed state of the observability plane.
	// +optional
	Status ObservabilityPlaneStatus `json:"status,omitempty"`
}

// ObservabilityPlaneList is a list of ObservabilityPlanes.
//
// +kubebuilder:object:root=true
type ObservabilityPlaneList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ObservabilityPlane `json:"items"`
}

func init() {
	register(&ObservabilityPlane{}, &ObservabilityPlaneList{})
}

// QueryURL is t's queryURLTemplate for one component in one environment:
// {organization}, {project}, {environment} and {component} replaced by its
// values (names, which need no escaping). Empty when t has no template.
func (t *TelemetryEndpoint) QueryURL(organization, project, environment, component string) string {
	if t == nil || t.QueryURLTemplate == "" {
		return ""
	}
	return strings.NewReplacer("{organization}", organization, "{project}", project,
		"{environment}", environment, "{component}", component).Replace(t.QueryURLTemplate)
}
