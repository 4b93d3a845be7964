package render

import (
	"strings"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/names"
)

// CellNamespace is the namespace of a cell — an organization's project in
// one environment — on each of the environment's planes:
// <organization>--<project>--<environment> (names.Join), which no other
// cell's namespace can equal.
func CellNamespace(organization, project, environment string) string {
	return names.Join(organization, project, environment)
}

// PublicHost is where a component's Public endpoints are served on a plane:
// <component>--<project>--<environment>--<organization>.<publicHost>. The
// organization is part of it, so two tenants' routes on one gateway never
// share a host. Empty when the plane has no public host.
func PublicHost(p Plane, organization, project, environment, component string) string {
	if p.PublicHost == "" {
		return ""
	}
	return names.Join(component, project, environment, organization) + "." + p.PublicHost
}

// DependencyEnvVar is the variable a dependency's URL is injected as: the
// dependency's envVar, or <COMPONENT>_<ENDPOINT>_URL with every character
// that may not appear in a variable name replaced by "_".
func DependencyEnvVar(d platformv1alpha1.Dependency) string {
	if d.EnvVar != "" {
		return d.EnvVar
	}
	name := strings.ToUpper(d.Component + "_" + d.Endpoint + "_URL")
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// DependencyURL is the in-cluster URL of a callee's endpoint in its cell:
// http://, grpc:// or tcp://<component>.<cell namespace>.svc.cluster.local:<port>,
// followed by the endpoint's path for HTTP.
func DependencyURL(cellNamespace string, d Dependency) string {
	scheme := map[platformv1alpha1.EndpointProtocol]string{
		platformv1alpha1.ProtocolHTTP: "http",
		platformv1alpha1.ProtocolGRPC: "grpc",
		platformv1alpha1.ProtocolTCP:  "tcp",
	}[d.Protocol]
	if scheme == "" {
		scheme = "http"
	}
	url := scheme + "://" + d.Component + "." + cellNamespace + ".svc.cluster.local:" + itoa(d.Port)
	if d.Protocol == platformv1alpha1.ProtocolHTTP && d.Path != "" && d.Path != "/" {
		url += d.Path
	}
	return url
}
