package common

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

func testPipeline(ready metav1.ConditionStatus, message string) *platformv1alpha1.DeploymentPipeline {
	p := &platformv1alpha1.DeploymentPipeline{ObjectMeta: metav1.ObjectMeta{Name: "default", Generation: 1}}
	if message != "" {
		conditions.Set(p, platformv1alpha1.ConditionReady, ready, "Test", message)
	}
	return p
}

func TestReadyChangedPassesANewReasonForNotBeingReady(t *testing.T) {
	cycle := testPipeline(metav1.ConditionFalse, "the promotion paths form a cycle: dev → prod → dev")
	missing := testPipeline(metav1.ConditionFalse, "the pipeline names environments that do not exist in organization acme: qa")
	ready := testPipeline(metav1.ConditionTrue, "3 environments; releases land first in dev")
	readyAgain := testPipeline(metav1.ConditionTrue, "4 environments; releases land first in dev")
	for _, tc := range []struct {
		name     string
		old, new *platformv1alpha1.DeploymentPipeline
		want     bool
	}{
		{"becomes Ready", cycle, ready, true},
		{"stops being Ready", ready, cycle, true},
		{"not Ready for another reason", cycle, missing, true},
		{"not Ready for the same reason", cycle, cycle.DeepCopy(), false},
		{"Ready with another message", ready, readyAgain, false},
	} {
		if got := ReadyChanged().Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
