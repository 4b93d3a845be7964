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
// project, and checks every ordered pair of workloads on every port, each
// direction on its own.
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
		// On the ledger's port in the ledger's cell, visible to the whole
		// organization, but nobody's dependency: open to no one.
		{"billing", "payouts", []platformv1alpha1.Endpoint{ep("http", 9090, platformv1alpha1.VisibilityOrganization)}, nil},
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
			cell, err := render.Cell(org, w.project, env, nil)
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
		cellNS, _ := render.Cell(org, w.project, env, nil)
		nsLabels = cellNS[0].GetLabels()
		nsLabels["kubernetes.io/metadata.name"] = in.Namespace()
		endpoints[w.name] = Endpoint{Namespace: in.Namespace(), NamespaceLabels: nsLabels, Labels: podLabels}
		for _, e := range w.endpoints {
			ports[w.name] = append(ports[w.name], e.Port)
		}
	}
	// What was declared, one side at a time: egress where a dependency
	// names the workload and port, ingress where an endpoint's visibility
	// admits the caller. Each side is checked on its own, on every port any
	// workload serves or calls, so that a side opened wider than declared
	// fails even where the other side still closes the path.
	byName := map[string]workload{}
	allPorts := map[int32]bool{}
	for _, w := range workloads {
		byName[w.name] = w
		for _, e := range w.endpoints {
			allPorts[e.Port] = true
		}
		for _, d := range w.deps {
			allPorts[d.Port] = true
		}
	}
	egressWant := func(from, to workload, port int32) bool {
		for _, d := range from.deps {
			if d.Project == to.project && d.Component == to.name && d.Port == port {
				return true
			}
		}
		return false
	}
	ingressWant := func(from, to workload, port int32) bool {
		for _, e := range to.endpoints {
			if e.Port == port && (e.Visibility != platformv1alpha1.VisibilityProject || from.project == to.project) {
				return true
			}
		}
		return false
	}
	open := 0
	for from := range endpoints {
		for to := range endpoints {
			if from == to {
				continue
			}
			for port := range allPorts {
				f, tw := byName[from], byName[to]
				if got, want := EgressAllowed(policies, endpoints[from], endpoints[to], port), egressWant(f, tw, port); got != want {
					t.Errorf("egress %s → %s:%d allowed by %s's policies = %v, want %v", from, to, port, from, got, want)
				}
				if got, want := IngressAllowed(policies, endpoints[from], endpoints[to], port), ingressWant(f, tw, port); got != want {
					t.Errorf("ingress %s → %s:%d admitted by %s's policies = %v, want %v", from, to, port, to, got, want)
				}
				got, want := Allowed(policies, endpoints[from], endpoints[to], port), egressWant(f, tw, port) && ingressWant(f, tw, port)
				if got != want {
					t.Errorf("%s → %s:%d allowed = %v, want %v", from, to, port, got, want)
				}
				if got {
					open++
				}
			}
		}
	}
	if open != 2 {
		t.Errorf("%d paths between workloads are open, want exactly the 2 declared (web → api, worker → ledger)", open)
	}
	gateway := Endpoint{Namespace: "gateway", NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "gateway"}}
	if !Allowed(policies, gateway, endpoints["web"], 3000) {
		t.Error("the gateway must reach the Public web endpoint")
	}
	for _, private := range []string{"api", "ledger", "payouts"} {
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
