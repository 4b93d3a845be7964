package build

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

const digest = "sha256:9c1e5a7b3d2f4e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a"

func at(sec int) *metav1.Time {
	t := metav1.NewTime(time.Date(2026, 11, 21, 13, 0, sec, 0, time.UTC))
	return &t
}

// node is a Pod node of step name, as Argo reports it.
func node(name, phase, message string, finished int, outputs ...Parameter) NodeStatus {
	n := NodeStatus{
		ID: "wf-" + name, Name: "wf[0]." + name, DisplayName: name, Type: NodeTypePod, TemplateName: name,
		Phase: phase, Message: message, StartedAt: at(0),
	}
	if finished > 0 {
		n.FinishedAt = at(finished)
	}
	if len(outputs) > 0 {
		n.Outputs = &Outputs{Parameters: outputs}
	}
	return n
}

func nodes(ns ...NodeStatus) map[string]NodeStatus {
	m := map[string]NodeStatus{
		"wf": {ID: "wf", Name: "wf", DisplayName: "wf", Type: "Steps", TemplateName: "main", Phase: PhaseRunning},
	}
	for _, n := range ns {
		m[n.ID] = n
	}
	return m
}

func digestOutput(v string) Parameter {
	return Parameter{Name: DigestParameter, Value: v, ValueFrom: &ValueFrom{Path: "/workspace/image-digest"}}
}

func compressed(t *testing.T, m map[string]NodeStatus) string {
	t.Helper()
	data, _ := json.Marshal(m)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status WorkflowStatus
		want   Outcome
	}{
		{"not picked up yet", WorkflowStatus{},
			Outcome{Phase: platformv1alpha1.BuildRunPending, Message: "waiting for Argo Workflows on the build plane to start the workflow"}},
		{"running the build step", WorkflowStatus{Phase: PhaseRunning, StartedAt: at(0), Nodes: nodes(
			node("clone", PhaseSucceeded, "", 5), node("build", PhaseRunning, "", 0))},
			Outcome{Phase: platformv1alpha1.BuildRunRunning, Message: "running step build", StartedAt: at(0)}},
		{"succeeded, digest on the push node", WorkflowStatus{Phase: PhaseSucceeded, StartedAt: at(0), FinishedAt: at(40), Nodes: nodes(
			node("clone", PhaseSucceeded, "", 5), node("build", PhaseSucceeded, "", 30), node("push", PhaseSucceeded, "", 40, digestOutput(digest+"\n")))},
			Outcome{Phase: platformv1alpha1.BuildRunSucceeded, Digest: digest, Message: "pushed " + digest, StartedAt: at(0), FinishedAt: at(40)}},
		{"a digest only in the global outputs is not taken", WorkflowStatus{Phase: PhaseSucceeded, Nodes: nodes(node("push", PhaseSucceeded, "", 40)),
			Outputs: &Outputs{Parameters: []Parameter{{Name: DigestParameter, Value: digest}}}},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: StepPush, Message: "the workflow succeeded but its push step reported no image-digest output"}},
		{"a digest on the build node is not taken", WorkflowStatus{Phase: PhaseSucceeded, Nodes: nodes(
			node("build", PhaseSucceeded, "", 30, digestOutput(digest)), node("push", PhaseSucceeded, "", 40))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: StepPush, Message: "the workflow succeeded but its push step reported no image-digest output"}},
		{"succeeded with something that is not a digest", WorkflowStatus{Phase: PhaseSucceeded, Nodes: nodes(
			node("push", PhaseSucceeded, "", 40, digestOutput("sha256:abc")))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: StepPush, Message: `the push step's image-digest output "sha256:abc" is not a sha256 digest`}},
		{"an upper-case digest is not one", WorkflowStatus{Phase: PhaseSucceeded, Nodes: nodes(
			node("push", PhaseSucceeded, "", 40, digestOutput(strings.ToUpper(digest))))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: StepPush, Message: `the push step's image-digest output "SHA256:9C1E5A7B3D2F4E6A8B0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B8C9D0E1F2A" is not a sha256 digest`}},
		{"a digest on a failed node is not taken", WorkflowStatus{Phase: PhaseSucceeded, Nodes: nodes(
			node("push", PhaseFailed, "", 40, digestOutput(digest)))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: StepPush, Message: "the workflow succeeded but its push step reported no image-digest output"}},
		{"the build step failed", WorkflowStatus{Phase: PhaseFailed, Message: "child 'wf-build' failed", FinishedAt: at(30), Nodes: nodes(
			node("clone", PhaseSucceeded, "", 5), node("build", PhaseFailed, "Error (exit code 51)", 30))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: "build", Message: "Error (exit code 51)", FinishedAt: at(30)}},
		{"the first failure is named, not what followed", WorkflowStatus{Phase: PhaseFailed, Nodes: nodes(
			node("build", PhaseError, "pod deleted", 50), node("clone", PhaseFailed, "fatal: repository not found", 4))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: "clone", Message: "fatal: repository not found"}},
		{"failed without a failed pod: the workflow's message", WorkflowStatus{Phase: PhaseFailed, Message: "Step exceeded its deadline", Nodes: nodes(
			node("clone", PhaseSucceeded, "", 5))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, Message: "Step exceeded its deadline"}},
		{"an error with nothing said", WorkflowStatus{Phase: PhaseError},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, Message: "the workflow ended in phase Error"}},
		{"a failed node without a message: the workflow's", WorkflowStatus{Phase: PhaseFailed, Message: "child failed", Nodes: nodes(
			node("build", PhaseFailed, "", 30))},
			Outcome{Phase: platformv1alpha1.BuildRunFailed, FailedStep: "build", Message: "child failed"}},
		{"an unknown phase waits", WorkflowStatus{Phase: "Paused"},
			Outcome{Phase: platformv1alpha1.BuildRunPending, Message: `the workflow is in phase "Paused", which Aileron does not know`}},
	} {
		got := Read(tc.status)
		if got.Phase != tc.want.Phase || got.Digest != tc.want.Digest || got.FailedStep != tc.want.FailedStep || got.Message != tc.want.Message ||
			!sameTime(got.StartedAt, tc.want.StartedAt) || !sameTime(got.FinishedAt, tc.want.FinishedAt) {
			t.Errorf("%s:\n got  %+v\n want %+v", tc.name, got, tc.want)
		}
	}
}

func TestReadCompressedNodes(t *testing.T) {
	st := WorkflowStatus{Phase: PhaseFailed, CompressedNodes: compressed(t, nodes(node("build", PhaseFailed, "Error (exit code 1)", 30)))}
	if got := Read(st); got.FailedStep != "build" || got.Message != "Error (exit code 1)" {
		t.Errorf("compressed failure: %+v", got)
	}
	st = WorkflowStatus{Phase: PhaseSucceeded, CompressedNodes: compressed(t, nodes(node("push", PhaseSucceeded, "", 30, digestOutput(digest))))}
	if got := Read(st); got.Digest != digest {
		t.Errorf("compressed success: %+v", got)
	}
	st = WorkflowStatus{Phase: PhaseSucceeded, CompressedNodes: "not base64!"}
	if got := Read(st); got.Phase != platformv1alpha1.BuildRunFailed || !strings.Contains(got.Message, "decoding status.compressedNodes") {
		t.Errorf("unreadable compressed nodes: %+v", got)
	}
}

func sameTime(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}
