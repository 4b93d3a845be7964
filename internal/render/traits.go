package render

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/templates"
)

// Trait is a reusable addition to components of any type: a Trait's spec
// (as a Release pinned it) under its name, with its content's revision.
type Trait struct {
	Name     string
	Revision string
	Spec     platformv1alpha1.TraitSpec
}

// TraitOf is the trait name with spec, its revision the hash of its
// content.
func TraitOf(name string, spec *platformv1alpha1.TraitSpec) *Trait {
	return &Trait{Name: name, Revision: contentHash(spec), Spec: *spec}
}

// TraitInstance is a trait as a component applies it: under an instance
// name (the same trait may be applied twice), with parameters.
type TraitInstance struct {
	// Trait is nil when the release pinned no trait Name.
	Trait        *Trait
	Name         string
	InstanceName string
	// Parameters as the component wrote them; the trait's schema checks
	// and defaults them.
	Parameters *runtime.RawExtension
}

// traitVariables are what a trait's templates see besides the type's.
var traitVariables = append(append([]string{}, Variables...), "trait", "object")

type compiledTrait struct {
	creates *templates.Program
	patches []compiledPatch
}

type compiledPatch struct {
	target platformv1alpha1.PatchTarget
	where  *templates.Expr
	// doc renders the merge patch, or {"ops": [...]} for a JSON patch.
	doc  *templates.Program
	json bool
}

// traitPrograms keeps each trait's compiled form for its generation.
var traitPrograms templates.Cache[*compiledTrait]

// compile compiles t, once per generation.
func (t *Trait) compile() (*compiledTrait, error) {
	return traitPrograms.Get(t.Revision, t.compileAll)
}

func (t *Trait) compileAll() (*compiledTrait, error) {
	prg, err := templates.Compile(engineResources(t.Spec.Creates), templates.Options{Variables: traitVariables, Field: "spec.creates"})
	if err != nil {
		return nil, err
	}
	c := &compiledTrait{creates: prg}
	for i, p := range t.Spec.Patches {
		field := fmt.Sprintf("spec.patches[%d]", i)
		cp := compiledPatch{target: p.Target, json: p.JSON != nil}
		if p.Target.Kind == "" {
			return nil, fmt.Errorf("%s.target.kind: required", field)
		}
		if (p.Merge == nil) == (p.JSON == nil) {
			return nil, fmt.Errorf("%s: set exactly one of merge and json", field)
		}
		if p.Target.Where != "" {
			if cp.where, err = templates.CompileExpr(p.Target.Where, field+".target.where", templates.Options{Variables: traitVariables}); err != nil {
				return nil, err
			}
		}
		var doc []byte
		if cp.json {
			// One template renders the whole patch: {"ops": [...]}.
			if doc, err = json.Marshal(map[string]any{"ops": p.JSON}); err != nil {
				return nil, err
			}
		} else {
			doc = p.Merge.Raw
		}
		if cp.doc, err = templates.Compile([]templates.Resource{{Template: string(doc)}},
			templates.Options{Variables: traitVariables, Field: field}); err != nil {
			return nil, err
		}
		c.patches = append(c.patches, cp)
	}
	return c, nil
}

// engineResources turns written resources into the engine's.
func engineResources(in []platformv1alpha1.TemplateResource) []templates.Resource {
	rs := make([]templates.Resource, len(in))
	for i, r := range in {
		rs[i] = templates.Resource{Template: string(r.Template.Raw), IncludeWhen: r.IncludeWhen, ForEach: r.ForEach}
	}
	return rs
}

