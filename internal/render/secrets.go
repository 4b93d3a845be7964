package render

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/names"
)

// External Secrets Operator's ExternalSecret, which Aileron renders for a
// component's SecretReference keys.
const (
	ExternalSecretAPIVersion = "external-secrets.io/v1"
	ExternalSecretKind       = "ExternalSecret"
	// defaultRefreshInterval is how often a plane reads the store again
	// when the SecretReference does not say.
	defaultRefreshInterval = "1h"
)

// SecretName is the name of the ExternalSecret, and of the Secret it
// writes, that carries component's keys of SecretReference ref in its cell:
// <component>--<ref> (names.Join). Neither name holds "--", so no two
// pairs share one.
func SecretName(component, ref string) string { return names.Join(component, ref) }

// SecretRefNames are the SecretReferences spec, with overrides applied,
// takes keys from: what the renderer must be given (Input.Secrets),
// sorted.
func SecretRefNames(spec platformv1alpha1.ComponentSpec, overrides *platformv1alpha1.BindingOverrides) []string {
	in, err := Overridden(Input{Spec: spec, Overrides: overrides})
	if err != nil {
		in.Spec = spec // the overrides' own error is reported where they are checked
	}
	var out []string
	for _, u := range secretUses(in.Spec) {
		out = append(out, u.ref)
	}
	return out
}

// OverrideSecretRefNames are the SecretReferences overrides name, sorted:
// a binding's own, whatever its release.
func OverrideSecretRefNames(overrides *platformv1alpha1.BindingOverrides) []string {
	if overrides == nil {
		return nil
	}
	var spec platformv1alpha1.ComponentSpec
	spec.Container.Env, spec.Container.Files = overrides.Env, overrides.Files
	var out []string
	for _, u := range secretUses(spec) {
		out = append(out, u.ref)
	}
	return out
}

// secretUse is what a component takes from one SecretReference: the keys,
// sorted, with a field that uses each, for messages.
type secretUse struct {
	ref   string
	keys  []string
	field map[string]string
}

// secretUses are spec's uses of SecretReferences, by reference name.
func secretUses(spec platformv1alpha1.ComponentSpec) []secretUse {
	byRef := map[string]*secretUse{}
	add := func(ref *platformv1alpha1.SecretRefKey, field string) {
		if ref == nil {
			return
		}
		u := byRef[ref.Name]
		if u == nil {
			u = &secretUse{ref: ref.Name, field: map[string]string{}}
			byRef[ref.Name] = u
		}
		if _, seen := u.field[ref.Key]; !seen {
			u.keys = append(u.keys, ref.Key)
			u.field[ref.Key] = field
		}
	}
	for _, e := range spec.Container.Env {
		add(e.SecretRef, "env "+e.Name)
	}
	for _, f := range spec.Container.Files {
		add(f.SecretRef, "file "+f.MountPath)
	}
	out := make([]secretUse, 0, len(byRef))
	for _, u := range byRef {
		sort.Strings(u.keys)
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ref < out[j].ref })
	return out
}

// CheckSecrets tells whether every key spec reads from a SecretReference
// is one of organization's SecretReferences (secrets, by name) has.
func CheckSecrets(organization string, spec platformv1alpha1.ComponentSpec, secrets map[string]platformv1alpha1.SecretReferenceSpec) error {
	return Input{Organization: organization, Secrets: secrets}.checkSecrets(spec)
}

// checkSecrets tells whether every key spec takes from a SecretReference is
// one the organization's SecretReference (in.Secrets) has.
func (in Input) checkSecrets(spec platformv1alpha1.ComponentSpec) error {
	for _, u := range secretUses(spec) {
		ref, ok := in.Secrets[u.ref]
		if !ok {
			return fmt.Errorf("%s: SecretReference %s does not exist in organization %s", u.field[u.keys[0]], u.ref, in.Organization)
		}
		for _, k := range u.keys {
			if !slices.ContainsFunc(ref.Data, func(d platformv1alpha1.SecretReferenceKey) bool { return d.Key == k }) {
				have := make([]string, 0, len(ref.Data))
				for _, d := range ref.Data {
					have = append(have, d.Key)
				}
				return fmt.Errorf("%s: SecretReference %s has no key %s (its keys: %s)", u.field[k], u.ref, k, strings.Join(have, ", "))
			}
		}
	}
	return nil
}

