package common

import (
	"context"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

// ListObjects lists list matching opts as client.Objects.
func ListObjects(ctx context.Context, c client.Reader, list client.ObjectList, opts ...client.ListOption) ([]client.Object, error) {
	if err := c.List(ctx, list, opts...); err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(items))
	for _, item := range items {
		if o, ok := item.(client.Object); ok {
			out = append(out, o)
		}
	}
	return out, nil
}

// DeleteAll deletes every object in list matching opts and returns the
// names of those that still exist (being deleted, held by their own
// finalizers), sorted, so a caller can wait for them and say which.
func DeleteAll(ctx context.Context, c client.Client, list client.ObjectList, opts ...client.ListOption) ([]string, error) {
	objs, err := ListObjects(ctx, c, list, opts...)
	if err != nil {
		return nil, err
	}
	remaining := make([]string, 0, len(objs))
	for _, o := range objs {
		if o.GetDeletionTimestamp().IsZero() {
			if err := c.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
				return nil, fmt.Errorf("deleting %s: %w", o.GetName(), err)
			}
		}
		remaining = append(remaining, o.GetName())
	}
	sort.Strings(remaining)
	return remaining, nil
}

// childrenRecheck is how often an object waiting for its children to be
// deleted looks again: their own finalizers may wait on planes.
const childrenRecheck = 5 * time.Second

// DeleteChildren deletes what obj owns by reference (the objects of list
// matching opts, which it calls what) and tells whether they are all gone.
// Until they are, obj is Progressing (Deleting) naming them, and the
// result looks again in a few seconds.
func DeleteChildren(ctx context.Context, c client.Client, obj conditions.Object, what string, list client.ObjectList,
	opts ...client.ListOption) (bool, ctrl.Result, error) {
	remaining, err := DeleteAll(ctx, c, list, opts...)
	if err != nil {
		return false, ctrl.Result{}, err
	}
	if len(remaining) > 0 {
		conditions.MarkProgressing(obj, platformv1alpha1.ReasonDeleting, "waiting for "+what+" to be removed: "+conditions.Summarize(remaining))
		return false, ctrl.Result{RequeueAfter: childrenRecheck}, nil
	}
	return true, ctrl.Result{}, nil
}
