package netpol

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
)

// TestRenderedPolicies evaluates what the renderer produces for a small
// organization: two projects, a public web front end calling an API in its
// project, a worker calling an organization-wide ledger in another
// project, and checks every ordered pair of workloads.
func TestRenderedPolicies(t *testing.T) {
	const org, env = "acme", "prod"
	type workload struct {
		project, name string
		endpoints     []platformv1alpha1.Endpoint
		deps          []render.Dependency
	}
	ep := func(name string, port int32, v platformv1alpha1.EndpointVisibility) platformv1alpha1.Endpoint {
		return platformv1alpha1.Endpoint{Name: name, Port: port, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: v}
	}
	dep := func(project, component string, port int32) render.Dependency {
		return render.Dependency{EnvVar: component, Project: project, Component: component, Endpoint: "http", Port: port, Protocol: platformv1alpha1.ProtocolHTTP}
	}
	workloads := []workload{
		{"shop", "web", []platformv1alpha1.Endpoint{ep("http", 3000, platformv1alpha1.VisibilityPublic)}, []render.Dependency{dep("shop", "api", 8080)}},
		{"shop", "api", []platformv1alpha1.Endpoint{ep("http", 8080, platformv1alpha1.VisibilityProject)}, nil},
		{"shop", "worker", nil, []render.Dependency{dep("billing", "ledger", 9090)}},
		{"billing", "ledger", []platformv1alpha1.Endpoint{ep("http", 9090, platformv1alpha1.VisibilityOrganization)}, nil},
		{"billing", "audit", nil, nil},
	}
	var policies []networkingv1.NetworkPolicy
	endpoints := map[string]Endpoint{}
	ports := map[string][]int32{}
	cells := map[string]bool{}
	for _, w := range workloads {
		in := render.Input{Organization: org, Project: w.project, Environment: env, Component: w.name, Release: w.name + "-1", Image: "x",
			Plane: render.Plane{Name: "p", PublicHost: "apps.example", GatewayName: "gw", GatewayNamespace: "gateway"},
			Spec:  platformv1alpha1.ComponentSpec{Type: platformv1alpha1.ComponentService, Endpoints: w.endpoints}, Dependencies: w.deps}
		objs, err := render.Component(in)
		if err != nil {
			t.Fatal(err)
		}
		if !cells[w.project] {
			cell, err := render.Cell(org, w.project, env)
			if err != nil {
				t.Fatal(err)
			}
			objs = append(objs, cell...)
			cells[w.project] = true
		}
		var nsLabels, podLabels map[string]string
		for _, o := range objs {
			switch o.GetKind() {
			case "NetworkPolicy":
				var np networkingv1.NetworkPolicy
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &np); err != nil {
					t.Fatal(err)
				}
				policies = append(policies, np)
			case "Deployment":
				podLabels, _, _ = unstructuredLabels(o.Object, "spec", "template", "metadata", "labels")
			}
		}
		cellNS, _ := render.Cell(org, w.project, env)
		nsLabels = cellNS[0].GetLabels()
		nsLabels["kubernetes.io/metadata.name"] = in.Namespace()
		endpoints[w.name] = Endpoint{Namespace: in.Namespace(), NamespaceLabels: nsLabels, Labels: podLabels}
		for _, e := range w.endpoints {
			ports[w.name] = append(ports[w.name], e.Port)
		}
	}
	want := map[[2]string]bool{{"web", "api"}: true, {"worker", "ledger"}: true}
	for from := range endpoints {
		for to := range endpoints {
			if from == to {
				continue
			}
			for _, port := range ports[to] {
				got := Allowed(policies, endpoints[from], endpoints[to], port)
				if got != want[[2]string{from, to}] {
					t.Errorf("%s → %s:%d allowed = %v, want %v", from, to, port, got, !got)
				}
			}
		}
	}
	gateway := Endpoint{Namespace: "gateway", NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "gateway"}}
	if !Allowed(policies, gateway, endpoints["web"], 3000) {
		t.Error("the gateway must reach the Public web endpoint")
	}
	for _, private := range []string{"api", "ledger"} {
		if Allowed(policies, gateway, endpoints[private], ports[private][0]) {
			t.Errorf("the gateway must not reach %s", private)
		}
	}
}

func unstructuredLabels(obj map[string]any, path ...string) (map[string]string, bool, error) {
	cur := obj
	for _, p := range path[:len(path)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil, false, nil
		}
		cur = next
	}
	raw, ok := cur[path[len(path)-1]].(map[string]any)
	if !ok {
		return nil, false, nil
	}
	out := map[string]string{}
	for k, v := range raw {
		out[k], _ = v.(string)
	}
	return out, true, nil
}
