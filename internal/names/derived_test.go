package names_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/names"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/stack"
)

// scope collects the names Aileron derives into one place (a namespace of
// the hub, a plane), remembering what each was derived from: a second,
// different origin for a name already taken is a collision.
type scope struct {
	t     *testing.T
	name  string
	taken map[string]string
}

func (s scope) add(name, origin string) {
	s.t.Helper()
	if prev, ok := s.taken[name]; ok && prev != origin {
		s.t.Fatalf("%s: %q is derived from both %s and %s", s.name, name, prev, origin)
	}
	s.taken[name] = origin
}

// Every family of derived names, from generated user-chosen names biased
// towards the ones that join alike with single hyphens (short words of
// a, b and "-", and long ones that get shortened): within each place where
// they live side by side, no two origins share a name.
func TestDerivedNamesNeverCollide(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	word := func(max int) string {
		for {
			n := 1 + rng.IntN(max)
			if rng.IntN(4) == 0 {
				n = max // long names get shortened
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = "ab-"[rng.IntN(3)]
			}
			if names.Part(string(b)) {
				return string(b)
			}
		}
	}
	newScope := func(name string) scope { return scope{t: t, name: name, taken: map[string]string{}} }
	planeNamespaces := newScope("a plane's namespaces")
	hosts := newScope("a gateway's hosts")
	argo := newScope("Argo CD's namespace (ApplicationSets)")
	apps := newScope("Argo CD's namespace (Applications)")
	projects := newScope("Argo CD's namespace (AppProjects)")
	clusters := newScope("Argo CD's clusters")
	profiles := newScope("ClusterProfiles")
	sveltosClusters := newScope("SveltosClusters")
	secrets := newScope("a cell's ExternalSecrets (and the Secrets they write)")
	bindings := map[string]scope{}
	gateway := render.Plane{PublicHost: "apps.example"}

	projects.add(stack.AppProjectName, "the stacks' AppProject")
	for range 20000 {
		org, project, env, component := word(30), word(30), word(20), word(40)
		plane, stackName, item, secretRef := word(40), word(63), word(40), word(40)
		cell := gitops.Cell{Organization: org, Project: project, Environment: env}
		origin := "cell " + org + "/" + project + "/" + env

		planeNamespaces.add(render.CellNamespace(org, project, env), origin)
		secrets.add(render.SecretName(component, secretRef), "component "+component+" reading "+secretRef)
		hosts.add(render.PublicHost(gateway, org, project, env, component), origin+" component "+component)
		argo.add(cell.Namespace(), origin)
		apps.add(gitops.ApplicationName(cell, plane), origin+" on plane "+plane)
		projects.add(gitops.AppProjectName(org), "organization "+org)
		clusters.add(plane, "data plane "+plane)
		for _, typ := range []string{platformv1alpha1.PlaneTypeBuild, platformv1alpha1.PlaneTypeObservability} {
			clusters.add(names.Join(typ, plane), typ+" plane "+plane)
		}
		for _, group := range []string{"stack", "gateway", "sveltos-agent", "observability-agent"} {
			set := stack.ApplicationSetName(stackName, group)
			argo.add(set, "stack "+stackName+" group "+group)
			apps.add(set+names.Separator+plane, "stack "+stackName+" group "+group+" on data plane "+plane)
			apps.add(set+names.Separator+names.Join(platformv1alpha1.PlaneTypeBuild, plane), "stack "+stackName+" group "+group+" on build plane "+plane)
		}
		profiles.add(stack.ProfileName(stackName, item), "stack "+stackName+" item "+item)
		for _, typ := range []string{platformv1alpha1.PlaneTypeData, platformv1alpha1.PlaneTypeBuild, platformv1alpha1.PlaneTypeObservability} {
			name := stack.ClusterName(typ, plane)
			sveltosClusters.add(name, typ+" plane "+plane)
			if gotType, gotPlane, ok := stack.ParseClusterName(name); !ok || gotType != typ || gotPlane != plane {
				t.Fatalf("ParseClusterName(%q) = %q, %q, %v", name, gotType, gotPlane, ok)
			}
		}
		if _, ok := bindings[org]; !ok {
			bindings[org] = newScope("organization " + org + "'s bindings")
		}
		bindings[org].add(binding.Name(component, env), "component "+component+" in "+env)
	}
	if len(planeNamespaces.taken) < 15000 {
		t.Fatalf("only %d distinct cells generated", len(planeNamespaces.taken))
	}
	// The examples that collided with single hyphens are among the checked.
	for _, c := range [][2][3]string{{{"acme", "shop-web", "production"}, {"acme-shop", "web", "production"}}} {
		if render.CellNamespace(c[0][0], c[0][1], c[0][2]) == render.CellNamespace(c[1][0], c[1][1], c[1][2]) {
			t.Errorf("%v and %v share a cell namespace", c[0], c[1])
		}
	}
	if strings.Contains(stack.AppProjectName, names.Separator) {
		t.Error("the stacks' AppProject must not look like an organization's")
	}
}
