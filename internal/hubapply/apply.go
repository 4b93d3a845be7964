package hubapply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/render"
)

// Apply server-side applies a typed hub object as Aileron, taking every
// field it sets. Typed structs carry empty metadata and status that would
// otherwise be applied as fields of their own; they are dropped.
func Apply(ctx context.Context, c client.Client, obj runtime.Object) error {
	u, err := ToUnstructured(obj)
	if err != nil {
		return err
	}
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(render.FieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return nil
}

// ContentHash digests an object's JSON: equal hashes, nothing to write.
func ContentHash(obj any) (string, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// ToUnstructured converts a typed object to what is sent to the API: no
// status, no null or empty metadata.
func ToUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		for k, v := range md {
			if v == nil {
				delete(md, k)
			}
		}
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// Key names obj among the hub objects a controller applies: its Go type,
// namespace and name (a namespace or name never holds a "/").
func Key(obj client.Object) string {
	return fmt.Sprintf("%T/%s/%s", obj, obj.GetNamespace(), obj.GetName())
}
