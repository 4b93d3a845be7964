package resolve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
)

// Pinned is what a Release pins besides the component's spec: the specs
// of its ComponentType and Traits as they are now, without their grants
// (who may use a type is not what it renders).
type Pinned struct {
	Type   *platformv1alpha1.ComponentTypeSpec
	Traits []platformv1alpha1.TraitSnapshot
}

// Refusal is a type or trait the component may not use as it is (not
// granted, or refusing its parameters), with the condition reason to
// report.
type Refusal struct{ Reason, Message string }

func (r *Refusal) Error() string { return r.Message }

// Types resolves the ComponentType and Traits of a component of
// organization, checks that they compile (as their own Ready condition
// says, without waiting for it) and checks its parameters and each
// instance's against their schemas. A type or trait that does not exist
// is a *Problem; one not granted, not compiling or refusing the
// parameters a *Refusal.
func Types(ctx context.Context, c client.Reader, organization string, spec platformv1alpha1.ComponentSpec) (*Pinned, error) {
	return types(ctx, c, organization, spec, true)
}

// TypesOffline resolves as Types does, for a render outside the hub: a
// built-in type the reader does not hold is the one Aileron creates.
func TypesOffline(ctx context.Context, c client.Reader, organization string, spec platformv1alpha1.ComponentSpec) (*Pinned, error) {
	return types(ctx, c, organization, spec, false)
}

func types(ctx context.Context, c client.Reader, organization string, spec platformv1alpha1.ComponentSpec, online bool) (*Pinned, error) {
	ct := &platformv1alpha1.ComponentType{}
	name := spec.Type.ObjectName()
	if err := get(ctx, c, name, "ComponentType", "spec.type", ct); err != nil {
		builtin := render.BuiltinTypes()[name]
		var problem *Problem
		if online || builtin == nil || !errors.As(err, &problem) {
			return nil, err
		}
		ct.Name, ct.Spec = name, *builtin
	} else if err := granted(ct, organization, "ComponentType", "spec.type"); err != nil {
		return nil, err
	}
	pinned := &Pinned{Type: canonical(&ct.Spec)}
	pinned.Type.Organizations = nil
	rt := render.TypeOf(ct.Name, pinned.Type)
	if err := rt.Check(); err != nil {
		return nil, &Refusal{platformv1alpha1.ReasonDependencyNotReady, fmt.Sprintf("spec.type: ComponentType %s does not compile: %v", ct.Name, err)}
	}
	if _, err := rt.Parameters(spec.Parameters); err != nil {
		return nil, &Refusal{platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf("spec.%v", err)}
	}
	seen := map[string]bool{}
	for i, inst := range spec.Traits {
		field := fmt.Sprintf("spec.traits[%d]", i)
		tr := &platformv1alpha1.Trait{}
		if err := get(ctx, c, inst.Name, "Trait", field+".name", tr); err != nil {
			return nil, err
		}
		if err := granted(tr, organization, "Trait", field+".name"); err != nil {
			return nil, err
		}
		ts := canonical(&tr.Spec)
		ts.Organizations = nil
		rt := render.TraitOf(tr.Name, ts)
		if err := rt.Check(); err != nil {
			return nil, &Refusal{platformv1alpha1.ReasonDependencyNotReady, fmt.Sprintf("%s: Trait %s does not compile: %v", field, tr.Name, err)}
		}
		if _, err := rt.Parameters(inst.Parameters); err != nil {
			return nil, &Refusal{platformv1alpha1.ReasonInvalidSpec, fmt.Sprintf("%s (instance %s): %v", field, inst.InstanceName, err)}
		}
		if !seen[tr.Name] {
			seen[tr.Name] = true
			pinned.Traits = append(pinned.Traits, platformv1alpha1.TraitSnapshot{Name: tr.Name, Spec: *ts})
		}
	}
	return pinned, nil
}

func get(ctx context.Context, c client.Reader, name, kind, field string, obj client.Object) error {
	if err := c.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return &Problem{fmt.Sprintf("%s: %s %s does not exist (kubectl get %ss lists those the platform offers)",
				field, kind, name, map[string]string{"ComponentType": "componenttype", "Trait": "trait"}[kind])}
		}
		return err
	}
	return nil
}

// grantable is a ComponentType or a Trait.
type grantable interface {
	GetName() string
	Grants(organization string) bool
}

func granted(obj grantable, organization, kind, field string) error {
	if !obj.Grants(organization) {
		return &Refusal{platformv1alpha1.ReasonNotAllowed, fmt.Sprintf("%s: %s %s is not granted to organization %s (its spec.organizations): ask the platform team, or use another",
			field, kind, obj.GetName(), organization)}
	}
	return nil
}

// PinBuiltin is what a release of a component of the built-in type name
// pins while the hub's ComponentType name is the one Aileron created.
func PinBuiltin(name string) Pinned {
	spec := render.BuiltinTypes()[platformv1alpha1.ComponentTypeName(name).ObjectName()]
	if spec == nil {
		return Pinned{}
	}
	return Pinned{Type: canonical(spec)}
}

// canonical is spec with its templates' JSON in one form
// (keys sorted, compact) whichever client or server wrote them, so that the
// same content always pins the same bytes and names the same release.
func canonical[T any](spec *T) *T {
	b, err := json.Marshal(spec)
	if err != nil {
		panic(err) // API types always marshal
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		panic(err)
	}
	if b, err = json.Marshal(generic); err != nil {
		panic(err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}
