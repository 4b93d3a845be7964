package common

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DeleteAll deletes every object in list matching opts and returns the
// names of those that still exist (being deleted, held by their own
// finalizers), sorted, so a caller can wait for them and say which.
func DeleteAll(ctx context.Context, c client.Client, list client.ObjectList, opts ...client.ListOption) ([]string, error) {
	if err := c.List(ctx, list, opts...); err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	var remaining []string
	for _, item := range items {
		o, ok := item.(client.Object)
		if !ok {
			continue
		}
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