// externalSecrets renders an ExternalSecret per SecretReference spec uses,
// with only the keys it uses, read from the plane's store: the Secret it
// writes exists only in the cell, and goes with the ExternalSecret.
func (in Input) externalSecrets(spec platformv1alpha1.ComponentSpec) (Objects, error) {
	uses := secretUses(spec)
	if len(uses) == 0 {
		return nil, nil
	}
	if err := in.checkSecrets(spec); err != nil {
		return nil, err
	}
	if in.Plane.SecretStore == "" {
		return nil, fmt.Errorf("plane %s offers no secret store, and the component reads SecretReference %s: the platform team sets the DataPlane's spec.secretStoreRef",
			in.Plane.Name, uses[0].ref)
	}
	var out Objects
	for _, u := range uses {
		ref := in.Secrets[u.ref]
		refresh := defaultRefreshInterval
		if ref.RefreshInterval != nil {
			refresh = ref.RefreshInterval.Duration.String()
		}
		var data []any
		for _, k := range u.keys {
			i := slices.IndexFunc(ref.Data, func(d platformv1alpha1.SecretReferenceKey) bool { return d.Key == k })
			remoteKey, property := ref.Data[i].Remote(in.Environment)
			remote := map[string]any{"key": remoteKey}
			if property != "" {
				remote["property"] = property
			}
			data = append(data, map[string]any{"secretKey": k, "remoteRef": remote})
		}
		name := SecretName(in.Component, u.ref)
		es := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": ExternalSecretAPIVersion,
			"kind":       ExternalSecretKind,
			"spec": map[string]any{
				"refreshInterval": refresh,
				"secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": in.Plane.SecretStore},
				"data":            data,
			},
		}}
		es.SetName(name)
		es.SetNamespace(in.Namespace())
		es.SetLabels(in.labels())
		out = append(out, es)
	}
	return out, nil
}

// secretEnv is the container's variables read from SecretReference keys:
// from the cell's Secret of each reference.
func (in Input) secretEnv(spec platformv1alpha1.ComponentSpec) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, e := range spec.Container.Env {
		if e.SecretRef != nil {
			out = append(out, corev1.EnvVar{Name: e.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: SecretName(in.Component, e.SecretRef.Name)}, Key: e.SecretRef.Key,
			}}})
		}
	}
	return out
}

// secretFiles are the volumes and mounts of the container's files read
// from SecretReference keys: a volume per reference, named secret-<n> in
// the order of the references' names, each file at its own path.
func (in Input) secretFiles(spec platformv1alpha1.ComponentSpec) ([]corev1.Volume, []corev1.VolumeMount) {
	var refs []string
	for _, f := range spec.Container.Files {
		if f.SecretRef != nil && !slices.Contains(refs, f.SecretRef.Name) {
			refs = append(refs, f.SecretRef.Name)
		}
	}
	sort.Strings(refs)
	volumes := make([]corev1.Volume, len(refs))
	for n, ref := range refs {
		volumes[n] = corev1.Volume{Name: fmt.Sprintf("secret-%d", n), VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: SecretName(in.Component, ref),
		}}}
	}
	var mounts []corev1.VolumeMount
	for i, f := range spec.Container.Files {
		if f.SecretRef == nil {
			continue
		}
		n := slices.Index(refs, f.SecretRef.Name)
		v := &volumes[n].Secret.Items
		*v = append(*v, corev1.KeyToPath{Key: f.SecretRef.Key, Path: fileKey(i)})
		mounts = append(mounts, corev1.VolumeMount{Name: volumes[n].Name, MountPath: f.MountPath, SubPath: fileKey(i), ReadOnly: true})
	}
	return volumes, mounts
}

// secretSources are where the container's SecretReference keys come from
// in this environment, for the config hash: pods restart when a key is read
// from elsewhere (the Secret's name and key in the pod do not change).
func (in Input) secretSources(spec platformv1alpha1.ComponentSpec) map[string]string {
	out := map[string]string{}
	for _, u := range secretUses(spec) {
		ref, ok := in.Secrets[u.ref]
		if !ok {
			continue
		}
		for _, d := range ref.Data {
			if slices.Contains(u.keys, d.Key) {
				remoteKey, property := d.Remote(in.Environment)
				out[u.ref+"/"+d.Key] = remoteKey + "#" + property
			}
		}
	}
	return out
}
