package component

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// TestSummarizeLinksToObservability checks that a component's status links
// to its logs and metrics through the templates of the ObservabilityPlane
// its environment's data planes ship to, and to nothing where they ship
// nowhere.
func TestSummarizeLinksToObservability(t *testing.T) {
	c := &platformv1alpha1.Component{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "web"},
		Spec: platformv1alpha1.ComponentSpec{ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}}}
	binding := func(env string, planes ...string) platformv1alpha1.ReleaseBinding {
		b := platformv1alpha1.ReleaseBinding{Spec: platformv1alpha1.ReleaseBindingSpec{EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: env}}}
		for _, p := range planes {
			b.Status.Planes = append(b.Status.Planes, platformv1alpha1.PlaneDeliveryStatus{Plane: p})
		}
		return b
	}
	obs := &platformv1alpha1.ObservabilityPlane{Spec: platformv1alpha1.ObservabilityPlaneSpec{
		Logs: &platformv1alpha1.TelemetryEndpoint{IngestURL: "http://logs:9428",
			QueryURLTemplate: "https://logs.example/select?query=org:{organization} project:{project} env:{environment} app:{component}"},
		Metrics: &platformv1alpha1.TelemetryEndpoint{IngestURL: "http://metrics:8428"},
	}}
	summarize(c, []platformv1alpha1.ReleaseBinding{binding("development", "eu-1"), binding("production", "na-1", "eu-2")},
		map[string]*platformv1alpha1.ObservabilityPlane{"eu-1": obs, "eu-2": obs, "na-1": nil})
	got := map[string][2]string{}
	for _, e := range c.Status.Environments {
		got[e.Environment] = [2]string{e.LogsURL, e.MetricsURL}
	}
	want := map[string][2]string{
		"development": {"https://logs.example/select?query=org:acme project:shop env:development app:web", ""},
		"production":  {"https://logs.example/select?query=org:acme project:shop env:production app:web", ""},
	}
	if len(got) != 2 || got["development"] != want["development"] || got["production"] != want["production"] {
		t.Fatalf("links: got %v, want %v", got, want)
	}
	summarize(c, []platformv1alpha1.ReleaseBinding{binding("development", "na-1")}, map[string]*platformv1alpha1.ObservabilityPlane{})
	if e := c.Status.Environments[0]; e.LogsURL != "" || e.MetricsURL != "" {
		t.Fatalf("a plane that ships nowhere links nowhere, got %q %q", e.LogsURL, e.MetricsURL)
	}
}
