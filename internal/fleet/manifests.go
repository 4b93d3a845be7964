package fleet

import (
	"context"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/manifest"
)

// ReadManifests decodes every object of the YAML files at paths, in order.
func ReadManifests(paths ...string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		objs, err := DecodeManifests(data)
		if err != nil {
			return nil, fmt.Errorf("decoding %s: %w", path, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// DecodeManifests decodes every object of a YAML (or JSON) stream.
func DecodeManifests(data []byte) ([]*unstructured.Unstructured, error) {
	return manifest.Decode(data)
}

// CreateManifests creates, with c, every object of the YAML files at paths.
func CreateManifests(ctx context.Context, c client.Client, paths ...string) error {
	objs, err := ReadManifests(paths...)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
	return nil
}
