// Package pipeline analyses DeploymentPipelines: where releases land first,
// which moves are allowed, and whether the paths form a DAG.
package pipeline

import (
	"fmt"
	"sort"
	"strings"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
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
	if cycle := findCycle(envs, next); cycle != nil {
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

func findCycle(envs []string, next map[string][]string) []string {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(e string) []string {
		state[e] = visiting
		stack = append(stack, e)
		for _, n := range next[e] {
			switch state[n] {
			case visiting:
				for i, s := range stack {
					if s == n {
						return append(append([]string{}, stack[i:]...), n)
					}
				}
			case unvisited:
				if c := visit(n); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[e] = done
		return nil
	}
	for _, e := range envs {
		if state[e] == unvisited {
			if c := visit(e); c != nil {
				return c
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
