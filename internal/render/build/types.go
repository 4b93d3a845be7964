package build

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WorkflowGVK is the kind of Argo Workflows' Workflow.
var WorkflowGVK = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Workflow"}

// The types below are Aileron's own view of an Argo Workflow: only the
// fields it writes and reads. Argo's Go module pins Kubernetes libraries of
// its own; a test round-trips every rendered Workflow through the upstream
// CRD, so a misspelt field is caught as pruned, not shipped. Every field is
// omitempty (no null creationTimestamp, no empty resources), so what is
// sent is exactly what was rendered.

// Workflow is an argoproj.io/v1alpha1 Workflow.
type Workflow struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   ObjectMeta     `json:"metadata"`
	Spec       WorkflowSpec   `json:"spec"`
	Status     WorkflowStatus `json:"status,omitzero"`
}

// ObjectMeta is the part of a Workflow's metadata Aileron sets.
type ObjectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// WorkflowSpec is what the workflow runs.
type WorkflowSpec struct {
	Entrypoint         string `json:"entrypoint"`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// AutomountServiceAccountToken false keeps the token out of the steps'
	// containers; Executor names the service account Argo's own init and
	// wait containers report results with.
	AutomountServiceAccountToken *bool           `json:"automountServiceAccountToken,omitempty"`
	Executor                     *Executor       `json:"executor,omitempty"`
	VolumeClaimTemplates         []PVC           `json:"volumeClaimTemplates,omitempty"`
	Templates                    []Template      `json:"templates"`
	Volumes                      []corev1.Volume `json:"volumes,omitempty"`
	ActiveDeadlineSeconds        *int64          `json:"activeDeadlineSeconds,omitempty"`
	PodGC                        *PodGC          `json:"podGC,omitempty"`
	TTLStrategy                  *TTLStrategy    `json:"ttlStrategy,omitempty"`
	PodMetadata                  *PodMetadata    `json:"podMetadata,omitempty"`
}

// Template is a steps template or a container template.
type Template struct {
	Name string `json:"name"`
	// Steps are groups run one after the other; the steps of a group run
	// in parallel.
	Steps     [][]Step   `json:"steps,omitempty"`
	Container *Container `json:"container,omitempty"`
	Outputs   *Outputs   `json:"outputs,omitempty"`
	// Volumes are the template's own: only its pod has them.
	Volumes []corev1.Volume `json:"volumes,omitempty"`
}

// Executor configures Argo's executor containers.
type Executor struct {
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// PVC is a volume claim template: Argo creates the claim with the workflow
// and mounts it in every step that names it, which is how steps (each a pod
// of its own) share files.
type PVC struct {
	Metadata ObjectMeta                       `json:"metadata"`
	Spec     corev1.PersistentVolumeClaimSpec `json:"spec"`
}

// Step runs a template.
type Step struct {
	Name     string `json:"name"`
	Template string `json:"template"`
}

// Container is the part of a container Aileron sets.
type Container struct {
	Image        string               `json:"image"`
	Command      []string             `json:"command,omitempty"`
	Args         []string             `json:"args,omitempty"`
	Env          []corev1.EnvVar      `json:"env,omitempty"`
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
}

// Outputs are what a template exports.
type Outputs struct {
	Parameters []Parameter `json:"parameters,omitempty"`
}

// Parameter is an output parameter: declared with valueFrom, reported by
// Argo with value.
type Parameter struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	// GlobalName also exports the parameter as the workflow's own output
	// (status.outputs).
	GlobalName string     `json:"globalName,omitempty"`
	ValueFrom  *ValueFrom `json:"valueFrom,omitempty"`
}

// ValueFrom is where an output parameter's value is read.
type ValueFrom struct {
	Path string `json:"path,omitempty"`
}

// PodGC is when Argo deletes the workflow's pods.
type PodGC struct {
	Strategy string `json:"strategy,omitempty"`
}

// TTLStrategy is when Argo deletes the finished workflow itself.
type TTLStrategy struct {
	SecondsAfterCompletion *int32 `json:"secondsAfterCompletion,omitempty"`
}

// PodMetadata labels every pod of the workflow.
type PodMetadata struct {
	Labels map[string]string `json:"labels,omitempty"`
}

// WorkflowStatus is what Argo's controller reports.
type WorkflowStatus struct {
	// Phase is "", Pending, Running, Succeeded, Failed or Error.
	Phase      string       `json:"phase,omitempty"`
	Message    string       `json:"message,omitempty"`
	StartedAt  *metav1.Time `json:"startedAt,omitempty"`
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// Nodes are the workflow's nodes by ID: the steps template, its step
	// groups, and one Pod node per step run.
	Nodes map[string]NodeStatus `json:"nodes,omitempty"`
	// CompressedNodes replaces Nodes when the workflow grows too large:
	// the nodes as gzipped JSON, base64-encoded.
	CompressedNodes string `json:"compressedNodes,omitempty"`
	// Outputs are the workflow's global outputs.
	Outputs *Outputs `json:"outputs,omitempty"`
}

// NodeStatus is one node of a workflow.
type NodeStatus struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	// Type is Pod for a step's container; Steps, StepGroup, DAG… for the
	// structure around it.
	Type         string `json:"type"`
	TemplateName string `json:"templateName,omitempty"`
	// Phase is Pending, Running, Succeeded, Skipped, Failed, Error or
	// Omitted.
	Phase      string       `json:"phase,omitempty"`
	Message    string       `json:"message,omitempty"`
	StartedAt  *metav1.Time `json:"startedAt,omitempty"`
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	Outputs    *Outputs     `json:"outputs,omitempty"`
	Children   []string     `json:"children,omitempty"`
}
