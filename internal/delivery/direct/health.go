package direct

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/health"
	"github.com/aileron-dev/aileron/internal/render"
)

// ReadHealth reads back the workloads among objs (the objects that carry
// the component's pods, whatever their kind) and judges them: the first
// that is not Healthy is the component's health.
func ReadHealth(ctx context.Context, c client.Reader, objs render.Objects) (platformv1alpha1.PlaneHealth, string, error) {
	h, msg := platformv1alpha1.HealthHealthy, ""
	for _, o := range objs {
		if !health.IsWorkload(o.GetKind()) {
			continue
		}
		u, err := read(ctx, c, o)
		if apierrors.IsNotFound(err) {
			return platformv1alpha1.HealthProgressing, fmt.Sprintf("%s %s is not there yet", o.GetKind(), o.GetName()), nil
		}
		if err != nil {
			return platformv1alpha1.HealthUnknown, "", err
		}
		if h, msg = health.Of(u); h != platformv1alpha1.HealthHealthy {
			return h, msg, nil
		}
	}
	return h, msg, nil
}

// read gets o's live copy as unstructured. A Deployment is read typed, so
// that a reader serving Deployments from a plane's watch can answer.
func read(ctx context.Context, c client.Reader, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	key := client.ObjectKey{Namespace: o.GetNamespace(), Name: o.GetName()}
	gvk := o.GroupVersionKind()
	if gvk.Group == appsv1.GroupName && gvk.Kind == "Deployment" {
		d := &appsv1.Deployment{}
		if err := c.Get(ctx, key, d); err != nil {
			return nil, err
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{Object: m}
		u.SetGroupVersionKind(gvk)
		return u, nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, c.Get(ctx, key, u)
}
