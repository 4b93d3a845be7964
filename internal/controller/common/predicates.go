package common

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

// CreatedOrDeleted passes creations, deletions, and the update that marks
// an object for deletion: for watches that care whether something exists.
func CreatedOrDeleted() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectNew.GetDeletionTimestamp() != nil && e.ObjectOld.GetDeletionTimestamp() == nil
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// ReadyChanged passes updates that change whether an object is Ready, why
// it is not (dependents repeat that message, see conditions.NotReady), or its
// generation, and creations and deletions.
func ReadyChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, okOld := e.ObjectOld.(conditions.Object)
			n, okNew := e.ObjectNew.(conditions.Object)
			if !okOld || !okNew {
				return true
			}
			return conditions.IsReady(o) != conditions.IsReady(n) || o.GetGeneration() != n.GetGeneration() ||
				(!conditions.IsReady(n) && conditions.ReadyMessage(*o.GetConditions()) != conditions.ReadyMessage(*n.GetConditions())) ||
				(n.GetDeletionTimestamp() != nil && o.GetDeletionTimestamp() == nil)
		},
	}
}

// ReachabilityChanged passes a plane update that flips its Reachable
// condition.
func ReachabilityChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(platformv1alpha1.Plane)
		n, okNew := e.ObjectNew.(platformv1alpha1.Plane)
		return okOld && okNew &&
			meta.IsStatusConditionTrue(o.PlaneStatus().Conditions, platformv1alpha1.ConditionReachable) !=
				meta.IsStatusConditionTrue(n.PlaneStatus().Conditions, platformv1alpha1.ConditionReachable)
	}}
}

// OnSpec is the option of a controller's For: its object starts a
// reconcile when the spec changes (a new generation), not for a status
// write, its own included.
func OnSpec() builder.Predicates {
	return builder.WithPredicates(predicate.GenerationChangedPredicate{})
}
