package gitops

import (
	"testing"

	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
)

func TestRetryingRevision(t *testing.T) {
	sync := func(rev string) *argocd.Operation {
		return &argocd.Operation{Sync: &argocd.SyncOperation{Revision: rev}}
	}
	for _, tc := range []struct {
		name  string
		state *argocd.OperationState
		want  string
	}{
		{"no operation yet", nil, ""},
		{"a first attempt under way", &argocd.OperationState{Phase: "Running", Operation: sync("abc")}, ""},
		{"retrying after a failure", &argocd.OperationState{Phase: "Running", RetryCount: 3, Operation: sync("abc")}, "abc"},
		{"retries given up", &argocd.OperationState{Phase: "Failed", RetryCount: 5, Operation: sync("abc")}, ""},
		{"succeeded after retries", &argocd.OperationState{Phase: "Succeeded", RetryCount: 2, Operation: sync("abc")}, ""},
		{"being terminated", &argocd.OperationState{Phase: "Terminating", RetryCount: 2, Operation: sync("abc")}, ""},
		{"not a sync", &argocd.OperationState{Phase: "Running", RetryCount: 1, Operation: &argocd.Operation{}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &argocd.Application{Status: argocd.ApplicationStatus{OperationState: tc.state}}
			if got := RetryingRevision(app); got != tc.want {
				t.Errorf("RetryingRevision = %q, want %q", got, tc.want)
			}
		})
	}
}
