package pipeline

import (
	"strings"
	"testing"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func paths(edges ...string) platformv1alpha1.DeploymentPipelineSpec {
	bySource := map[string]*platformv1alpha1.PromotionPath{}
	var order []string
	for _, e := range edges {
		from, to, _ := strings.Cut(e, ">")
		p := bySource[from]
		if p == nil {
			p = &platformv1alpha1.PromotionPath{SourceEnvironmentRef: from}
			bySource[from] = p
			order = append(order, from)
		}
		p.TargetEnvironmentRefs = append(p.TargetEnvironmentRefs, platformv1alpha1.TargetEnvironment{Name: to, RequiresApproval: to == "prod"})
	}
	spec := platformv1alpha1.DeploymentPipelineSpec{}
	for _, s := range order {
		spec.PromotionPaths = append(spec.PromotionPaths, *bySource[s])
	}
	return spec
}

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spec    platformv1alpha1.DeploymentPipelineSpec
		initial string
		err     string
	}{
		{name: "linear", spec: paths("dev>staging", "staging>prod"), initial: "dev"},
		{name: "fan out", spec: paths("dev>eu", "dev>us"), initial: "dev"},
		{name: "diamond", spec: paths("dev>a", "dev>b", "a>prod", "b>prod"), initial: "dev"},
		{name: "cycle", spec: paths("dev>staging", "staging>prod", "prod>staging"), err: "cycle: staging → prod → staging"},
		{name: "cycle through the start", spec: paths("dev>staging", "staging>dev"), err: "cycle: dev → staging → dev"},
		{name: "two starts", spec: paths("dev>prod", "qa>prod"), err: "this one has 2: dev, qa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Analyze(tc.spec)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Initial != tc.initial {
				t.Fatalf("initial = %q, want %q", got.Initial, tc.initial)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	spec := paths("dev>staging", "staging>prod")
	for _, tc := range []struct {
		from, to         string
		ok, needApproval bool
	}{
		{"dev", "staging", true, false},
		{"staging", "prod", true, true},
		{"dev", "prod", false, false},
		{"prod", "dev", false, false},
	} {
		ok, approval := Allowed(spec, tc.from, tc.to)
		if ok != tc.ok || approval != tc.needApproval {
			t.Errorf("%s → %s: got (%v, %v), want (%v, %v)", tc.from, tc.to, ok, approval, tc.ok, tc.needApproval)
		}
	}
}
