// Package conditions is the one vocabulary of Aileron's status
// conditions: Ready, Reconciling and Stalled set together (kstatus), the
// reasons of api/v1alpha1, and the messages that repeat why an object
// another depends on is not Ready.
package conditions

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Object is what every Aileron status carries.
type Object interface {
	metav1.Object
	GetConditions() *[]metav1.Condition
}

// Set sets one condition, keeping its transition time when its
// status does not change.
func Set(obj Object, condType string, status metav1.ConditionStatus, reason, message string) {
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
func MarkReady(obj Object, message string) {
	Set(obj, platformv1alpha1.ConditionReady, metav1.ConditionTrue, platformv1alpha1.ReasonReconciled, message)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionStalled)
}

// MarkProgressing records work under way that will finish by itself:
// Ready=False and Reconciling=True with the same reason and message.
func MarkProgressing(obj Object, reason, message string) {
	Set(obj, platformv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	Set(obj, platformv1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionStalled)
}

// MarkStalled records a problem only a person can fix: Ready=False and
// Stalled=True, with a message that says what to change.
func MarkStalled(obj Object, reason, message string) {
	Set(obj, platformv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	Set(obj, platformv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(obj.GetConditions(), platformv1alpha1.ConditionReconciling)
}

// IsReady tells whether obj's Ready condition is True for its current
// generation.
func IsReady(obj Object) bool {
	c := meta.FindStatusCondition(*obj.GetConditions(), platformv1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == obj.GetGeneration()
}

// NotReady says that the object obj depends on, of kind, is not Ready,
// and why, in its own words, so that the problem shows where people look.
func NotReady(kind string, ref Object) string {
	return kind + " " + ref.GetName() + " is not Ready: " + ReadyMessage(*ref.GetConditions())
}

// ReadyMessage is the message of the Ready condition among conds, or says
// that there is none yet.
func ReadyMessage(conds []metav1.Condition) string {
	if c := meta.FindStatusCondition(conds, platformv1alpha1.ConditionReady); c != nil {
		return c.Message
	}
	return "not reconciled yet"
}

// summarized is how many items a message lists before it counts the rest.
const summarized = 5

// Summarize names up to five items and counts the rest, for messages that
// must stay short and stable however many objects they are about.
func Summarize(items []string) string { return SummarizeBy(", ", items) }

// SummarizeBy is Summarize with the items joined by sep: "; " for items
// that are messages themselves.
func SummarizeBy(sep string, items []string) string {
	if len(items) <= summarized {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(items[:summarized], sep), len(items)-summarized)
}
