package common

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

// Object is what the Reconcile skeleton needs of a kind.
type Object interface {
	client.Object
	conditions.Object
	SetObservedGeneration(int64)
}

// Hooks are a controller's two halves: what to do for a live object, and
// how to clean up for a deleted one. ReconcileDelete removes the finalizer
// when the cleanup is complete.
type Hooks[T Object] interface {
	ReconcileNormal(ctx context.Context, obj T) (ctrl.Result, error)
	ReconcileDelete(ctx context.Context, obj T) (ctrl.Result, error)
}

// Forgetter is implemented by hooks that keep state about objects outside
// the API (a client registry): Forget is called when the object is gone.
type Forgetter interface {
	Forget(req ctrl.Request)
}

// stalled is a terminal error when obj is Stalled and nothing is scheduled
// for it: only a change to it (or to what it refers to) can help, and the
// controller's metrics then count a stall (terminal reconcile errors), not
// a success. A stall looked at again after a delay (a refused render) is
// no terminal error. The status is written either way.
func stalled(obj Object, result ctrl.Result) error {
	c := meta.FindStatusCondition(*obj.GetConditions(), platformv1alpha1.ConditionStalled)
	if c == nil || c.Status != metav1.ConditionTrue || !result.IsZero() || !obj.GetDeletionTimestamp().IsZero() {
		return nil
	}
	return reconcile.TerminalError(fmt.Errorf("stalled (%s): %s", c.Reason, c.Message))
}

// Sharer is implemented by hooks whose object's status has another
// writer: the Patcher then writes only the part they own.
type Sharer interface {
	StatusSharing() Sharing
}

// Reconcile is the skeleton every controller shares: get the object (done
// if it is gone), log with its organization, hold the finalizer, run the
// hook, and patch what changed; observedGeneration moves only when the hook
// succeeded.
func Reconcile[T Object](ctx context.Context, c client.Client, req ctrl.Request, obj T, hooks Hooks[T]) (retResult ctrl.Result, retErr error) {
	key := keyOf(obj, req.NamespacedName)
	if err := c.Get(ctx, req.NamespacedName, obj); err != nil {
		if client.IgnoreNotFound(err) == nil {
			written.forget(key)
			if f, ok := hooks.(Forgetter); ok {
				f.Forget(req)
			}
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	read := obj.GetResourceVersion()
	log := ctrl.LoggerFrom(ctx)
	if org := obj.GetLabels()[platformv1alpha1.LabelOrganization]; org != "" {
		log = log.WithValues("organization", org)
	} else if obj.GetNamespace() != "" {
		log = log.WithValues("organization", obj.GetNamespace())
	}
	if project := obj.GetLabels()[platformv1alpha1.LabelProject]; project != "" {
		log = log.WithValues("project", project)
	}
	ctx = ctrl.LoggerInto(ctx, log)

	patcher, err := NewPatcher(c, obj)
	if err != nil {
		return ctrl.Result{}, err
	}
	if s, ok := hooks.(Sharer); ok {
		patcher.Share(s.StatusSharing())
	}
	var result ctrl.Result
	defer func() {
		if retErr == nil && obj.GetDeletionTimestamp().IsZero() {
			obj.SetObservedGeneration(obj.GetGeneration())
		}
		retErr = errors.Join(retErr, patcher.Patch(ctx, obj))
		if OnlyConflicts(retErr) {
			// Lost an optimistic-concurrency race: run again soon on a
			// fresh copy, without growing the object's backoff.
			log.V(1).Info("write conflicted, retrying", "error", retErr.Error())
			retResult, retErr = ctrl.Result{RequeueAfter: ConflictRetryDelay}, nil
			return
		}
		if retErr != nil {
			// An error is retried with backoff; a requeue time besides it
			// would be ignored anyway.
			retResult = ctrl.Result{}
			return
		}
		switch {
		case patcher.Wrote() && len(obj.GetFinalizers()) == 0 && !obj.GetDeletionTimestamp().IsZero():
			written.forget(key) // the last write let it go
		case patcher.Wrote():
			written.record(key, obj)
		case written.behind(key, obj.GetUID(), read):
			// See lastWrites: the copy may hide a write to undo.
			log.V(1).Info("nothing to write, but the copy read is older than the last write: reading again", "read", read)
			if retResult.RequeueAfter == 0 || retResult.RequeueAfter > ConflictRetryDelay {
				retResult = ctrl.Result{RequeueAfter: ConflictRetryDelay}
			}
		}
		retErr = stalled(obj, retResult)
	}()
	if !obj.GetDeletionTimestamp().IsZero() {
		if !controllerutil.ContainsFinalizer(obj, platformv1alpha1.Finalizer) {
			return ctrl.Result{}, nil
		}
		result, err = hooks.ReconcileDelete(ctx, obj)
		return result, err
	}
	controllerutil.AddFinalizer(obj, platformv1alpha1.Finalizer)
	result, err = hooks.ReconcileNormal(ctx, obj)
	return result, err
}

// LetGo is how ReconcileDelete says the cleanup of obj is complete: the
// skeleton's finalizer is removed, and the object goes with the patch.
func LetGo(obj client.Object) {
	controllerutil.RemoveFinalizer(obj, platformv1alpha1.Finalizer)
}
