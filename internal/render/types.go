package render

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/templates"
)

// Type is how a kind of component is rendered: a ComponentType's spec
// (as a Release pinned it) under its name. Revision identifies the
// content (TypeOf computes it), so a compiled program is reused by every
// component of the same content and never by another.
type Type struct {
	Name     string
	Revision string
	Spec     platformv1alpha1.ComponentTypeSpec
}

// TypeOf is the type name with spec, its revision the hash of its content.
func TypeOf(name string, spec *platformv1alpha1.ComponentTypeSpec) *Type {
	return &Type{Name: name, Revision: contentHash(spec), Spec: *spec}
}

// contentHash is the hex SHA-256 of v's JSON.
func contentHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// API types always marshal; a hash of nothing would merge
		// distinct contents, so fail loudly instead.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Variables are the names a type's templates may use:
//
//   - component: name, spec (the Component's spec as written) and
//     parameters; parameters: the same parameters, checked against the
//     type's schema with its defaults applied;
//   - metadata: name, namespace and labels every object of the component
//     carries; selector: the labels that select its pods;
//   - replicas: the pods it asks for (the minimum with autoscaling);
//     active: false while the binding is suspended; autoscaling: null, or
//     minReplicas, maxReplicas and targetCPUUtilizationPercentage (0 when
//     unset);
//   - endpoints: name, port, protocol, visibility and path of each;
//     host: the component's public host on the plane ("" when the plane
//     has none);
//   - release, environment: name; cell: namespace and labels; plane:
//     name, and gateway (name, namespace);
//   - dependencies: envVar, project, component, endpoint, port, protocol,
//     path and url of each, sorted by envVar;
//   - probes: readiness, liveness and startup, the main container's
//     probes as Kubernetes objects (null when it has none).
var Variables = []string{"component", "parameters", "metadata", "selector", "replicas", "active", "autoscaling",
	"endpoints", "host", "release", "environment", "cell", "plane", "dependencies", "probes"}

//go:embed componenttypes/*.yaml
var builtinFiles embed.FS

// builtins are the specs of the four types Aileron ships, by object name.
var builtins = func() map[string]*platformv1alpha1.ComponentTypeSpec {
	load := func(file string) platformv1alpha1.ComponentTypeSpec {
		b, err := builtinFiles.ReadFile("componenttypes/" + file)
		if err != nil {
			panic(err)
		}
		var t platformv1alpha1.ComponentTypeSpec
		if err := yaml.Unmarshal(b, &t); err != nil {
			panic(fmt.Sprintf("%s: %v", file, err))
		}
		return t
	}
	deployment, cronjob, endpoints := load("deployment.yaml"), load("cronjob.yaml"), load("endpoints.yaml")
	out := map[string]*platformv1alpha1.ComponentTypeSpec{}
	for name, workload := range map[platformv1alpha1.ComponentTypeName]platformv1alpha1.ComponentTypeSpec{
		platformv1alpha1.ComponentService:        deployment,
		platformv1alpha1.ComponentWebApplication: deployment,
		platformv1alpha1.ComponentWorker:         deployment,
		platformv1alpha1.ComponentScheduledTask:  cronjob,
	} {
		out[name.ObjectName()] = &platformv1alpha1.ComponentTypeSpec{
			Workload:  workload.Workload,
			Resources: append(append([]platformv1alpha1.TemplateResource{}, workload.Resources...), endpoints.Resources...),
		}
	}
	return out
}()

// BuiltinTypes returns the built-in types' specs by object name (copies:
// the caller may change them).
func BuiltinTypes() map[string]*platformv1alpha1.ComponentTypeSpec {
	out := make(map[string]*platformv1alpha1.ComponentTypeSpec, len(builtins))
	for name, spec := range builtins {
		out[name] = spec.DeepCopy()
	}
	return out
}

// builtinTypes are the built-in types, compiled once.
var builtinTypes = func() map[string]*Type {
	out := map[string]*Type{}
	for name, spec := range builtins {
		out[name] = TypeOf(name, spec)
	}
	return out
}()

// Builtin returns the built-in type a Component's spec.type names, or nil.
func Builtin(name string) *Type {
	return builtinTypes[platformv1alpha1.ComponentTypeName(name).ObjectName()]
}

// programs keeps the compiled templates of every type by generation.
var programs templates.Cache[*templates.Program]

// program compiles t's templates (once per generation).
func (t *Type) program() (*templates.Program, error) {
	return programs.Get(t.Revision, func() (*templates.Program, error) {
		return templates.Compile(engineResources(t.Spec.Resources), templates.Options{Variables: Variables, Field: "spec.resources"})
	})
}

// podTemplatePath is the workload's pod template path as map keys.
func (t *Type) podTemplatePath() []string { return strings.Split(t.Spec.Workload.PodTemplatePath, ".") }
