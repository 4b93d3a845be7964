package gitops

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
)

// RefreshAnnotation on an Application asks Argo CD's application
// controller to compare it with Git at once, resolving the branch afresh
// rather than from its revision cache; Argo CD removes the annotation once
// it has. Without it, a commit waits for Argo CD's next poll
// (timeout.reconciliation, 3 minutes by default), and longer when that
// controller is busy.
const RefreshAnnotation = "argocd.argoproj.io/refresh"

var (
	refreshPatch = client.RawPatch(types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"`+RefreshAnnotation+`":"normal"}}}`))
	terminatePatch = client.RawPatch(types.MergePatchType,
		[]byte(`{"status":{"operationState":{"phase":"`+argocd.OperationTerminating+`"}}}`))
)

// RequestRefresh asks Argo CD to look at app's directories now: Aileron
// calls it after a commit that changes them. A refresh already asked for
// and not yet done costs no write; an Application gone meanwhile is no
// error.
func RequestRefresh(ctx context.Context, c client.Client, app *argocd.Application) error {
	if _, pending := app.Annotations[RefreshAnnotation]; pending {
		return nil
	}
	return client.IgnoreNotFound(c.Patch(ctx, app, refreshPatch))
}

// RetryingRevision is the revision app's sync keeps retrying after it
// failed, "" when it is not retrying one. Argo CD (v2.14) retries the
// revision a sync started with, however many commits came after it, and
// Aileron's Applications retry without limit: a commit Argo CD cannot apply
// (a manifest a plane's admission refuses) would hold back every later
// commit of its cell, the one that fixes it included.
func RetryingRevision(app *argocd.Application) string {
	s := app.Status.OperationState
	if s == nil || s.Phase != argocd.OperationRunning || s.RetryCount == 0 || s.Operation == nil || s.Operation.Sync == nil {
		return ""
	}
	return s.Operation.Sync.Revision
}

// TerminateOperation ends app's running operation, as `argocd app
// terminate-op` does; automated sync then starts one at the branch's
// newest commit.
func TerminateOperation(ctx context.Context, c client.Client, app *argocd.Application) error {
	return client.IgnoreNotFound(c.Patch(ctx, app, terminatePatch))
}
