package render

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// FenceName names the data plane's admission policy (and its binding)
// that keeps each object of a cell to the component it was made for.
const FenceName = "aileron-component-fence"

// Fence renders the admission policy every data plane runs before any cell
// is delivered to it: in a cell's namespace, an update may not
// change the component an object is labelled for (no label counts as a
// label of its own). Two components of a cell whose types or traits render
// the same name (db's ${component.name}-pods and a component named
// db-pods) can then never take each other's objects, nor a component the
// cell's own: the second apply is refused by the plane's API server, and
// its binding says so. The plane enforces it whoever writes, Aileron's
// direct delivery and Argo CD alike.
func Fence() (Objects, error) {
	component := "'" + platformv1alpha1.LabelComponent + "'"
	fail := admissionregistrationv1.Deny
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: FenceName, Labels: map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: new(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{
				// Cells only: a hub that is also a data plane has namespaces
				// Aileron manages too (an organization's), where the
				// manager labels what users created unlabelled.
				NamespaceSelector: &metav1.LabelSelector{
					MatchLabels: map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue},
					MatchExpressions: []metav1.LabelSelectorRequirement{
						{Key: platformv1alpha1.LabelProject, Operator: metav1.LabelSelectorOpExists},
						{Key: platformv1alpha1.LabelEnvironment, Operator: metav1.LabelSelectorOpExists},
					},
				},
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{
						APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"},
						Scope: new(admissionregistrationv1.NamespacedScope),
					},
				}}},
			},
			Validations: []admissionregistrationv1.Validation{{
				Expression: "oldObject.metadata.?labels[?" + component + "].orValue('') == object.metadata.?labels[?" + component + "].orValue('')",
				MessageExpression: "'this ' + object.kind + ' belongs to ' + (oldObject.metadata.?labels[?" + component + "].orValue('') == '' ? 'the cell' : 'component ' + oldObject.metadata.labels[" + component + "]) + " +
					"': another component of the cell renders an object of the same kind and name; rename one of them (a type or trait names its objects after ${component.name})'",
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: FenceName, Labels: map[string]string{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        FenceName,
			ValidationActions: []admissionregistrationv1.ValidationAction{fail},
		},
	}
	return convert(policy, binding)
}
