// Package stack renders planes' infrastructure stacks, purely: a
// PlaneStack becomes Sveltos ClusterProfiles or Argo CD ApplicationSets
// that select planes by label, and a plane becomes the SveltosCluster and
// the labels those selectors match. Same inputs, same bytes: nothing here
// reads a cluster.
package stack

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/graph"
	"github.com/aileron-dev/aileron/internal/manifest"
	"github.com/aileron-dev/aileron/internal/names"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// LabelStack marks the objects rendered for a stack.
const LabelStack = "platform.aileron.dev/stack"

// Annotations carrying, on a plane's SveltosCluster and Argo CD cluster
// Secret, where the ObservabilityPlane it names receives logs and metrics:
// the delivery tools' templates read them from there.
const (
	AnnotationLogsURL    = "platform.aileron.dev/logs-url"
	AnnotationLogsHost   = "platform.aileron.dev/logs-host"
	AnnotationLogsPort   = "platform.aileron.dev/logs-port"
	AnnotationLogsPath   = "platform.aileron.dev/logs-path"
	AnnotationLogsTLS    = "platform.aileron.dev/logs-tls"
	AnnotationMetricsURL = "platform.aileron.dev/metrics-url"
)

// placeholders are what a stack item's values may hold, and the annotation
// each stands for. The host, port, path and TLS switch of the log endpoint
// are there for agents, like fluent-bit, that take them apart.
var placeholders = []struct{ text, annotation string }{
	{"${observability.logsURL}", AnnotationLogsURL},
	{"${observability.logsHost}", AnnotationLogsHost},
	{"${observability.logsPort}", AnnotationLogsPort},
	{"${observability.logsPath}", AnnotationLogsPath},
	{"${observability.logsTLS}", AnnotationLogsTLS},
	{"${observability.metricsURL}", AnnotationMetricsURL},
}

// Plane is what rendering needs of a plane.
type Plane struct {
	// Type is a platformv1alpha1.PlaneType* value.
	Type   string
	Name   string
	Labels map[string]string
	// LogsURL and MetricsURL are the ingest URLs of the plane's
	// ObservabilityPlane; empty when it names none.
	LogsURL, MetricsURL string
}

// ClusterName names a plane's SveltosCluster: plane names are unique per
// kind only, so the type comes first.
func ClusterName(planeType, plane string) string {
	return names.Join(planeType, plane)
}

// ParseClusterName is the inverse of ClusterName. Plane names are short
// enough (the API server admits at most 40 characters) that a cluster name
// is never shortened, so it always splits.
func ParseClusterName(name string) (planeType, plane string, ok bool) {
	parts, ok := names.Split(name)
	if !ok || len(parts) != 2 {
		return "", "", false
	}
	switch parts[0] {
	case platformv1alpha1.PlaneTypeData, platformv1alpha1.PlaneTypeBuild, platformv1alpha1.PlaneTypeObservability:
		return parts[0], parts[1], true
	}
	return "", "", false
}

// Labels are the labels stacks select a plane by: the plane's own, its
// type and name (which Aileron's keys override), and Aileron's mark.
func Labels(p Plane) map[string]string {
	out := make(map[string]string, len(p.Labels)+3)
	for k, v := range p.Labels {
		out[k] = v
	}
	out[platformv1alpha1.LabelPlaneType] = p.Type
	out[platformv1alpha1.LabelPlane] = p.Name
	out[platformv1alpha1.LabelManagedBy] = platformv1alpha1.ManagedByValue
	return out
}

