package render

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// maxLabel is the length limit of a DNS label, and so of a namespace name.
const maxLabel = 63

// DNSLabel joins parts with "-" into a DNS label. When the result is longer
// than 63 characters it is cut to 52 and suffixed with "-" and 10
// characters of the SHA-256 of the full name, so that it stays unique,
// stable and valid.
func DNSLabel(parts ...string) string {
	full := strings.Join(parts, "-")
	if len(full) <= maxLabel {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	return strings.TrimRight(full[:52], "-") + "-" + hex.EncodeToString(sum[:])[:10]
}

// CellNamespace is the namespace of a cell — an organization's project in
// one environment — on each of the environment's planes:
// <organization>-<project>-<environment>, shortened with a hash when it
// would exceed 63 characters.
func CellNamespace(organization, project, environment string) string {
	return DNSLabel(organization, project, environment)
}

// PublicHost is where a component's Public endpoints are served on a plane:
// <component>-<project>-<environment>.<publicHost>, the first label
// shortened like a namespace when needed. Empty when the plane has no
// public host.
func PublicHost(p Plane, project, environment, component string) string {
	if p.PublicHost == "" {
		return ""
	}
	return DNSLabel(component, project, environment) + "." + p.PublicHost
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