// applyTrait adds what inst creates to objs and patches objs; vars are
// the type's variables.
func (in Input) applyTrait(objs Objects, inst TraitInstance, vars map[string]any, typeAllowed []platformv1alpha1.GrantableKind) (Objects, error) {
	t := inst.Trait
	if t == nil {
		return nil, fmt.Errorf("Trait %s (instance %s): the release pins no such trait", inst.Name, inst.InstanceName)
	}
	where := fmt.Sprintf("Trait %s (instance %s)", t.Name, inst.InstanceName)
	c, err := t.compile()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	// A trait renders a granted kind only where both it and the type
	// were granted it.
	var allowed []platformv1alpha1.GrantableKind
	for _, k := range t.Spec.AllowedKinds {
		if slices.Contains(typeAllowed, k) {
			allowed = append(allowed, k)
		}
	}
	params, err := t.Parameters(inst.Parameters)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	scoped := make(map[string]any, len(vars)+2)
	for k, v := range vars {
		scoped[k] = v
	}
	scoped["trait"] = map[string]any{"name": t.Name, "instanceName": inst.InstanceName, "parameters": params}
	scoped["object"] = nil
	created, err := c.creates.Render(scoped)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	for i, m := range created {
		u := &unstructured.Unstructured{Object: m}
		if err := in.contain(fmt.Sprintf("%s: spec.creates[%d]", where, i), u, allowed); err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.GetKind() == u.GetKind() && o.GetName() == u.GetName() {
				return nil, fmt.Errorf("%s: spec.creates[%d] renders %s %s, which the component already has", where, i, u.GetKind(), u.GetName())
			}
		}
		objs = append(objs, u)
	}
	for i, p := range c.patches {
		for j, o := range objs {
			scoped["object"] = o.Object
			ok, err := p.selects(o, scoped)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if !ok {
				continue
			}
			patched, err := p.apply(o, scoped)
			if err != nil {
				return nil, fmt.Errorf("%s: spec.patches[%d] on %s %s: %w", where, i, o.GetKind(), o.GetName(), err)
			}
			objs[j] = patched
		}
	}
	return objs, nil
}

func (p compiledPatch) selects(o *unstructured.Unstructured, vars map[string]any) (bool, error) {
	t := p.target
	if o.GetKind() != t.Kind || (t.APIVersion != "" && o.GetAPIVersion() != t.APIVersion) || (t.Name != "" && o.GetName() != t.Name) {
		return false, nil
	}
	if p.where == nil {
		return true, nil
	}
	return p.where.Bool(vars)
}

func (p compiledPatch) apply(o *unstructured.Unstructured, vars map[string]any) (*unstructured.Unstructured, error) {
	docs, err := p.doc.Render(vars)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(o.Object)
	if err != nil {
		return nil, err
	}
	var patched []byte
	if p.json {
		ops, err := json.Marshal(docs[0]["ops"])
		if err != nil {
			return nil, err
		}
		patch, err := jsonpatch.DecodePatch(ops)
		if err != nil {
			return nil, err
		}
		if patched, err = patch.Apply(doc); err != nil {
			return nil, err
		}
	} else {
		merge, err := json.Marshal(docs[0])
		if err != nil {
			return nil, err
		}
		if patched, err = jsonpatch.MergePatch(doc, merge); err != nil {
			return nil, err
		}
	}
	out := map[string]any{}
	if err := utiljson.Unmarshal(patched, &out); err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: out}, nil
}

// hardened checks that the pod template at path in workload still holds
// what Aileron put there for the pods' safety: the pod's and every
// container's security context, the service account and its token, no
// host namespaces and no host paths. Traits may add containers, volumes
// and mounts, but not loosen any of that.
func hardened(workload *unstructured.Unstructured, path []string, pod map[string]any) error {
	got, _, _ := unstructured.NestedMap(workload.Object, path...)
	spec, _, _ := unstructured.NestedMap(got, "spec")
	want, _, _ := unstructured.NestedMap(pod, "spec")
	for _, f := range []string{"securityContext", "serviceAccountName", "automountServiceAccountToken"} {
		if !reflect.DeepEqual(spec[f], want[f]) {
			return fmt.Errorf("the pod's %s is Aileron's: a trait may not change it", f)
		}
	}
	for _, f := range []string{"hostNetwork", "hostPID", "hostIPC", "hostUsers"} {
		if _, set := spec[f]; set {
			return fmt.Errorf("the pod's %s is Aileron's: a trait may not set it", f)
		}
	}
	wantContainers, _, _ := unstructured.NestedSlice(want, "containers")
	sc := wantContainers[0].(map[string]any)["securityContext"]
	for _, list := range []string{"containers", "initContainers"} {
		cs, _, _ := unstructured.NestedSlice(spec, list)
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			if !reflect.DeepEqual(cm["securityContext"], sc) {
				return fmt.Errorf("%s %v: a container's securityContext is Aileron's (a trait's sidecar carries the same)", list, cm["name"])
			}
		}
	}
	vols, _, _ := unstructured.NestedSlice(spec, "volumes")
	for _, v := range vols {
		if vm, _ := v.(map[string]any); vm["hostPath"] != nil {
			return fmt.Errorf("volume %v: a hostPath volume reaches past the pod: not allowed", vm["name"])
		}
	}
	return nil
}
