package common

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

// GetReference reads the object obj refers to into ref. When it does not
// exist, obj is marked Stalled with notFound as the message and found is
// false; other errors are returned for a retry.
func GetReference(ctx context.Context, c client.Reader, key client.ObjectKey, ref client.Object, obj conditions.Object, notFound string) (found bool, err error) {
	if err := c.Get(ctx, key, ref); err != nil {
		if apierrors.IsNotFound(err) {
			conditions.MarkStalled(obj, platformv1alpha1.ReasonReferenceNotFound, notFound)
			return false, nil
		}
		return false, err
	}
	return true, nil
}
