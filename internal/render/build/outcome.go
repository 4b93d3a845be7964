package build

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Workflow and node phases Argo reports.
const (
	PhasePending   = "Pending"
	PhaseRunning   = "Running"
	PhaseSucceeded = "Succeeded"
	PhaseFailed    = "Failed"
	PhaseError     = "Error"
	// NodeTypePod is the node of a step's container.
	NodeTypePod = "Pod"
)

// digestPattern is what a pushed image's digest looks like.
var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Outcome is what a workflow's status means for its BuildRun.
type Outcome struct {
	Phase platformv1alpha1.BuildRunPhase
	// Digest of the pushed image, when the build succeeded.
	Digest string
	// FailedStep is the step that failed, when one did.
	FailedStep string
	// Message says what the build waits for, or why it failed.
	Message    string
	StartedAt  *metav1.Time
	FinishedAt *metav1.Time
}

// Read interprets a workflow's status: its phase, the digest a succeeded
// build's push step exported, or the step a failed build failed at and its
// message.
func Read(st WorkflowStatus) Outcome {
	out := Outcome{StartedAt: st.StartedAt, FinishedAt: st.FinishedAt}
	nodes, nodesErr := nodesOf(st)
	switch st.Phase {
	case "", PhasePending:
		out.Phase = platformv1alpha1.BuildRunPending
		out.Message = "waiting for Argo Workflows on the build plane to start the workflow"
	case PhaseRunning:
		out.Phase = platformv1alpha1.BuildRunRunning
		out.Message = "running"
		if steps := running(nodes); len(steps) > 0 {
			out.Message = "running step " + strings.Join(steps, ", ")
		}
	case PhaseSucceeded:
		digest, err := digestOf(nodes)
		if err != nil && nodesErr != nil {
			err = fmt.Errorf("%w (%w)", err, nodesErr)
		}
		if err != nil {
			out.Phase, out.FailedStep, out.Message = platformv1alpha1.BuildRunFailed, StepPush, err.Error()
			return out
		}
		out.Phase, out.Digest = platformv1alpha1.BuildRunSucceeded, digest
		out.Message = "pushed " + digest
	case PhaseFailed, PhaseError:
		out.Phase = platformv1alpha1.BuildRunFailed
		node := firstFailed(nodes)
		msg := st.Message
		if node != nil {
			out.FailedStep = stepName(node)
			if node.Message != "" {
				msg = node.Message
			}
		}
		if msg == "" {
			msg = "the workflow ended in phase " + st.Phase
		}
		out.Message = msg
	default:
		out.Phase = platformv1alpha1.BuildRunPending
		out.Message = fmt.Sprintf("the workflow is in phase %q, which Aileron does not know", st.Phase)
	}
	return out
}

// nodesOf returns the status's nodes, decompressing them when Argo stored
// them compressed.
func nodesOf(st WorkflowStatus) (map[string]NodeStatus, error) {
	if len(st.Nodes) > 0 || st.CompressedNodes == "" {
		return st.Nodes, nil
	}
	raw, err := base64.StdEncoding.DecodeString(st.CompressedNodes)
	if err != nil {
		return nil, fmt.Errorf("decoding status.compressedNodes: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decompressing status.compressedNodes: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompressing status.compressedNodes: %w", err)
	}
	nodes := map[string]NodeStatus{}
	if err := json.Unmarshal(data, &nodes); err != nil {
		return nil, fmt.Errorf("reading status.compressedNodes: %w", err)
	}
	return nodes, nil
}

// sortedPods returns the Pod nodes, ordered by name for a deterministic
// reading.
func sortedPods(nodes map[string]NodeStatus) []NodeStatus {
	var pods []NodeStatus
	for _, n := range nodes {
		if n.Type == NodeTypePod {
			pods = append(pods, n)
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods
}

func running(nodes map[string]NodeStatus) []string {
	var steps []string
	for _, n := range sortedPods(nodes) {
		if n.Phase == PhaseRunning || n.Phase == PhasePending {
			steps = append(steps, stepName(&n))
		}
	}
	return steps
}

// digestOf finds the image-digest output of the succeeded push step: the
// only step that runs Aileron's code alone. What other steps (which run
// tenant code) or the workflow's global outputs say is never taken. A
// value that is not a sha256 digest is an error naming what was found:
// the image reference is built from it.
func digestOf(nodes map[string]NodeStatus) (string, error) {
	var found []string
	for _, n := range sortedPods(nodes) {
		if n.Phase != PhaseSucceeded || n.Outputs == nil || n.TemplateName != StepPush {
			continue
		}
		found = append(found, parameter(n.Outputs, DigestParameter)...)
	}
	if len(found) == 0 {
		return "", fmt.Errorf("the workflow succeeded but its %s step reported no %s output", StepPush, DigestParameter)
	}
	for _, v := range found {
		if v := strings.TrimSpace(v); digestPattern.MatchString(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("the %s step's %s output %q is not a sha256 digest", StepPush, DigestParameter, truncate(found[0], 80))
}

func parameter(o *Outputs, name string) []string {
	var out []string
	for _, p := range o.Parameters {
		if p.Name == name && p.Value != "" {
			out = append(out, p.Value)
		}
	}
	return out
}

// firstFailed is the Pod node that failed first: later failures (and the
// nodes around it) follow from it.
func firstFailed(nodes map[string]NodeStatus) *NodeStatus {
	var first *NodeStatus
	for _, n := range sortedPods(nodes) {
		if n.Phase != PhaseFailed && n.Phase != PhaseError {
			continue
		}
		if first == nil || before(n.FinishedAt, first.FinishedAt) {
			first = &n
		}
	}
	return first
}

// before orders finish times, unknown ones last.
func before(a, b *metav1.Time) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	default:
		return a.Before(b)
	}
}

// stepName is the name a person knows a node by: the step's name in the
// workflow.
func stepName(n *NodeStatus) string {
	switch {
	case n.DisplayName != "":
		return n.DisplayName
	case n.TemplateName != "":
		return n.TemplateName
	default:
		return n.Name
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
