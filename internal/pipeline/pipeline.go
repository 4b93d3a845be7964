// Package pipeline analyses DeploymentPipelines: where releases land first,
// which moves are allowed, and whether the paths form a DAG.
package pipeline

import (
	"fmt"
	"sort"
	"strings"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/graph"
)

// Analysis is what a pipeline's paths imply.
type Analysis struct {
	// Initial is the environment no path targets: new releases land there.
	Initial string
	// Environments lists every environment the pipeline names, sorted.
	Environments []string
}

// Analyze checks that the paths form a DAG with exactly one initial
// environment, and returns it with every environment named.
func Analyze(spec platformv1alpha1.DeploymentPipelineSpec) (Analysis, error) {
	next := map[string][]string{}
	targeted := map[string]bool{}
	all := map[string]bool{}
	for _, p := range spec.PromotionPaths {
		all[p.SourceEnvironmentRef] = true
		for _, t := range p.TargetEnvironmentRefs {
			next[p.SourceEnvironmentRef] = append(next[p.SourceEnvironmentRef], t.Name)
			targeted[t.Name] = true
			all[t.Name] = true
		}
	}
	envs := sortedKeys(all)
	if cycle := graph.Cycle(envs, next); cycle != nil {
		return Analysis{}, fmt.Errorf("the promotion paths form a cycle: %s", strings.Join(cycle, " → "))
	}
	var roots []string
	for _, e := range envs {
		if !targeted[e] {
			roots = append(roots, e)
		}
	}
	if len(roots) != 1 {
		return Analysis{}, fmt.Errorf("a pipeline needs exactly one environment that no path targets (where releases land first); this one has %d: %s",
			len(roots), strings.Join(roots, ", "))
	}
	return Analysis{Initial: roots[0], Environments: envs}, nil
}

// Allowed reports whether from → to is a path of the pipeline, and whether
// it requires approval.
func Allowed(spec platformv1alpha1.DeploymentPipelineSpec, from, to string) (ok, requiresApproval bool) {
	for _, p := range spec.PromotionPaths {
		if p.SourceEnvironmentRef != from {
			continue
		}
		for _, t := range p.TargetEnvironmentRefs {
			if t.Name == to {
				return true, t.RequiresApproval
			}
		}
	}
	return false, false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
