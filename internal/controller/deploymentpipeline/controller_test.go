package deploymentpipeline

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fakehub"
)

// TestReconcileNormalChecksPathsAndEnvironments: a pipeline whose paths
// form a cycle, or that names environments missing (or being deleted)
// from its organization, is Stalled saying which; otherwise it is Ready
// and records where releases land first.
func TestReconcileNormalChecksPathsAndEnvironments(t *testing.T) {
	path := func(from string, to ...string) platformv1alpha1.PromotionPath {
		p := platformv1alpha1.PromotionPath{SourceEnvironmentRef: from}
		for _, t := range to {
			p.TargetEnvironmentRefs = append(p.TargetEnvironmentRefs, platformv1alpha1.TargetEnvironment{Name: t})
		}
		return p
	}
	env := func(name string, deleting bool) client.Object {
		e := &platformv1alpha1.Environment{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: name}}
		if deleting {
			now := metav1.Now()
			e.DeletionTimestamp, e.Finalizers = &now, []string{platformv1alpha1.Finalizer}
		}
		return e
	}
	linear := []platformv1alpha1.PromotionPath{path("dev", "staging"), path("staging", "prod")}
	cases := []struct {
		name            string
		paths           []platformv1alpha1.PromotionPath
		envs            []client.Object
		ready, stalled  bool
		reason, message string
		initial         string
	}{
		{"every environment exists", linear, []client.Object{env("dev", false), env("staging", false), env("prod", false)},
			true, false, platformv1alpha1.ReasonReconciled, "3 environments; releases land first in dev", "dev"},
		{"one missing, one being deleted", linear, []client.Object{env("dev", false), env("staging", true)},
			false, true, platformv1alpha1.ReasonReferenceNotFound, "the pipeline names environments that do not exist in organization acme: prod, staging", "dev"},
		{"a cycle", []platformv1alpha1.PromotionPath{path("dev", "staging"), path("staging", "dev")}, nil,
			false, true, platformv1alpha1.ReasonInvalidSpec, "the promotion paths form a cycle: dev → staging → dev", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Reconciler{Client: fakehub.Client(t, tc.envs...)}
			p := &platformv1alpha1.DeploymentPipeline{
				ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "default", Generation: 1},
				Spec:       platformv1alpha1.DeploymentPipelineSpec{PromotionPaths: tc.paths},
				Status:     platformv1alpha1.DeploymentPipelineStatus{InitialEnvironment: "stale"},
			}
			if _, err := r.ReconcileNormal(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			c := meta.FindStatusCondition(p.Status.Conditions, platformv1alpha1.ConditionReady)
			if c == nil || (c.Status == metav1.ConditionTrue) != tc.ready || c.Reason != tc.reason || c.Message != tc.message {
				t.Errorf("Ready = %+v\nwant ready=%v %s %q", c, tc.ready, tc.reason, tc.message)
			}
			if got := meta.IsStatusConditionTrue(p.Status.Conditions, platformv1alpha1.ConditionStalled); got != tc.stalled {
				t.Errorf("Stalled = %v, want %v", got, tc.stalled)
			}
			if p.Status.InitialEnvironment != tc.initial {
				t.Errorf("initial environment %q, want %q", p.Status.InitialEnvironment, tc.initial)
			}
		})
	}
}
