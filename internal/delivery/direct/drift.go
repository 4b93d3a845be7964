package direct

import (
	"context"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/render"
)

// Drifted returns the objects of objs that are missing on the plane or
// whose live state no longer holds every field the render sets: what a
// resync must apply again. Reading costs the plane no write, so an
// unchanged platform writes nothing however often it is checked.
func Drifted(ctx context.Context, c client.Reader, objs render.Objects) (render.Objects, error) {
	var out render.Objects
	for _, o := range objs {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(o.GroupVersionKind())
		err := c.Get(ctx, client.ObjectKeyFromObject(o), live)
		switch {
		case apierrors.IsNotFound(err):
			out = append(out, o)
		case err != nil:
			return nil, fmt.Errorf("reading %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		case !Holds(live.Object, o.Object):
			out = append(out, o)
		}
	}
	return out, nil
}

// Holds tells whether live holds every field of want with the same value.
// What the API server adds (defaults, status, metadata it keeps) is
// ignored; of want's metadata only labels and annotations are compared.
// Lists must have the same length, item by item.
func Holds(live, want map[string]any) bool {
	for k, w := range want {
		if k == "metadata" {
			wm, _ := w.(map[string]any)
			lm, _ := live["metadata"].(map[string]any)
			for _, f := range []string{"labels", "annotations"} {
				if wf, ok := wm[f]; ok && !holds(lm[f], wf) {
					return false
				}
			}
			continue
		}
		if !holds(live[k], w) {
			return false
		}
	}
	return true
}

func holds(live, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			// An empty object the server drops is not drift.
			return len(w) == 0 && live == nil
		}
		for k, wv := range w {
			if !holds(l[k], wv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok {
			return len(w) == 0 && live == nil
		}
		if len(l) != len(w) {
			return false
		}
		for i := range w {
			if !holds(l[i], w[i]) {
				return false
			}
		}
		return true
	case int64:
		return numberEquals(live, float64(w))
	case float64:
		return numberEquals(live, w)
	default:
		return reflect.DeepEqual(live, want)
	}
}

func numberEquals(live any, want float64) bool {
	switch l := live.(type) {
	case int64:
		return float64(l) == want
	case float64:
		return l == want
	case int:
		return float64(l) == want
	case int32:
		return float64(l) == want
	}
	return false
}