// Annotations are the observability endpoints a plane's agents ship to.
// An ingest URL that does not parse is left out (the API admits only
// http(s) URLs).
func Annotations(p Plane) map[string]string {
	out := map[string]string{}
	if u, err := url.Parse(p.LogsURL); p.LogsURL != "" && err == nil && u.Host != "" {
		out[AnnotationLogsURL] = p.LogsURL
		out[AnnotationLogsHost] = u.Hostname()
		port, tls := u.Port(), "Off"
		if u.Scheme == "https" {
			tls = "On"
		}
		if port == "" {
			port = map[string]string{"On": "443", "Off": "80"}[tls]
		}
		out[AnnotationLogsPort], out[AnnotationLogsTLS] = port, tls
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		out[AnnotationLogsPath] = path
	}
	if p.MetricsURL != "" {
		out[AnnotationMetricsURL] = p.MetricsURL
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// SveltosCluster registers a plane with Sveltos, in namespace (the
// operator's), with its kubeconfig in KubeconfigSecret.
func SveltosCluster(namespace string, p Plane) *sveltos.SveltosCluster {
	name := ClusterName(p.Type, p.Name)
	return &sveltos.SveltosCluster{
		TypeMeta: metav1.TypeMeta{APIVersion: sveltos.LibGroupVersion.String(), Kind: "SveltosCluster"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name,
			Labels: Labels(p), Annotations: Annotations(p)},
		Spec: sveltos.SveltosClusterSpec{
			KubeconfigName:    name + sveltos.KubeconfigSecretSuffix,
			KubeconfigKeyName: platformv1alpha1.DefaultKubeconfigKey,
		},
	}
}

// KubeconfigSecret is the Secret Sveltos reads a plane's kubeconfig from,
// next to its SveltosCluster in the operator's namespace.
func KubeconfigSecret(namespace string, p Plane, kubeconfig []byte) *corev1.Secret {
	name := ClusterName(p.Type, p.Name)
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name + sveltos.KubeconfigSecretSuffix, Labels: map[string]string{
			platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue,
			platformv1alpha1.LabelPlaneType: p.Type,
			platformv1alpha1.LabelPlane:     p.Name,
		}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{platformv1alpha1.DefaultKubeconfigKey: kubeconfig},
	}
}

// Selector is the label selector of a stack's planes: its type, Aileron's
// mark (so that clusters registered by others are never selected), and its
// planeSelector.
func Selector(s *platformv1alpha1.PlaneStack) metav1.LabelSelector {
	sel := metav1.LabelSelector{MatchLabels: map[string]string{
		platformv1alpha1.LabelPlaneType: s.Spec.PlaneType,
		platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue,
	}}
	if ps := s.Spec.PlaneSelector; ps != nil {
		for k, v := range ps.MatchLabels {
			if k != platformv1alpha1.LabelPlaneType && k != platformv1alpha1.LabelManagedBy {
				sel.MatchLabels[k] = v
			}
		}
		sel.MatchExpressions = append(sel.MatchExpressions, ps.MatchExpressions...)
	}
	return sel
}

// Selects tells whether stack s applies to plane p.
func Selects(s *platformv1alpha1.PlaneStack, p Plane) (bool, error) {
	sel := Selector(s)
	ls, err := metav1.LabelSelectorAsSelector(&sel)
	if err != nil {
		return false, fmt.Errorf("spec.planeSelector: %w", err)
	}
	return ls.Matches(labels.Set(Labels(p))), nil
}

// Group is the set of a stack's items one Argo CD Application carries on
// every plane.
type Group struct {
	Name  string
	Items []platformv1alpha1.StackItem
}

// agentRoles are the roles each of the agent-based mode's Applications
// carries; every other item goes through the Sveltos agent.
var agentRoles = map[platformv1alpha1.StackItemRole]string{
	platformv1alpha1.RoleGateway:      "gateway",
	platformv1alpha1.RoleSveltosAgent: "sveltos-agent",
	platformv1alpha1.RoleMetricsAgent: "observability-agent",
	platformv1alpha1.RoleLogAgent:     "observability-agent",
}

// Split divides a stack between Argo CD Applications (groups, in the order
// they are listed) and Sveltos ClusterProfiles (the items left).
//
//   - Sveltos delivery: every item is a ClusterProfile, no Application.
//   - Argo CD, Agentless: one Application, "stack", with every item.
//   - Argo CD, Mixed: "stack" with everything but the observability agents,
//     and "observability-agent" with them.
//   - Argo CD, AgentBased: "gateway", "sveltos-agent" and
//     "observability-agent" run the agents; every other item is a
//     ClusterProfile, which the Sveltos agent deploys.
//
// A group with no item is left out, so a stack missing a role has fewer
// Applications; a stack with all of them has exactly 1, 2 or 3.
func Split(s *platformv1alpha1.PlaneStack) (groups []Group, profiles []platformv1alpha1.StackItem) {
	if s.Spec.Delivery != platformv1alpha1.StackDeliveryArgoCD {
		return nil, s.Spec.Items
	}
	byName := map[string]*Group{}
	var order []string
	add := func(group string, item platformv1alpha1.StackItem) {
		g, ok := byName[group]
		if !ok {
			g = &Group{Name: group}
			byName[group] = g
			order = append(order, group)
		}
		g.Items = append(g.Items, item)
	}
	for _, item := range s.Spec.Items {
		role := item.Role
		switch s.Spec.Mode {
		case platformv1alpha1.StackModeAgentBased:
			if group, ok := agentRoles[role]; ok {
				add(group, item)
			} else {
				profiles = append(profiles, item)
			}
		case platformv1alpha1.StackModeMixed:
			if role == platformv1alpha1.RoleMetricsAgent || role == platformv1alpha1.RoleLogAgent {
				add("observability-agent", item)
			} else {
				add("stack", item)
			}
		default:
			add("stack", item)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i] < order[j] })
	for _, name := range order {
		groups = append(groups, *byName[name])
	}
	return groups, profiles
}

