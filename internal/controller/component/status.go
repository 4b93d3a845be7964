package component

import (
	"fmt"
	"sort"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
)

// summarize fills a component's per-environment status from its bindings
// and sets Ready: true when every binding is. observability maps a data
// plane to the ObservabilityPlane it ships to, for the logs and metrics
// links.
func summarize(c *platformv1alpha1.Component, bindings []platformv1alpha1.ReleaseBinding, observability map[string]*platformv1alpha1.ObservabilityPlane) {
	envs := make([]platformv1alpha1.ComponentEnvironmentStatus, 0, len(bindings))
	var notReady []string
	for i := range bindings {
		b := &bindings[i]
		st := platformv1alpha1.ComponentEnvironmentStatus{Environment: b.Spec.EnvironmentRef.Name, Release: b.Spec.Release}
		for _, p := range b.Status.Planes {
			st.TotalPlanes++
			if p.Health == platformv1alpha1.HealthHealthy && p.Release == b.Spec.Release {
				st.ReadyPlanes++
			}
			st.URLs = append(st.URLs, p.URLs...)
		}
		sort.Strings(st.URLs)
		for _, p := range b.Status.Planes {
			if op := observability[p.Plane]; op != nil {
				env := b.Spec.EnvironmentRef.Name
				st.LogsURL = op.Spec.Logs.QueryURL(c.Namespace, c.Spec.ProjectRef.Name, env, c.Name)
				st.MetricsURL = op.Spec.Metrics.QueryURL(c.Namespace, c.Spec.ProjectRef.Name, env, c.Name)
				break
			}
		}
		envs = append(envs, st)
		if !conditions.IsReady(b) {
			notReady = append(notReady, b.Spec.EnvironmentRef.Name+": "+conditions.ReadyMessage(b.Status.Conditions))
		}
	}
	sort.Slice(envs, func(i, j int) bool { return envs[i].Environment < envs[j].Environment })
	c.Status.Environments = envs
	sort.Strings(notReady)
	switch {
	case len(bindings) == 0:
		conditions.MarkProgressing(c, platformv1alpha1.ReasonProgressing, "no environment runs the component yet")
	case len(notReady) > 0:
		conditions.MarkProgressing(c, platformv1alpha1.ReasonWaitingForWorkload, conditions.SummarizeBy("; ", notReady))
	default:
		conditions.MarkReady(c, fmt.Sprintf("running in %d environment(s)", len(bindings)))
	}
}
