package common

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// MoveBinding points the binding b (created from template when it does not
// exist yet) at release and records the move in its history: the one way
// Aileron moves a release, whether by autoDeploy or by promotion.
func MoveBinding(ctx context.Context, c client.Client, key client.ObjectKey, template *platformv1alpha1.ReleaseBinding,
	release string, move platformv1alpha1.BindingHistoryEntry) error {
	b := &platformv1alpha1.ReleaseBinding{}
	err := c.Get(ctx, key, b)
	switch {
	case apierrors.IsNotFound(err):
		b = template.DeepCopy()
		b.Namespace, b.Name = key.Namespace, key.Name
		b.Spec.Release = release
		// The binding controller's finalizer comes with the binding: one
		// request less for each of thousands of bindings.
		controllerutil.AddFinalizer(b, platformv1alpha1.Finalizer)
		if err := c.Create(ctx, b); err != nil {
			return fmt.Errorf("creating ReleaseBinding %s: %w", key.Name, err)
		}
	case err != nil:
		return err
	case b.Spec.Release != release:
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Release = release
		if err := c.Patch(ctx, b, patch); err != nil {
			return fmt.Errorf("moving ReleaseBinding %s: %w", key.Name, err)
		}
	}
	move.Release, move.State = release, pipeline.StateOf(b.Spec.State)
	return RecordMove(ctx, c, b, move)
}

// RecordMove adds move to b's history, unless it is already its newest
// entry.
func RecordMove(ctx context.Context, c client.Client, b *platformv1alpha1.ReleaseBinding, move platformv1alpha1.BindingHistoryEntry) error {
	if move.Time.IsZero() {
		move.Time = metav1.Now()
	}
	history := pipeline.RecordMove(b.Status.History, move)
	if len(history) == len(b.Status.History) && len(history) > 0 && history[0] == b.Status.History[0] {
		return nil
	}
	// The history list is replaced whole by the patch: fence it by the
	// resourceVersion it was computed from, so that a stale read can never
	// drop an entry (a conflict makes the caller retry).
	patch := client.MergeFromWithOptions(b.DeepCopy(), client.MergeFromWithOptimisticLock{})
	b.Status.History = history
	return c.Status().Patch(ctx, b, patch)
}

// WhoAmI is the user name the hub authenticates cfg as: the one the API
// server checks and stamps on what that client writes.
func WhoAmI(ctx context.Context, cfg *rest.Config) (string, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return review.Status.UserInfo.Username, nil
}
