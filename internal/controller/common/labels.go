package common

import (
	"maps"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// MergeLabels returns current with want laid over it.
func MergeLabels(current, want map[string]string) map[string]string {
	out := maps.Clone(current)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, want)
	return out
}

// ManagedByAileron passes events for objects Aileron labelled as its own.
func ManagedByAileron() predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetLabels()[platformv1alpha1.LabelManagedBy] == platformv1alpha1.ManagedByValue
	})
}
