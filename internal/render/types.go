package render

import (
	"embed"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/templates"
)

// Workload says which rendered object carries a type's pods, and where in
// it the pod template lives: Aileron puts its pod there (containers,
// hardening, resources, configuration, labels), whatever the template
// wrote, so that every type runs pods Aileron vouches for.
type Workload struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// PodTemplatePath is the pod template's field path, dot-separated
	// (spec.template; spec.jobTemplate.spec.template for a CronJob).
	PodTemplatePath string `json:"podTemplatePath"`
}

// Resource is one object template of a type, as it is written: the
// template an object with ${…} expressions.
type Resource struct {
	Template    map[string]any `json:"template"`
	IncludeWhen string         `json:"includeWhen,omitempty"`
	ForEach     string         `json:"forEach,omitempty"`
}

// Type is how a kind of component is rendered: its workload and the
// templates of its objects.
type Type struct {
	Name       string
	Generation int64
	Workload   Workload   `json:"workload"`
	Resources  []Resource `json:"resources"`
}

// Variables are the names a type's templates may use:
//
//   - component: name, and spec (the Component's spec as written);
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
//     path and url of each, sorted by envVar.
var Variables = []string{"component", "metadata", "selector", "replicas", "active", "autoscaling",
	"endpoints", "host", "release", "environment", "cell", "plane", "dependencies"}

//go:embed componenttypes/*.yaml
var builtinFiles embed.FS

// builtins are the four types Aileron ships, by name.
var builtins = func() map[string]*Type {
	load := func(file string) Type {
		b, err := builtinFiles.ReadFile("componenttypes/" + file)
		if err != nil {
			panic(err)
		}
		var t Type
		if err := yaml.Unmarshal(b, &t); err != nil {
			panic(fmt.Sprintf("%s: %v", file, err))
		}
		return t
	}
	deployment, cronjob, endpoints := load("deployment.yaml"), load("cronjob.yaml"), load("endpoints.yaml")
	out := map[string]*Type{}
	for name, workload := range map[platformv1alpha1.ComponentType]Type{
		platformv1alpha1.ComponentService:        deployment,
		platformv1alpha1.ComponentWebApplication: deployment,
		platformv1alpha1.ComponentWorker:         deployment,
		platformv1alpha1.ComponentScheduledTask:  cronjob,
	} {
		out[string(name)] = &Type{
			Name: string(name), Workload: workload.Workload,
			Resources: append(append([]Resource{}, workload.Resources...), endpoints.Resources...),
		}
	}
	return out
}()

// Builtin returns the built-in type name, or nil.
func Builtin(name string) *Type { return builtins[name] }

// programs keeps the compiled templates of every type by generation.
var programs templates.Cache[*templates.Program]

// program compiles t's templates (once per generation).
func (t *Type) program() (*templates.Program, error) {
	return programs.Get("ComponentType/"+t.Name, t.Generation, func() (*templates.Program, error) {
		rs, err := engineResources(t.Resources)
		if err != nil {
			return nil, err
		}
		return templates.Compile(rs, templates.Options{Variables: Variables, Field: "spec.resources"})
	})
}

// podTemplatePath is the workload's pod template path as map keys.
func (w Workload) podTemplatePath() []string { return strings.Split(w.PodTemplatePath, ".") }
