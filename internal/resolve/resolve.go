// Package resolve resolves what objects refer to on the hub: a
// Component's dependencies' endpoints, checked against their visibility,
// and an Environment's data planes (Planes).
package resolve

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
)

// Problem is a reference that cannot be resolved; its message says what to
// change. It is not an error of the controller: retrying will not help
// until someone changes something.
type Problem struct{ Message string }

func (p *Problem) Error() string { return p.Message }

// Dependencies resolves the dependencies of a component of project in the
// organization namespace ns. A dependency that does not resolve is a
// *Problem naming it.
func Dependencies(ctx context.Context, c client.Reader, ns, project string, spec platformv1alpha1.ComponentSpec) ([]render.Dependency, error) {
	out := make([]render.Dependency, 0, len(spec.Dependencies))
	for _, d := range spec.Dependencies {
		calleeProject := d.Project
		if calleeProject == "" {
			calleeProject = project
		}
		what := fmt.Sprintf("dependency on %s/%s (project %s)", d.Component, d.Endpoint, calleeProject)
		callee := &platformv1alpha1.Component{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Component}, callee); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, &Problem{fmt.Sprintf("%s: component %s does not exist in organization %s", what, d.Component, ns)}
			}
			return nil, err
		}
		if callee.Spec.ProjectRef.Name != calleeProject {
			return nil, &Problem{fmt.Sprintf("%s: component %s belongs to project %s; set the dependency's project to it",
				what, d.Component, callee.Spec.ProjectRef.Name)}
		}
		var ep *platformv1alpha1.Endpoint
		var names []string
		for i := range callee.Spec.Endpoints {
			names = append(names, callee.Spec.Endpoints[i].Name)
			if callee.Spec.Endpoints[i].Name == d.Endpoint {
				ep = &callee.Spec.Endpoints[i]
			}
		}
		if ep == nil {
			return nil, &Problem{fmt.Sprintf("%s: component %s has no endpoint %s (its endpoints: %s)",
				what, d.Component, d.Endpoint, orNone(names))}
		}
		if calleeProject != project && ep.Visibility == platformv1alpha1.VisibilityProject {
			return nil, &Problem{fmt.Sprintf("%s: the endpoint is visible to project %s only; its visibility must be Organization or Public to be called from project %s",
				what, calleeProject, project)}
		}
		out = append(out, render.Dependency{
			EnvVar: render.DependencyEnvVar(d), Project: calleeProject, Component: d.Component,
			Endpoint: ep.Name, Port: ep.Port, Protocol: ep.Protocol, Path: ep.Path,
		})
	}
	return out, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Secrets reads the SecretReferences of the organization namespace ns that
// spec, with overrides applied, takes keys from. One that does not exist
// is a *Problem naming it.
func Secrets(ctx context.Context, c client.Reader, ns string, spec platformv1alpha1.ComponentSpec,
	overrides *platformv1alpha1.BindingOverrides) (map[string]platformv1alpha1.SecretReferenceSpec, error) {
	refs := render.SecretRefNames(spec, overrides)
	if len(refs) == 0 {
		return nil, nil
	}
	out := make(map[string]platformv1alpha1.SecretReferenceSpec, len(refs))
	for _, name := range refs {
		ref := &platformv1alpha1.SecretReference{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, ref); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, &Problem{fmt.Sprintf("SecretReference %s does not exist in organization %s: an organization admin creates it, or the component reads another (secretRef.name)", name, ns)}
			}
			return nil, err
		}
		out[name] = ref.Spec
	}
	return out, nil
}