// Cycle returns the items of a dependency cycle, in order, or nil.
// Dependencies on items the stack does not have are left out: the API
// refuses them.
func Cycle(items []platformv1alpha1.StackItem) []string {
	known := map[string]bool{}
	names := make([]string, 0, len(items))
	for _, it := range items {
		known[it.Name] = true
		names = append(names, it.Name)
	}
	next := map[string][]string{}
	for _, it := range items {
		for _, d := range it.DependsOn {
			if known[d] {
				next[it.Name] = append(next[it.Name], d)
			}
		}
	}
	sort.Strings(names)
	return graph.Cycle(names, next)
}

// CheckManifests returns an error naming the first item whose manifests
// are not a stream of Kubernetes objects (YAML that parses, each document
// with an apiVersion and a kind), or nil. The delivery tool would fail on
// them on every plane, later and out of the platform team's sight, so the
// stack is refused before anything is rendered, whether that tool is
// installed or not.
func CheckManifests(items []platformv1alpha1.StackItem) error {
	for i, it := range items {
		if it.Manifests == "" {
			continue
		}
		objs, err := manifest.Decode([]byte(it.Manifests))
		if err != nil {
			return fmt.Errorf("the manifests of item %s are not valid YAML (%w): fix spec.items[%d].manifests", it.Name, err, i)
		}
		if len(objs) == 0 {
			return fmt.Errorf("the manifests of item %s hold no object: fix spec.items[%d].manifests", it.Name, i)
		}
		for n, o := range objs {
			if o.GetAPIVersion() == "" || o.GetKind() == "" {
				return fmt.Errorf("document %d of the manifests of item %s is not a Kubernetes object: it needs an apiVersion and a kind; fix spec.items[%d].manifests", n+1, it.Name, i)
			}
		}
	}
	return nil
}

// ObjectLabels mark what is rendered for stack s.
func ObjectLabels(s *platformv1alpha1.PlaneStack) map[string]string {
	return map[string]string{
		platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue,
		LabelStack:                      s.Name,
		platformv1alpha1.LabelPlaneType: s.Spec.PlaneType,
	}
}

// values replaces the observability placeholders with expr(annotation),
// the delivery tool's own expression for a cluster annotation.
func values(v string, expr func(annotation string) string) string {
	pairs := make([]string, 0, 2*len(placeholders))
	for _, p := range placeholders {
		pairs = append(pairs, p.text, expr(p.annotation))
	}
	return strings.NewReplacer(pairs...).Replace(v)
}
