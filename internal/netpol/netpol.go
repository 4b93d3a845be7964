// Package netpol evaluates Kubernetes NetworkPolicies the way a conforming
// network plugin enforces them, for tests that must show which workloads
// may talk to which: a connection is allowed when the source's egress and
// the destination's ingress both allow it.
package netpol

import (
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Endpoint is one side of a connection: a pod's labels and its namespace's
// name and labels.
type Endpoint struct {
	Namespace       string
	NamespaceLabels map[string]string
	Labels          map[string]string
}

// Allowed tells whether from may open a TCP connection to port on to,
// under policies (of every namespace).
func Allowed(policies []networkingv1.NetworkPolicy, from, to Endpoint, port int32) bool {
	return EgressAllowed(policies, from, to, port) && IngressAllowed(policies, from, to, port)
}

// EgressAllowed tells whether from's own policies let it connect to port
// on to, whatever to's policies say: one half of a connection, so that a
// test can see a side opened wider than declared even where the other
// side still closes the path.
func EgressAllowed(policies []networkingv1.NetworkPolicy, from, to Endpoint, port int32) bool {
	return allows(policies, from, networkingv1.PolicyTypeEgress, to, port)
}

// IngressAllowed tells whether to's own policies admit a connection from
// from to port: the other half.
func IngressAllowed(policies []networkingv1.NetworkPolicy, from, to Endpoint, port int32) bool {
	return allows(policies, to, networkingv1.PolicyTypeIngress, from, port)
}

// allows checks direction for subject: isolated by some policy, it needs a
// rule admitting peer on port; not isolated, everything is allowed.
func allows(policies []networkingv1.NetworkPolicy, subject Endpoint, direction networkingv1.PolicyType, peer Endpoint, port int32) bool {
	isolated := false
	for i := range policies {
		p := &policies[i]
		if p.Namespace != subject.Namespace || !hasType(p, direction) || !matches(&p.Spec.PodSelector, subject.Labels) {
			continue
		}
		isolated = true
		if direction == networkingv1.PolicyTypeIngress {
			for _, r := range p.Spec.Ingress {
				if peersMatch(r.From, p.Namespace, peer) && portsMatch(r.Ports, port) {
					return true
				}
			}
		} else {
			for _, r := range p.Spec.Egress {
				if peersMatch(r.To, p.Namespace, peer) && portsMatch(r.Ports, port) {
					return true
				}
			}
		}
	}
	return !isolated
}

// hasType applies the API's defaulting: without policyTypes, a policy is
// an ingress policy, and an egress one too when it has egress rules.
func hasType(p *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		return t == networkingv1.PolicyTypeIngress || len(p.Spec.Egress) > 0
	}
	for _, pt := range p.Spec.PolicyTypes {
		if pt == t {
			return true
		}
	}
	return false
}

func peersMatch(peers []networkingv1.NetworkPolicyPeer, policyNamespace string, e Endpoint) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			continue
		case p.NamespaceSelector == nil && p.PodSelector != nil:
			if e.Namespace == policyNamespace && matches(p.PodSelector, e.Labels) {
				return true
			}
		case p.NamespaceSelector != nil:
			if matches(p.NamespaceSelector, e.NamespaceLabels) && (p.PodSelector == nil || matches(p.PodSelector, e.Labels)) {
				return true
			}
		}
	}
	return false
}

func portsMatch(ports []networkingv1.NetworkPolicyPort, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != nil && *p.Protocol != "TCP" {
			continue
		}
		if p.Port == nil {
			return true
		}
		if p.Port.Type == intstr.Int {
			end := p.Port.IntVal
			if p.EndPort != nil {
				end = *p.EndPort
			}
			if port >= p.Port.IntVal && port <= end {
				return true
			}
		}
	}
	return false
}

func matches(s *metav1.LabelSelector, l map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(l))
}
