package gitops

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/render"
)

// Handing a plane over between the two backends changes who owns the
// objects, never the objects: both deliver the same render.
//
//   - Direct → GitOps: Aileron commits the render; Argo CD syncs it with
//     server-side apply and becomes a co-owner of every field (manager
//     argocd-controller). Once it has, Aileron drops its own field manager
//     ("aileron") from each object, so that what a later commit removes is
//     really removed.
//   - GitOps → Direct: Aileron deletes the cell's Application without its
//     resources finalizer, so Argo CD lets go without pruning, applies the
//     render itself (taking every field), then drops Argo CD's field
//     manager and its tracking annotation and label.
//
// Either way the workloads keep running: nothing is deleted or recreated.

// DropManager removes fieldManager's entries from the managedFields of objs
// on the plane, once another manager (whoever takes over) co-owns each
// object; with remove, it also deletes those metadata keys (Argo CD's
// tracking annotation and label). It reports whether every object is done;
// an object still owned by fieldManager alone is left alone.
func DropManager(ctx context.Context, c client.Client, objs render.Objects, fieldManager, successor string, remove ...string) (bool, error) {
	done := true
	for _, o := range objs {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), live); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return false, err
		}
		var keep []metav1.ManagedFieldsEntry
		dropped, hasSuccessor := false, false
		for _, e := range live.GetManagedFields() {
			switch e.Manager {
			case fieldManager:
				dropped = true
				continue
			case successor:
				hasSuccessor = true
			}
			keep = append(keep, e)
		}
		if !hasSuccessor {
			done = false
			continue
		}
		meta := map[string]any{"resourceVersion": live.GetResourceVersion()}
		if dropped {
			meta["managedFields"] = keep
		}
		// Metadata keys the render sets itself are never removed.
		for field, pair := range map[string][2]map[string]string{
			"annotations": {live.GetAnnotations(), o.GetAnnotations()},
			"labels":      {live.GetLabels(), o.GetLabels()},
		} {
			nulls := map[string]any{}
			for _, k := range remove {
				_, onLive := pair[0][k]
				_, rendered := pair[1][k]
				if onLive && !rendered {
					nulls[k] = nil
				}
			}
			if len(nulls) > 0 {
				meta[field] = nulls
			}
		}
		if len(meta) == 1 {
			continue
		}
		patch, err := json.Marshal(map[string]any{"metadata": meta})
		if err != nil {
			return false, err
		}
		if err := c.Patch(ctx, live, client.RawPatch(types.MergePatchType, patch)); err != nil {
			if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
				done = false
				continue
			}
			return false, fmt.Errorf("handing %s %s/%s over: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
	}
	return done, nil
}

// ReleaseToArgoCD drops Aileron's field manager from objects Argo CD now
// co-owns: the last step of Direct → GitOps.
func ReleaseToArgoCD(ctx context.Context, c client.Client, objs render.Objects) (bool, error) {
	return DropManager(ctx, c, objs, render.FieldManager, argocd.FieldManager)
}

// TakeFromArgoCD drops Argo CD's field manager and tracking metadata from
// objects Aileron has applied: the last step of GitOps → Direct.
func TakeFromArgoCD(ctx context.Context, c client.Client, objs render.Objects) (bool, error) {
	return DropManager(ctx, c, objs, argocd.FieldManager, render.FieldManager, argocd.TrackingAnnotation, argocd.TrackingLabel)
}
