package testbed

import (
	"context"
	"fmt"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/fleet"
)

// RefusedMessage is what a plane under RefuseImages answers a Deployment of
// an image tagged refused.
const RefusedMessage = "images tagged refused do not run on this plane"

// RefuseImages installs on a plane the admission policy refuse-images
// (testdata/refuse-images.yaml), which refuses Deployments of images tagged
// refused, and returns once it is in force: a policy takes effect a moment
// after it is created, so a probe Deployment is tried until it is refused.
// remove takes the policy away again.
func RefuseImages(ctx context.Context, c client.Client) (remove func(context.Context) error, err error) {
	remove = func(ctx context.Context) error {
		for _, o := range []client.Object{&admissionregistrationv1.ValidatingAdmissionPolicyBinding{}, &admissionregistrationv1.ValidatingAdmissionPolicy{}} {
			o.SetName("refuse-images")
			if err := client.IgnoreNotFound(c.Delete(ctx, o)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := fleet.CreateManifests(ctx, c, Repo("test", "testbed", "testdata", "refuse-images.yaml")); err != nil {
		return nil, err
	}
	probe := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceDefault, Name: "refuse-images-probe"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "probe"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "probe"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "probe", Image: "probe:refused"}}},
			},
		},
	}
	deadline := time.Now().Add(time.Minute)
	for {
		err := c.Create(ctx, probe.DeepCopy())
		if err != nil && strings.Contains(err.Error(), RefusedMessage) {
			return remove, nil
		}
		if err == nil {
			err = client.IgnoreNotFound(c.Delete(ctx, probe.DeepCopy()))
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return remove, fmt.Errorf("probing the policy refuse-images: %w", err)
		}
		if time.Now().After(deadline) {
			return remove, fmt.Errorf("the policy refuse-images is not in force after a minute")
		}
		select {
		case <-ctx.Done():
			return remove, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
