package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// WorkloadKind is a kind that carries a type's pods.
// +kubebuilder:validation:Enum=Deployment;StatefulSet;CronJob;Job
type WorkloadKind string

// TypeWorkload says which object of a type carries its pods and where its
// pod template lives: Aileron puts its own pod template there (containers,
// hardening, requests and limits, configuration, dependency URLs, labels)
// whatever the templates wrote, so every type runs pods Aileron vouches
// for.
type TypeWorkload struct {
	// apiVersion of the workload (apps/v1 or batch/v1).
	// +required
	// +kubebuilder:validation:Enum=apps/v1;batch/v1
	APIVersion string `json:"apiVersion"`

	// kind of the workload. The type's templates must render exactly one
	// object of this kind named after the component.
	// +required
	Kind WorkloadKind `json:"kind"`

	// podTemplatePath is the pod template's field path, dot-separated:
	// spec.template (Deployment, StatefulSet, Job) or
	// spec.jobTemplate.spec.template (CronJob).
	// +required
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[a-zA-Z]+(\.[a-zA-Z]+)*$`
	PodTemplatePath string `json:"podTemplatePath"`
}

// TemplateResource is one object template: a Kubernetes object whose
// string values may hold ${…} CEL expressions.
type TemplateResource struct {
	// template is the object, with ${…} expressions. A value that is a
	// single expression takes the expression's type (a map, a list, a
	// number); an expression inside a longer string is turned into text.
	// +required
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Template runtime.RawExtension `json:"template"`

	// includeWhen is a CEL expression: the object is rendered only when it
	// is true.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	IncludeWhen string `json:"includeWhen,omitempty"`

	// forEach is a CEL expression giving a list: the template is rendered
	// once per element, which it reads as item.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	ForEach string `json:"forEach,omitempty"`
}

// GrantableKind is a kind that Aileron refuses in templates unless the
// type or trait lists it in allowedKinds. Only namespaced kinds can be
// granted: whatever is granted still lands in the component's cell.
// +kubebuilder:validation:Enum=Role;RoleBinding;NetworkPolicy;ResourceQuota;LimitRange
type GrantableKind string

// ComponentTypeSpec is how a kind of component is rendered.
type ComponentTypeSpec struct {
	// organizations granted the type: only their components may use it.
	// Empty grants it to every organization.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=30
	Organizations []string `json:"organizations,omitempty"`

	// workload is the object that carries the type's pods.
	// +required
	Workload TypeWorkload `json:"workload"`

	// parameters is an OpenAPI v3 schema (structural, as a
	// CustomResourceDefinition's, with defaults and
	// x-kubernetes-validations) of what a developer may set in a
	// Component's spec.parameters. Templates read the result, defaults
	// applied, as parameters. A Component sets no parameters when empty.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters,omitempty"`

	// environmentParameters names the top-level parameters that may differ
	// per environment.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=128
	EnvironmentParameters []string `json:"environmentParameters,omitempty"`

	// allowedKinds lifts Aileron's refusal of these kinds in the type's
	// templates (and in the traits applied to its components). RBAC and
	// NetworkPolicies change who may do what in the cell: grant them only
	// to types the platform team trusts.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	AllowedKinds []GrantableKind `json:"allowedKinds,omitempty"`

	// resources are the templates of the type's objects: its workload and
	// whatever serves, scales or stores it. Aileron adds the component's
	// ServiceAccount, ConfigMaps and NetworkPolicy itself.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	Resources []TemplateResource `json:"resources"`
}

// PatchTarget selects rendered objects by kind, and optionally by
// apiVersion, name and a CEL expression over object.
type PatchTarget struct {
	// apiVersion of the objects patched; any when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	APIVersion string `json:"apiVersion,omitempty"`

	// kind of the objects patched.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Kind string `json:"kind"`

	// name of the object patched; any when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name,omitempty"`

	// where is a CEL expression over object (and the trait's variables):
	// only objects for which it is true are patched.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Where string `json:"where,omitempty"`
}

