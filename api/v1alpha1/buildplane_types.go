package v1alpha1

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageRegistry is where a build plane pushes the images it builds.
type ImageRegistry struct {
	// prefix of every image the plane pushes, as host[:port]/path; the image
	// is <prefix>/<organization>/<component>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$`
	Prefix string `json:"prefix"`

	// pushSecretName names the docker-config Secret, in the BuildPlane's
	// namespace on the build plane, that grants push access. Aileron copies
	// it into each organization's build namespace, where only the push
	// step (Aileron's pinned crane image) mounts it.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PushSecretName string `json:"pushSecretName,omitempty"`
}

// BuildPlaneSpec describes a cluster that builds images.
type BuildPlaneSpec struct {
	PlaneConnection `json:",inline"`

	// registry receives the images built on this plane.
	// +required
	Registry ImageRegistry `json:"registry"`

	// namespace on the build plane that the platform keeps the push
	// Secret in. Each organization's builds run in a namespace of its own,
	// <namespace>--<organization>, which Aileron creates.
	// +optional
	// +kubebuilder:default=aileron-builds
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// defaultBuilder is the Cloud Native Buildpacks builder image of
	// components that name none (spec.build.builder). Pin it to a tag or
	// digest your platform has tested.
	// +optional
	// +kubebuilder:default="docker.io/paketobuildpacks/builder-jammy-base:latest"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[!-~]+$`
	DefaultBuilder string `json:"defaultBuilder,omitempty"`

	// allowedBuilders are the Buildpacks builder images components may
	// name in spec.build.builder, besides defaultBuilder (always allowed).
	// An entry is an exact image reference, or, ending in "/" or ":", a
	// prefix: "docker.io/paketobuildpacks/" allows every image under that
	// path, "docker.io/heroku/builder:" every tag of that image. Empty
	// allows defaultBuilder only. A component naming any other builder is
	// not built.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:Pattern=`^[!-~]+$`
	AllowedBuilders []string `json:"allowedBuilders,omitempty"`

	// runImage is the base image of Buildpacks builds, the run image the
	// lifecycle exports onto. It is fetched (without credentials) by
	// Aileron's own step before the build, since the build itself has no
	// registry access; pin it to the run image of your builders.
	// +optional
	// +kubebuilder:default="docker.io/paketobuildpacks/run-jammy-base:latest"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[!-~]+$`
	RunImage string `json:"runImage,omitempty"`

	// serviceAccountName is the service account Argo Workflows' executor
	// reports step results (workflowtaskresults) with, in each
	// organization's build namespace, where Aileron creates it with a Role
	// allowing just that. No step's own container gets its token.
	// +optional
	// +kubebuilder:default=aileron-build
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// organizations granted this plane: only their components build on
	// it. Empty grants it to every organization.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=30
	Organizations []string `json:"organizations,omitempty"`

	// observabilityPlaneRef names the ObservabilityPlane build logs go to.
	// +optional
	ObservabilityPlaneRef *LocalObjectReference `json:"observabilityPlaneRef,omitempty"`
}

// Grants tells whether the plane may build organization's components.
func (bp *BuildPlane) Grants(organization string) bool {
	return grants(bp.Spec.Organizations, organization)
}

// Allows tells whether components may build with builder: the default
// builder, or one allowedBuilders names exactly or by a prefix ending in
// "/" or ":".
func (bp *BuildPlane) Allows(builder string) bool {
	if builder == "" || builder == bp.Spec.DefaultBuilder {
		return true
	}
	for _, a := range bp.Spec.AllowedBuilders {
		if builder == a {
			return true
		}
		if (strings.HasSuffix(a, "/") || strings.HasSuffix(a, ":")) && strings.HasPrefix(builder, a) {
			return true
		}
	}
	return false
}

// BuildPlaneStatus is the observed state of a BuildPlane.
type BuildPlaneStatus struct {
	PlaneStatus `json:",inline"`
}

// BuildPlane is a Kubernetes cluster that runs image builds (Argo Workflows
// with Cloud Native Buildpacks) for Components that have a build source.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=bp,categories=aileron
// +kubebuilder:printcolumn:name="Registry",type=string,JSONPath=`.spec.registry.prefix`
// +kubebuilder:printcolumn:name="Reachable",type=string,JSONPath=`.status.conditions[?(@.type=="Reachable")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40 && !self.metadata.name.contains('--')",message="build plane names must be lowercase DNS labels of at most 40 characters without \"--\": they are part of the names of Argo CD Applications and Sveltos clusters, joined with \"--\""
type BuildPlane struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the build plane.
	// +required
	Spec BuildPlaneSpec `json:"spec"`

	// status is the observed state of the build plane.
	// +optional
	Status BuildPlaneStatus `json:"status,omitempty"`
}

// BuildPlaneList is a list of BuildPlanes.
//
// +kubebuilder:object:root=true
type BuildPlaneList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BuildPlane `json:"items"`
}

func init() {
	register(&BuildPlane{}, &BuildPlaneList{})
}
