// Package render turns a Component's Release, bound to an Environment, into
// the Kubernetes objects that run it on one data plane. It is pure: no
// client, no clock, no randomness. The same input always gives the same
// objects, byte for byte, so delivery writes only when something changed
// and both delivery backends (direct and GitOps) deliver the same thing.
package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// FieldManager is the server-side apply field manager of everything Aileron
// delivers directly.
const FieldManager = "aileron"

// Plane is what rendering needs of a DataPlane.
type Plane struct {
	Name             string
	PublicHost       string
	OrganizationHost string
	GatewayName      string
	GatewayNamespace string
	// SecretStore is the ClusterSecretStore the plane offers, if any.
	SecretStore string
}

// PlaneOf extracts the rendering view of a DataPlane.
func PlaneOf(dp *platformv1alpha1.DataPlane) Plane {
	gw := dp.Spec.Gateway
	p := Plane{Name: dp.Name, PublicHost: gw.PublicHost, OrganizationHost: gw.OrganizationHost, GatewayName: gw.Name, GatewayNamespace: gw.Namespace}
	if p.GatewayName == "" {
		p.GatewayName = "aileron-gateway"
	}
	if p.GatewayNamespace == "" {
		p.GatewayNamespace = "aileron-gateway"
	}
	if dp.Spec.SecretStoreRef != nil {
		p.SecretStore = dp.Spec.SecretStoreRef.Name
	}
	return p
}

// Dependency is a resolved dependency: the callee's endpoint and where it
// runs.
type Dependency struct {
	// EnvVar receives the URL.
	EnvVar string
	// Project and Component of the callee.
	Project   string
	Component string
	// Endpoint of the callee, with its port, protocol and path.
	Endpoint string
	Port     int32
	Protocol platformv1alpha1.EndpointProtocol
	Path     string
}

// Input is everything one component's objects on one plane depend on.
type Input struct {
	Organization string
	Project      string
	Environment  string
	Plane        Plane
	Component    string
	Release      string
	Image        string
	Spec         platformv1alpha1.ComponentSpec
	State        platformv1alpha1.BindingState
	// Dependencies, resolved; rendering sorts them.
	Dependencies []Dependency
	// Type is the component's type as the release pinned it; nil renders
	// the built-in type Spec.Type names.
	Type *Type
	// Traits are the component's traits, in order, as the release pinned
	// them.
	Traits []TraitInstance
	// Overrides are the environment's configuration, applied over Spec and
	// Traits' parameters (Overridden) before anything renders.
	Overrides *platformv1alpha1.BindingOverrides
	// Resources are the organization's resource defaults and cell bounds.
	Resources *platformv1alpha1.OrganizationResources
	// Secrets are the organization's SecretReferences the component (with
	// its overrides) reads, by name (SecretRefNames).
	Secrets map[string]platformv1alpha1.SecretReferenceSpec
}

// Namespace is the input's cell namespace.
func (in Input) Namespace() string { return CellNamespace(in.Organization, in.Project, in.Environment) }

// labels are what every object of the component carries. The release is
// not among them: it goes only on the workload and its pods (releaseLabels),
// so that a release which changes one object rewrites that object and the
// workload, not everything the component has.
func (in Input) labels() map[string]string {
	l := cellLabels(in.Organization, in.Project, in.Environment)
	l[platformv1alpha1.LabelComponent] = in.Component
	return l
}

// releaseLabels are the workload's and its pods' labels: the component's
// and its release.
func (in Input) releaseLabels() map[string]string {
	l := in.labels()
	l[platformv1alpha1.LabelRelease] = in.Release
	return l
}

func (in Input) selector() map[string]string {
	return map[string]string{platformv1alpha1.LabelComponent: in.Component}
}

func cellLabels(org, project, env string) map[string]string {
	return map[string]string{
		platformv1alpha1.LabelOrganization: org,
		platformv1alpha1.LabelProject:      project,
		platformv1alpha1.LabelEnvironment:  env,
		platformv1alpha1.LabelManagedBy:    platformv1alpha1.ManagedByValue,
	}
}

