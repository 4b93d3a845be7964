package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Overridden is in with its environment's overrides applied over the
// release: release < overrides. Lists merge by their key (an override
// replaces the release's entry of the same name, or adds one after the
// release's); replicas and autoscaling replace each other; requests and
// limits are replaced one quantity at a time; parameters are replaced one
// top-level parameter at a time, and only those the type (or the trait)
// lets differ per environment. The result is checked as a release is
// (ValidateSpec, the type's and traits' schemas) when it renders.
func Overridden(in Input) (Input, error) {
	o := in.Overrides
	if o == nil {
		return in, nil
	}
	spec := in.Spec.DeepCopy()
	c := &spec.Container
	c.Env = mergeBy(c.Env, o.Env, func(e platformv1alpha1.EnvVar) string { return e.Name })
	c.Files = mergeBy(c.Files, o.Files, func(f platformv1alpha1.ConfigFile) string { return f.MountPath })
	if o.Replicas != nil {
		spec.Replicas, spec.Autoscaling = new(*o.Replicas), nil
	}
	if o.Autoscaling != nil {
		spec.Replicas, spec.Autoscaling = nil, o.Autoscaling.DeepCopy()
	}
	if o.Resources != nil {
		merged, err := overrideResources(c.Resources, o.Resources)
		if err != nil {
			return in, err
		}
		c.Resources = merged
	}
	if o.Parameters != nil {
		if in.Type == nil {
			return in, fmt.Errorf("spec.overrides.parameters: type %s declares no environment parameters", in.Spec.Type)
		}
		merged, err := overrideParameters("spec.overrides.parameters", "type "+in.Type.Name,
			spec.Parameters, o.Parameters, in.Type.Spec.EnvironmentParameters)
		if err != nil {
			return in, err
		}
		spec.Parameters = merged
	}
	traits := slices.Clone(in.Traits)
	for _, to := range o.Traits {
		field := fmt.Sprintf("spec.overrides.traits[%s].parameters", to.InstanceName)
		i := slices.IndexFunc(traits, func(t TraitInstance) bool { return t.InstanceName == to.InstanceName })
		if i < 0 {
			have := make([]string, 0, len(traits))
			for _, t := range traits {
				have = append(have, t.InstanceName)
			}
			return in, fmt.Errorf("spec.overrides.traits: the component has no trait instance %s (its instances: %s)",
				to.InstanceName, listOrNone(have))
		}
		if traits[i].Trait == nil {
			return in, fmt.Errorf("%s: the release pins no trait %s", field, traits[i].Name)
		}
		merged, err := overrideParameters(field, "trait "+traits[i].Name,
			traits[i].Parameters, to.Parameters, traits[i].Trait.Spec.EnvironmentParameters)
		if err != nil {
			return in, err
		}
		traits[i].Parameters = merged
	}
	in.Spec, in.Traits, in.Overrides = *spec, traits, nil
	return in, nil
}

// checkOverridden checks what overrides made of a release as the release
// itself was checked: its spec, and its type's and traits' parameters.
func checkOverridden(out Input) error {
	if err := ValidateSpec(out.Spec); err != nil {
		return fmt.Errorf("with the overrides: %w", err)
	}
	if out.Type != nil {
		if _, err := out.Type.Parameters(out.Spec.Parameters); err != nil {
			return fmt.Errorf("with the overrides, type %s refuses the %w", out.Type.Name, err)
		}
	}
	for _, t := range out.Traits {
		if t.Trait == nil {
			continue // the renderer names a trait the release does not pin
		}
		if _, err := t.Trait.Parameters(t.Parameters); err != nil {
			return fmt.Errorf("with the overrides, trait instance %s refuses the %w", t.InstanceName, err)
		}
	}
	return nil
}

// mergeBy is base with each of over replacing base's entry of the same
// key in place, or appended after base's in over's order.
func mergeBy[T any](base, over []T, key func(T) string) []T {
	if len(over) == 0 {
		return base
	}
	out := slices.Clone(base)
	for _, o := range over {
		if i := slices.IndexFunc(out, func(b T) bool { return key(b) == key(o) }); i >= 0 {
			out[i] = o
		} else {
			out = append(out, o)
		}
	}
	return out
}

// overrideResources replaces base's quantities with those over sets, and
// refuses a result whose request exceeds its limit, as Kubernetes would.
func overrideResources(base, over *platformv1alpha1.Resources) (*platformv1alpha1.Resources, error) {
	out := &platformv1alpha1.Resources{}
	if base != nil {
		out = base.DeepCopy()
	}
	merge := func(dst **platformv1alpha1.ResourceList, src *platformv1alpha1.ResourceList) {
		if src == nil {
			return
		}
		if *dst == nil {
			*dst = &platformv1alpha1.ResourceList{}
		}
		if src.CPU != nil {
			(*dst).CPU = new(src.CPU.DeepCopy())
		}
		if src.Memory != nil {
			(*dst).Memory = new(src.Memory.DeepCopy())
		}
	}
	merge(&out.Requests, over.Requests)
	merge(&out.Limits, over.Limits)
	if out.Requests == nil || out.Limits == nil {
		return out, nil
	}
	for _, q := range []struct {
		name           string
		request, limit *resource.Quantity
	}{{"cpu", out.Requests.CPU, out.Limits.CPU}, {"memory", out.Requests.Memory, out.Limits.Memory}} {
		if q.request != nil && q.limit != nil && q.request.Cmp(*q.limit) > 0 {
			return nil, fmt.Errorf("spec.overrides.resources: with the overrides, requests.%s (%s) exceeds limits.%s (%s): Kubernetes refuses a request above its limit",
				q.name, q.request.String(), q.name, q.limit.String())
		}
	}
	return out, nil
}

// overrideParameters replaces base's top-level parameters with over's,
// each of which must be one of allowed (the owner's environmentParameters).
func overrideParameters(field, owner string, base, over *runtime.RawExtension, allowed []string) (*runtime.RawExtension, error) {
	params, err := decodeObject(base)
	if err != nil {
		return nil, fmt.Errorf("%s: the release's parameters: %w", field, err)
	}
	overrides, err := decodeObject(over)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("%s.%s: %s does not let %s differ per environment (its environmentParameters: %s)",
				field, k, owner, k, listOrNone(allowed))
		}
		params[k] = overrides[k]
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	return &runtime.RawExtension{Raw: raw}, nil
}

// decodeObject reads raw as a JSON object, keeping numbers as written.
func decodeObject(raw *runtime.RawExtension) (map[string]any, error) {
	out := map[string]any{}
	if raw == nil || len(raw.Raw) == 0 {
		return out, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw.Raw))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("not an object: %w", err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
