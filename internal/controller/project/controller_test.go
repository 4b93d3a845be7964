package project

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

// TestReconcileNormalSaysWhatThePipelineLacks: a project is Stalled on a
// pipeline that does not exist, Progressing with DependencyNotReady (and
// the pipeline's own words) on one that exists but is not Ready, and
// Ready once it is.
func TestReconcileNormalSaysWhatThePipelineLacks(t *testing.T) {
	pipeline := func(status metav1.ConditionStatus, message string) client.Object {
		p := &platformv1alpha1.DeploymentPipeline{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "default", Generation: 2}}
		if message != "" {
			conditions.Set(p, platformv1alpha1.ConditionReady, status, "Test", message)
		}
		return p
	}
	cases := []struct {
		name            string
		pipeline        client.Object
		status          metav1.ConditionStatus
		reason, message string
		stalled         bool
	}{
		{"no pipeline", nil, metav1.ConditionFalse, platformv1alpha1.ReasonReferenceNotFound,
			"DeploymentPipeline default does not exist in organization acme: create it, or change spec.deploymentPipelineRef", true},
		{"a pipeline not reconciled yet", pipeline("", ""), metav1.ConditionFalse, platformv1alpha1.ReasonDependencyNotReady,
			"DeploymentPipeline default is not Ready: not reconciled yet", false},
		{"a pipeline not Ready", pipeline(metav1.ConditionFalse, "the promotion paths form a cycle: dev → prod → dev"), metav1.ConditionFalse,
			platformv1alpha1.ReasonDependencyNotReady, "DeploymentPipeline default is not Ready: the promotion paths form a cycle: dev → prod → dev", false},
		{"a Ready pipeline", pipeline(metav1.ConditionTrue, "3 environments"), metav1.ConditionTrue, platformv1alpha1.ReasonReconciled,
			"pipeline default is Ready", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var objs []client.Object
			if tc.pipeline != nil {
				objs = append(objs, tc.pipeline)
			}
			r := &Reconciler{Client: fakehub.Client(t, objs...)}
			p := &platformv1alpha1.Project{
				ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "shop", Generation: 1},
				Spec:       platformv1alpha1.ProjectSpec{DeploymentPipelineRef: platformv1alpha1.LocalObjectReference{Name: "default"}},
			}
			if _, err := r.ReconcileNormal(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			ready := meta.FindStatusCondition(p.Status.Conditions, platformv1alpha1.ConditionReady)
			if ready == nil || ready.Status != tc.status || ready.Reason != tc.reason || ready.Message != tc.message {
				t.Errorf("Ready = %+v\nwant %s %s %q", ready, tc.status, tc.reason, tc.message)
			}
			if got := meta.IsStatusConditionTrue(p.Status.Conditions, platformv1alpha1.ConditionStalled); got != tc.stalled {
				t.Errorf("Stalled = %v, want %v", got, tc.stalled)
			}
		})
	}
}
