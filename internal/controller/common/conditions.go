package common

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Conditions is what every Aileron status carries.
type Conditions interface {
	metav1.Object
	GetConditions() *[]metav1.Condition
}

// SetCondition sets one condition, keeping its transition time when its
// status does not change.
func SetCondition(obj Conditions, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(obj.GetConditions(), metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: obj.GetGeneration(),
	})
}

// MarkReady records success: Ready=True, and neither Reconciling nor
// Stalled.
func MarkReady(obj Conditions, message string) {
	SetCondition(obj, platformv1alpha1.ConditionReady, metav1.ConditionTrue, platformv1alpha1.ReasonReconciled, message)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionStalled)
}

// MarkProgressing records work under way that will finish by itself:
// Ready=False and Reconciling=True with the same reason and message.
func MarkProgressing(obj Conditions, reason, message string) {
	SetCondition(obj, platformv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	SetCondition(obj, platformv1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionStalled)
}

// MarkStalled records a problem only a person can fix: Ready=False and
// Stalled=True, with a message that says what to change.
func MarkStalled(obj Conditions, reason, message string) {
	SetCondition(obj, platformv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	SetCondition(obj, platformv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionReconciling)
}

// IsReady tells whether obj's Ready condition is True for its current
// generation.
func IsReady(obj Conditions) bool {
	c := meta.FindStatusCondition(*obj.GetConditions(), platformv1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == obj.GetGeneration()
}

// NotReady says that the object obj depends on, of kind, is not Ready,
// and why, in its own words, so that the problem shows where people look.
func NotReady(kind string, ref Conditions) string {
	msg := kind + " " + ref.GetName() + " is not Ready"
	if why := readyMessage(ref); why != "" {
		msg += ": " + why
	}
	return msg
}

// GetReference reads the object obj refers to into ref. When it does not
// exist, obj is marked Stalled with notFound as the message and found is
// false; other errors are returned for a retry.
func GetReference(ctx context.Context, c client.Reader, key client.ObjectKey, ref client.Object, obj Conditions, notFound string) (found bool, err error) {
	if err := c.Get(ctx, key, ref); err != nil {
		if apierrors.IsNotFound(err) {
			MarkStalled(obj, platformv1alpha1.ReasonReferenceNotFound, notFound)
			return false, nil
		}
		return false, err
	}
	return true, nil
}
