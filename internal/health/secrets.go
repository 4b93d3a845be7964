package health

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// SecretKey is a key of a Secret that a workload's pods read; Key is empty
// when they read the whole Secret (envFrom, or a volume of every key).
type SecretKey struct {
	Name, Key string
}

// SecretsRead are the Secret keys the pods of workload u cannot start
// without (those not marked optional), in their containers' variables and
// their volumes, sorted and each once.
func SecretsRead(u *unstructured.Unstructured) []SecretKey {
	var podSpec []string
	switch u.GetKind() {
	case "Pod":
		podSpec = []string{"spec"}
	case "CronJob":
		podSpec = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	default:
		podSpec = []string{"spec", "template", "spec"}
	}
	spec, found, _ := unstructured.NestedMap(u.Object, podSpec...)
	if !found {
		return nil
	}
	seen := map[SecretKey]bool{}
	add := func(ref map[string]any, nameField, key string) {
		if ref == nil || ref["optional"] == true {
			return
		}
		if name, _ := ref[nameField].(string); name != "" {
			seen[SecretKey{Name: name, Key: key}] = true
		}
	}
	for _, list := range []string{"initContainers", "containers"} {
		containers, _, _ := unstructured.NestedSlice(spec, list)
		for _, c := range containers {
			container, _ := c.(map[string]any)
			env, _, _ := unstructured.NestedSlice(container, "env")
			for _, e := range env {
				ref, _, _ := unstructured.NestedMap(asMap(e), "valueFrom", "secretKeyRef")
				key, _ := ref["key"].(string)
				add(ref, "name", key)
			}
			envFrom, _, _ := unstructured.NestedSlice(container, "envFrom")
			for _, e := range envFrom {
				ref, _, _ := unstructured.NestedMap(asMap(e), "secretRef")
				add(ref, "name", "")
			}
		}
	}
	volumes, _, _ := unstructured.NestedSlice(spec, "volumes")
	for _, v := range volumes {
		secret, _, _ := unstructured.NestedMap(asMap(v), "secret")
		items, _, _ := unstructured.NestedSlice(secret, "items")
		if len(items) == 0 {
			add(secret, "secretName", "")
		}
		for _, it := range items {
			key, _ := asMap(it)["key"].(string)
			add(secret, "secretName", key)
		}
	}
	out := make([]SecretKey, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
