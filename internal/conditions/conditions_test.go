package conditions

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func testPipeline(ready metav1.ConditionStatus, message string) *platformv1alpha1.DeploymentPipeline {
	p := &platformv1alpha1.DeploymentPipeline{ObjectMeta: metav1.ObjectMeta{Name: "default", Generation: 1}}
	if message != "" {
		Set(p, platformv1alpha1.ConditionReady, ready, "Test", message)
	}
	return p
}

// TestNotReadyRepeatsWhy: the message names the object and repeats its
// Ready message, or says it has none yet.
func TestNotReadyRepeatsWhy(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  *platformv1alpha1.DeploymentPipeline
		want string
	}{
		{"not reconciled yet", testPipeline("", ""), "DeploymentPipeline default is not Ready: not reconciled yet"},
		{"stalled", testPipeline(metav1.ConditionFalse, "the promotion paths form a cycle: dev → prod → dev"),
			"DeploymentPipeline default is not Ready: the promotion paths form a cycle: dev → prod → dev"},
	} {
		if got := NotReady("DeploymentPipeline", tc.ref); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestSummarizeNamesFiveAndCountsTheRest: a list stays whole up to five
// items; past that the message names the first five and counts the rest.
func TestSummarizeNamesFiveAndCountsTheRest(t *testing.T) {
	cases := []struct {
		sep   string
		items []string
		want  string
	}{
		{", ", nil, ""},
		{", ", []string{"a", "b", "c", "d", "e"}, "a, b, c, d, e"},
		{", ", []string{"a", "b", "c", "d", "e", "f"}, "a, b, c, d, e (and 1 more)"},
		{"; ", []string{"eu-1: down", "eu-2: down", "eu-3: down", "eu-4: down", "eu-5: down", "eu-6: down", "eu-7: down"},
			"eu-1: down; eu-2: down; eu-3: down; eu-4: down; eu-5: down (and 2 more)"},
	}
	for _, tc := range cases {
		if got := SummarizeBy(tc.sep, tc.items); got != tc.want {
			t.Errorf("SummarizeBy(%q, %v) = %q, want %q", tc.sep, tc.items, got, tc.want)
		}
	}
	if got := Summarize([]string{"a", "b"}); got != "a, b" {
		t.Errorf("Summarize = %q", got)
	}
}