// Objects is a rendered set of objects, in apply order.
type Objects []*unstructured.Unstructured

// kindOrder puts what others depend on first: namespaces, then identities
// and configuration, then workloads, then what routes to them.
var kindOrder = map[string]int{
	"Namespace": 0, "NetworkPolicy": 1, "LimitRange": 1, "ResourceQuota": 1, "ServiceAccount": 2, "ConfigMap": 3,
	"Secret": 3, "PersistentVolumeClaim": 3, "ExternalSecret": 3,
	"Service": 4, "Deployment": 5, "CronJob": 5, "StatefulSet": 5, "DaemonSet": 5, "Job": 5,
	"HorizontalPodAutoscaler": 6, "PodDisruptionBudget": 7, "HTTPRoute": 8,
}

// laterKinds is the place of a kind kindOrder does not list (a type's own
// kinds): after what Aileron knows, as such objects usually refer to it.
const laterKinds = 9

func kindRank(kind string) int {
	if r, ok := kindOrder[kind]; ok {
		return r
	}
	return laterKinds
}

func (o Objects) sort() {
	sort.SliceStable(o, func(i, j int) bool {
		ki, kj := kindRank(o[i].GetKind()), kindRank(o[j].GetKind())
		if ki != kj {
			return ki < kj
		}
		if o[i].GetKind() != o[j].GetKind() {
			return o[i].GetKind() < o[j].GetKind()
		}
		return o[i].GetName() < o[j].GetName()
	})
}

// YAML renders the objects as a multi-document YAML stream with sorted
// keys: the canonical bytes of a render. An object the YAML emitter
// refuses (it rejects some control characters a mounted file may hold) is
// written as JSON, which is YAML too.
func (o Objects) YAML() ([]byte, error) {
	var out []byte
	for i, obj := range o {
		b, err := yaml.Marshal(obj.Object)
		if err != nil {
			if b, err = json.MarshalIndent(obj.Object, "", "  "); err != nil {
				return nil, err
			}
			b = append(b, '\n')
		}
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, b...)
	}
	return out, nil
}

// Hash is a digest of the objects: equal hashes, equal renders. It hashes
// JSON (encoding/json sorts map keys, so the bytes are canonical) rather
// than the YAML above, which costs several times as much: delivery hashes
// every render to skip the ones already applied.
func (o Objects) Hash() (string, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, obj := range o {
		if err := enc.Encode(obj.Object); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

// toUnstructured converts a typed object, dropping the null and empty
// fields typed structs carry (creationTimestamp, status) so that what is
// applied is exactly what was meant.
func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	delete(m, "status")
	pruneNulls(m)
	return &unstructured.Unstructured{Object: m}, nil
}

func pruneNulls(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneNulls(t)
		case []any:
			for _, item := range t {
				if im, ok := item.(map[string]any); ok {
					pruneNulls(im)
				}
			}
		}
	}
}

// convert turns typed objects into a sorted Objects.
func convert(objs ...runtime.Object) (Objects, error) {
	out := make(Objects, 0, len(objs))
	for _, o := range objs {
		u, err := toUnstructured(o)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	out.sort()
	return out, nil
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// Rendered is what one binding puts on one plane: its cell, which every
// component of the project in the environment shares (its Namespace
// first), and the component's own objects.
type Rendered struct {
	Cell, Component Objects
}

// Binding renders in for its plane: the cell and the component. Direct
// delivery, GitOps delivery and `aileron render` all render through it.
func Binding(in Input) (Rendered, error) {
	cell, err := Cell(in.Organization, in.Project, in.Environment, in.Resources)
	if err != nil {
		return Rendered{}, err
	}
	objs, err := Component(in)
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{Cell: cell, Component: objs}, nil
}

// All is the cell followed by the component's objects.
func (r Rendered) All() Objects {
	return append(append(Objects{}, r.Cell...), r.Component...)
}
