// Package direct delivers rendered objects to a plane by server-side apply:
// in order, with one field manager, recording what it applied so that what
// a later render drops can be pruned and a deletion can remove everything.
package direct

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
)

// Generations are the generations the API server gave objects as it
// applied them, by Kind, namespace and name. A controller's status is
// about what it has observed: health read from a cache (which may still
// hold the object as it was before the apply) must not be judged below
// them.
type Generations map[GenerationKey]int64

// GenerationKey names an applied object.
type GenerationKey struct{ Kind, Namespace, Name string }

// Merge returns g with the generations of newer, newer winning.
func (g Generations) Merge(newer Generations) Generations {
	out := make(Generations, len(g)+len(newer))
	maps.Copy(out, g)
	maps.Copy(out, newer)
	return out
}

// Apply server-side applies objs in order, taking ownership of every field
// they set from any other manager: the render is the source of truth. It
// returns the generation each object has after its apply.
func Apply(ctx context.Context, c client.Client, objs render.Objects) (Generations, error) {
	gens := make(Generations, len(objs))
	for _, o := range objs {
		// The API server's answer lands in the copy.
		applied := o.DeepCopy()
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(applied),
			client.FieldOwner(render.FieldManager), client.ForceOwnership); err != nil {
			return gens, fmt.Errorf("applying %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
		gens[GenerationKey{Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()}] = applied.GetGeneration()
	}
	return gens, nil
}

// Inventory lists objs as inventory entries, in order.
func Inventory(objs render.Objects) []platformv1alpha1.InventoryEntry {
	out := make([]platformv1alpha1.InventoryEntry, 0, len(objs))
	for _, o := range objs {
		out = append(out, platformv1alpha1.InventoryEntry{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName()})
	}
	return out
}

// Refused tells whether err is the API server refusing what was sent
// (invalid, forbidden, denied by admission, too large): sending it again
// unchanged gets the same answer until the server's configuration changes.
func Refused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) || apierrors.IsRequestEntityTooLargeError(err)
}

// Stale returns the entries of previous that current does not contain.
func Stale(previous, current []platformv1alpha1.InventoryEntry) []platformv1alpha1.InventoryEntry {
	var out []platformv1alpha1.InventoryEntry
	for _, e := range previous {
		if !slices.Contains(current, e) {
			out = append(out, e)
		}
	}
	return out
}

// Prune deletes entries, most dependent first (the reverse of apply
// order); objects already gone are not an error. Dependents such as a
// Deployment's pods go by garbage collection in the background.
func Prune(ctx context.Context, c client.Client, entries []platformv1alpha1.InventoryEntry) error {
	var errs []error
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(schema.FromAPIVersionAndKind(e.APIVersion, e.Kind))
		obj.SetNamespace(e.Namespace)
		obj.SetName(e.Name)
		err := c.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground))
		// A kind the plane does not serve has nothing of it to delete.
		if err != nil && !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
			errs = append(errs, fmt.Errorf("deleting %s %s/%s: %w", e.Kind, e.Namespace, e.Name, err))
		}
	}
	return errors.Join(errs...)
}
