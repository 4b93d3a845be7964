package releasebinding

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// MoveRecorder records in a binding's history the moves made by editing
// the binding itself (kubectl edit, patch or apply, by an organization admin
// or, where no approval is required, a developer), which no Promotion
// records: every move lands in the history, credited to the user the API
// server stamped on the binding (config/admission/binding_moves.yaml). It
// runs apart from the delivery reconciler, so that a move is recorded even
// while delivery waits on a plane. Two edits closer together than one
// reconcile are recorded as the later one.
type MoveRecorder struct {
	client.Client
	// Self is the manager's user name, whose moves binding.Move
	// records with the request and approval they carry out. Empty, it is
	// asked of the hub when the recorder is set up.
	Self                    string
	MaxConcurrentReconciles int
}

// SetupWithManager registers the recorder for every change of a binding's
// spec.
func (r *MoveRecorder) SetupWithManager(mgr ctrl.Manager) error {
	if r.Self == "" {
		self, err := binding.WhoAmI(context.Background(), mgr.GetConfig())
		if err != nil {
			return fmt.Errorf("asking the hub who the manager is: %w", err)
		}
		r.Self = self
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("releasebinding-moves").
		For(&platformv1alpha1.ReleaseBinding{}, common.OnSpec()).
		WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).
		Complete(r)
}

// Reconcile records the binding's unrecorded move, if it has one.
func (r *MoveRecorder) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	b := &platformv1alpha1.ReleaseBinding{}
	if err := r.Get(ctx, req.NamespacedName, b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	move, ok := pipeline.UnrecordedMove(b, r.Self)
	if !ok {
		return ctrl.Result{}, nil
	}
	err := binding.RecordMove(ctx, r.Client, b, move)
	if apierrors.IsNotFound(err) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}
