package direct

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
	for _, o := range objs {
		if !health.IsWorkload(o.GetKind()) {
			continue
		}
		if h, msg, _, err := judge(ctx, c, o); err != nil || h != platformv1alpha1.HealthHealthy {
			return h, msg, err
		}
	}
	return platformv1alpha1.HealthHealthy, "", nil
}

// judge reads o back and judges it (health.Of), with the live copy; one not
// there yet is Progressing.
func judge(ctx context.Context, c client.Reader, o *unstructured.Unstructured) (platformv1alpha1.PlaneHealth, string, *unstructured.Unstructured, error) {
	u, err := read(ctx, c, o)
	if apierrors.IsNotFound(err) {
		return platformv1alpha1.HealthProgressing, fmt.Sprintf("%s %s is not there yet", o.GetKind(), o.GetName()), nil, nil
	}
	if err != nil {
		return platformv1alpha1.HealthUnknown, "", nil, err
	}
	h, msg := health.Of(u)
	return h, msg, u, nil
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

// ReadSecrets judges what the workloads among objs read before they can
// start: each ExternalSecret among objs (its store read), then each other
// Secret key the pods read, which someone must have put into the cell. The
// first that is missing or failing is the verdict; a workload's own status
// does not say it (its pods wait, or, without kubelets, seem to run).
// Nothing reports a change of these: a binding that waits on them polls.
func ReadSecrets(ctx context.Context, c client.Reader, objs render.Objects) (platformv1alpha1.PlaneHealth, string, error) {
	made := map[string]bool{}
	for _, o := range objs {
		if !health.Gates(o) {
			continue
		}
		h, msg, u, err := judge(ctx, c, o)
		if err != nil || h != platformv1alpha1.HealthHealthy {
			if h == platformv1alpha1.HealthDegraded {
				msg += lastWarning(ctx, c, u)
			}
			return h, msg, err
		}
		target, _, _ := unstructured.NestedString(o.Object, "spec", "target", "name")
		made[target] = true
	}
	secrets := map[string]*corev1.Secret{}
	for _, o := range objs {
		if !health.IsWorkload(o.GetKind()) {
			continue
		}
		for _, ref := range health.SecretsRead(o) {
			if made[ref.Name] {
				continue
			}
			s, ok := secrets[ref.Name]
			if !ok {
				s = &corev1.Secret{}
				if err := c.Get(ctx, client.ObjectKey{Namespace: o.GetNamespace(), Name: ref.Name}, s); apierrors.IsNotFound(err) {
					s = nil
				} else if err != nil {
					return platformv1alpha1.HealthUnknown, "", fmt.Errorf("reading Secret %s: %w", ref.Name, err)
				}
				secrets[ref.Name] = s
			}
			switch {
			case s == nil && ref.Key != "":
				return platformv1alpha1.HealthDegraded, fmt.Sprintf("Secret %s, whose key %s the pods read, does not exist in the cell %s: create it there, or read the key from a SecretReference (secretRef)",
					ref.Name, ref.Key, o.GetNamespace()), nil
			case s == nil:
				return platformv1alpha1.HealthDegraded, fmt.Sprintf("Secret %s, which the pods read, does not exist in the cell %s: create it there", ref.Name, o.GetNamespace()), nil
			case ref.Key != "" && !hasKey(s, ref.Key):
				return platformv1alpha1.HealthDegraded, fmt.Sprintf("Secret %s in the cell %s has no key %s, which the pods read", ref.Name, o.GetNamespace(), ref.Key), nil
			}
		}
	}
	return platformv1alpha1.HealthHealthy, "", nil
}

// hasKey tells whether the Secret read back holds key (a read returns
// data only: stringData is merged into it on write).
func hasKey(s *corev1.Secret, key string) bool {
	_, ok := s.Data[key]
	return ok
}

// lastWarning is ", last warning: <message>" of the newest Warning event
// about u, or "" when there is none or events cannot be read: the External
// Secrets Operator's condition says only that the store could not be read,
// its events say which key and why.
func lastWarning(ctx context.Context, c client.Reader, u *unstructured.Unstructured) string {
	events := &corev1.EventList{}
	if err := c.List(ctx, events, client.InNamespace(u.GetNamespace()), client.MatchingFields{
		"involvedObject.kind": u.GetKind(), "involvedObject.name": u.GetName(), "type": corev1.EventTypeWarning,
	}); err != nil {
		return ""
	}
	var newest *corev1.Event
	for i := range events.Items {
		e := &events.Items[i]
		if e.InvolvedObject.UID != u.GetUID() {
			continue // an event of an object of the same name before it
		}
		if newest == nil || eventTime(e).After(eventTime(newest)) {
			newest = e
		}
	}
	if newest == nil {
		return ""
	}
	return ", last warning: " + newest.Message
}

func eventTime(e *corev1.Event) time.Time {
	for _, t := range []time.Time{e.LastTimestamp.Time, e.EventTime.Time, e.FirstTimestamp.Time} {
		if !t.IsZero() {
			return t
		}
	}
	return e.CreationTimestamp.Time
}
