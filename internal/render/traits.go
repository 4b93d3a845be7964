package render

import (
	"encoding/json"
	"fmt"
	"reflect"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/aileron-dev/aileron/internal/templates"
)

// Trait is a reusable addition to components of any type: objects it
// creates beside the type's, and patches to what is rendered.
type Trait struct {
	Name       string
	Generation int64
	Creates    []Resource `json:"creates,omitempty"`
	Patches    []Patch    `json:"patches,omitempty"`
}

// Patch changes the rendered objects its target selects: a merge patch
// (Merge) or a JSON patch (JSON), whose values may be ${…} expressions.
// Expressions see the trait's variables and the object patched, as
// object.
type Patch struct {
	Target Target           `json:"target"`
	Merge  map[string]any   `json:"merge,omitempty"`
	JSON   []map[string]any `json:"json,omitempty"`
}

// Target selects objects by kind (and apiVersion, name, when set) and by
// a CEL expression over object.
type Target struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name,omitempty"`
	Where      string `json:"where,omitempty"`
}

// TraitInstance is a trait as a component applies it: under an instance
// name (the same trait may be applied twice), with parameters.
type TraitInstance struct {
	Trait        *Trait
	InstanceName string
	Parameters   map[string]any
}

// traitVariables are what a trait's templates see besides the type's.
var traitVariables = append(append([]string{}, Variables...), "trait", "object")

type compiledTrait struct {
	creates *templates.Program
	patches []compiledPatch
}

type compiledPatch struct {
	target Target
	where  *templates.Expr
	// doc renders the merge patch, or {"ops": [...]} for a JSON patch.
	doc  *templates.Program
	json bool
}

// traitPrograms keeps each trait's compiled form for its generation.
var traitPrograms templates.Cache[*compiledTrait]

// compile compiles t, once per generation.
func (t *Trait) compile() (*compiledTrait, error) {
	return traitPrograms.Get(t.Name, t.Generation, t.compileAll)
}

func (t *Trait) compileAll() (*compiledTrait, error) {
	rs, err := engineResources(t.Creates)
	if err != nil {
		return nil, err
	}
	prg, err := templates.Compile(rs, templates.Options{Variables: traitVariables, Field: "spec.creates"})
	if err != nil {
		return nil, err
	}
	c := &compiledTrait{creates: prg}
	for i, p := range t.Patches {
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
		doc := p.Merge
		if cp.json {
			ops := make([]any, len(p.JSON))
			for j, op := range p.JSON {
				ops[j] = op
			}
			doc = map[string]any{"ops": ops}
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		if cp.doc, err = templates.Compile([]templates.Resource{{Template: string(b)}},
			templates.Options{Variables: traitVariables, Field: field}); err != nil {
			return nil, err
		}
		c.patches = append(c.patches, cp)
	}
	return c, nil
}

// engineResources turns written resources into the engine's.
func engineResources(in []Resource) ([]templates.Resource, error) {
	rs := make([]templates.Resource, len(in))
	for i, r := range in {
		b, err := json.Marshal(r.Template)
		if err != nil {
			return nil, err
		}
		rs[i] = templates.Resource{Template: string(b), IncludeWhen: r.IncludeWhen, ForEach: r.ForEach}
	}
	return rs, nil
}

// applyTrait adds what inst creates to objs and patches objs; vars are
// the type's variables.
func (in Input) applyTrait(objs Objects, inst TraitInstance, vars map[string]any) (Objects, error) {
	t := inst.Trait
	where := fmt.Sprintf("Trait %s (instance %s)", t.Name, inst.InstanceName)
	c, err := t.compile()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	scoped := make(map[string]any, len(vars)+2)
	for k, v := range vars {
		scoped[k] = v
	}
	params := inst.Parameters
	if params == nil {
		params = map[string]any{}
	}
	scoped["trait"] = map[string]any{"name": t.Name, "instanceName": inst.InstanceName, "parameters": params}
	scoped["object"] = nil
	created, err := c.creates.Render(scoped)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	for i, m := range created {
		u := &unstructured.Unstructured{Object: m}
		if err := in.contain(fmt.Sprintf("%s: spec.creates[%d]", where, i), u); err != nil {
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