// JSONPatchOperation is one RFC 6902 operation; its value may hold ${…}
// expressions.
type JSONPatchOperation struct {
	// op is the operation.
	// +required
	// +kubebuilder:validation:Enum=add;remove;replace;move;copy;test
	Op string `json:"op"`

	// path is the JSON pointer the operation applies to.
	// +required
	// +kubebuilder:validation:MaxLength=1024
	Path string `json:"path"`

	// from is the source pointer of move and copy.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	From string `json:"from,omitempty"`

	// value of add, replace and test.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Schemaless
	Value *runtime.RawExtension `json:"value,omitempty"`
}

// TraitPatch changes the rendered objects its target selects, by a merge
// patch or a JSON patch.
//
// +kubebuilder:validation:XValidation:rule="has(self.merge) != has(self.json)",message="set exactly one of merge and json"
type TraitPatch struct {
	// target selects the objects patched.
	// +required
	Target PatchTarget `json:"target"`

	// merge is an RFC 7386 merge patch, with ${…} expressions.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Merge *runtime.RawExtension `json:"merge,omitempty"`

	// json is an RFC 6902 JSON patch.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	JSON []JSONPatchOperation `json:"json,omitempty"`
}

// TraitSpec is a reusable addition to components of any type.
//
// +kubebuilder:validation:XValidation:rule="(has(self.creates) && size(self.creates) > 0) || (has(self.patches) && size(self.patches) > 0)",message="a trait creates or patches something: set creates, patches or both"
type TraitSpec struct {
	// organizations granted the trait, as a ComponentType's.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=30
	Organizations []string `json:"organizations,omitempty"`

	// parameters is the OpenAPI v3 schema of an instance's parameters;
	// templates read them as trait.parameters.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Parameters *runtime.RawExtension `json:"parameters,omitempty"`

	// environmentParameters names the top-level parameters that may differ
	// per environment.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=128
	EnvironmentParameters []string `json:"environmentParameters,omitempty"`

	// allowedKinds lifts Aileron's refusal of these kinds in what the
	// trait creates. The component's type must grant them too.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	AllowedKinds []GrantableKind `json:"allowedKinds,omitempty"`

	// creates are templates of objects the trait adds beside the type's.
	// Templates see the type's variables and trait (name, instanceName,
	// parameters).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Creates []TemplateResource `json:"creates,omitempty"`

	// patches change what the type and earlier traits rendered. Their
	// expressions also see the object patched, as object.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Patches []TraitPatch `json:"patches,omitempty"`
}

// ComponentType is a kind of component the platform offers: how its
// workload and the objects around it are rendered from a Component. Aileron
// creates the built-in service, web-application, worker and scheduled-task
// (which Components name as Service, WebApplication, Worker and
// ScheduledTask) when absent and never changes them afterwards.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ctype,categories=aileron
// +kubebuilder:printcolumn:name="Workload",type=string,JSONPath=`.spec.workload.kind`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="ComponentType names are lowercase DNS labels starting with a letter (at most 63 characters): Components name them in spec.type, as stateful-service or StatefulService"
type ComponentType struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is how the type renders.
	// +required
	Spec ComponentTypeSpec `json:"spec"`

	// status says whether the type's templates and schema compile.
	// +optional
	Status CommonStatus `json:"status,omitempty"`
}

// ComponentTypeList is a list of ComponentTypes.
//
// +kubebuilder:object:root=true
type ComponentTypeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ComponentType `json:"items"`
}

// Trait is a reusable addition to components: objects it creates and
// patches to what their type renders. A Component applies traits by name
// in spec.traits.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=aileron
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Trait struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the trait adds and patches.
	// +required
	Spec TraitSpec `json:"spec"`

	// status says whether the trait's templates and schema compile.
	// +optional
	Status CommonStatus `json:"status,omitempty"`
}

// TraitList is a list of Traits.
//
// +kubebuilder:object:root=true
type TraitList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Trait `json:"items"`
}

// Grants tells whether organization's components may use the type.
func (t *ComponentType) Grants(organization string) bool {
	return grants(t.Spec.Organizations, organization)
}

// Grants tells whether organization's components may apply the trait.
func (t *Trait) Grants(organization string) bool {
	return grants(t.Spec.Organizations, organization)
}

func init() {
	register(&ComponentType{}, &ComponentTypeList{}, &Trait{}, &TraitList{})
}
