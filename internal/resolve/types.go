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
	"github.com/aileron-dev/aileron/internal/templates"
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
	typeSpec, rt := memoised(online, &typeMemo, ct, func() (*platformv1alpha1.ComponentTypeSpec, *render.Type) {
		s := Pin(&ct.Spec).Type
		return s, render.TypeOf(ct.Name, s)
	})
	pinned := &Pinned{Type: typeSpec}
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
		ts, rt := memoised(online, &traitMemo, tr, func() (*platformv1alpha1.TraitSpec, *render.Trait) {
			ts := pinTrait(&tr.Spec)
			return ts, render.TraitOf(tr.Name, ts)
		})
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
	return Pin(spec)
}

// Pin is what Types pins for a type with spec and the traits given (each
// once, in the order the component first names them), for tools that name
// releases without reading a hub.
func Pin(spec *platformv1alpha1.ComponentTypeSpec, traits ...platformv1alpha1.TraitSnapshot) Pinned {
	p := Pinned{Type: canonical(spec)}
	p.Type.Organizations = nil
	for _, t := range traits {
		p.Traits = append(p.Traits, platformv1alpha1.TraitSnapshot{Name: t.Name, Spec: *pinTrait(&t.Spec)})
	}
	return p
}

// pinTrait is a trait's spec as a release pins it: canonical, without its
// grants.
func pinTrait(spec *platformv1alpha1.TraitSpec) *platformv1alpha1.TraitSpec {
	ts := canonical(spec)
	ts.Organizations = nil
	return ts
}

// memo is a pinned spec in canonical form and its compiled form.
type memo[S, R any] struct {
	spec     S
	compiled R
}

// typeMemo and traitMemo keep each revision's canonical spec and compiled
// form, keyed by the object's UID and generation (on the hub, a new
// generation is a new spec): a component reconcile neither canonicalises
// nor hashes a type it has seen. Releases carry a copy of the spec, as
// creating one decodes the API server's answer into it. Offline, an
// object read from a file may keep the UID and generation of the one it
// was edited from, so nothing is memoised.
var (
	typeMemo  templates.Cache[memo[*platformv1alpha1.ComponentTypeSpec, *render.Type]]
	traitMemo templates.Cache[memo[*platformv1alpha1.TraitSpec, *render.Trait]]
)

func memoised[S interface{ DeepCopy() S }, R any](online bool, cache *templates.Cache[memo[S, R]], obj client.Object, build func() (S, R)) (S, R) {
	if !online || obj.GetUID() == "" {
		return build()
	}
	m, _ := cache.Get(fmt.Sprintf("%s/%d", obj.GetUID(), obj.GetGeneration()), func() (memo[S, R], error) {
		spec, compiled := build()
		return memo[S, R]{spec, compiled}, nil
	})
	return m.spec.DeepCopy(), m.compiled
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
