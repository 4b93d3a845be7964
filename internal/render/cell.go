package render

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// DefaultDenyPolicy is the name of the cell's default-deny NetworkPolicy.
const DefaultDenyPolicy = "aileron-default-deny"

// Cell renders the objects every cell has, whatever runs in it: the
// namespace, enforcing Pod Security "restricted", and a NetworkPolicy that
// denies all ingress and all egress but DNS. Components open what they
// declare on top of it. An organization's resources add the cell's
// LimitRange and ResourceQuota.
func Cell(organization, project, environment string, res *platformv1alpha1.OrganizationResources) (Objects, error) {
	name := CellNamespace(organization, project, environment)
	labels := cellLabels(organization, project, environment)
	nsLabels := cellLabels(organization, project, environment)
	for _, mode := range []string{"enforce", "audit", "warn"} {
		nsLabels["pod-security.kubernetes.io/"+mode] = "restricted"
		nsLabels["pod-security.kubernetes.io/"+mode+"-version"] = "latest"
	}
	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: nsLabels},
	}
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	dns := intstr.FromInt32(53)
	deny := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: DefaultDenyPolicy, Namespace: name, Labels: labels},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "kube-system"}},
				}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}, {Protocol: &tcp, Port: &dns}},
			}},
		},
	}
	objs := []runtime.Object{ns, deny}
	if lr := cellLimitRange(name, labels, res); lr != nil {
		objs = append(objs, lr)
	}
	if q := cellQuota(name, labels, res); q != nil {
		objs = append(objs, q)
	}
	return convert(objs...)
}

// OwnsNamespace tells whether a namespace found on a plane with these
// labels is the cell's, so that Aileron may write into it or delete it: it
// must carry Aileron's mark and exactly this cell's organization, project
// and environment, and be named for them. Otherwise the error says whose
// it is, for the binding's
// status. A namespace another cell or somebody else created at the cell's
// name is never taken over.
func OwnsNamespace(namespace string, labels map[string]string, organization, project, environment string) error {
	want := cellLabels(organization, project, environment)
	owned := namespace == CellNamespace(organization, project, environment)
	for k, v := range want {
		if labels[k] != v {
			owned = false
		}
	}
	if owned {
		return nil
	}
	whose := "it was not created by Aileron"
	if labels[platformv1alpha1.LabelManagedBy] == platformv1alpha1.ManagedByValue {
		whose = fmt.Sprintf("it is labelled for organization %q, project %q, environment %q",
			labels[platformv1alpha1.LabelOrganization], labels[platformv1alpha1.LabelProject], labels[platformv1alpha1.LabelEnvironment])
	}
	return &NamespaceConflictError{Message: fmt.Sprintf(
		"namespace %s on the plane is not Aileron's cell %s/%s/%s (%s): Aileron writes nothing into it and never deletes it; remove it, or label it as the cell's, to let the cell be delivered",
		namespace, organization, project, environment, whose)}
}

// NamespaceConflictError is a cell whose namespace on a plane belongs to
// somebody else.
type NamespaceConflictError struct{ Message string }

func (e *NamespaceConflictError) Error() string { return e.Message }
