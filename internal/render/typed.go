package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// forbiddenKinds are what a type's templates may never render: they would
// reach past the cell (cluster-scoped kinds, other namespaces), change who
// may do what (RBAC), or loosen the isolation the cell's policies give.
var forbiddenKinds = []string{
	"Namespace", "NetworkPolicy", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
	"CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass", "Node",
	"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
	"ValidatingAdmissionPolicyBinding", "APIService", "ResourceQuota", "LimitRange",
}

// Render renders t for in: its templates' objects, each in the cell with
// the component's labels, and pod as the workload's pod template; then
// each trait in turn adds and patches objects, and what they did is held
// to the same rules, the pod's hardening included.
func (t *Type) Render(in Input, pod corev1.PodTemplateSpec, deps []Dependency, traits ...TraitInstance) (Objects, error) {
	prg, err := t.program()
	if err != nil {
		return nil, fmt.Errorf("ComponentType %s: %w", t.Name, err)
	}
	params, err := t.Parameters(in.Spec.Parameters)
	if err != nil {
		return nil, fmt.Errorf("ComponentType %s: %w", t.Name, err)
	}
	vars, err := in.variables(deps, params)
	if err != nil {
		return nil, err
	}
	if vars["probes"], err = probeVariables(pod); err != nil {
		return nil, err
	}
	rendered, err := prg.Render(vars)
	if err != nil {
		return nil, fmt.Errorf("ComponentType %s: %w", t.Name, err)
	}
	podMap, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&pod)
	if err != nil {
		return nil, err
	}
	pruneNulls(podMap)
	out := make(Objects, 0, len(rendered))
	for i, m := range rendered {
		u := &unstructured.Unstructured{Object: m}
		if err := in.contain(fmt.Sprintf("ComponentType %s: spec.resources[%d]", t.Name, i), u, t.Spec.AllowedKinds); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	w, err := t.workload(in, out)
	if err != nil {
		return nil, err
	}
	if err := mergeAt(w.Object, t.podTemplatePath(), podMap); err != nil {
		return nil, fmt.Errorf("ComponentType %s: %s %s: %w", t.Name, w.GetKind(), w.GetName(), err)
	}
	w.SetLabels(mergeLabels(w.GetLabels(), in.releaseLabels()))
	for _, inst := range traits {
		if out, err = in.applyTrait(out, inst, vars, t.Spec.AllowedKinds); err != nil {
			return nil, err
		}
	}
	if len(traits) > 0 {
		// A patch may have moved, relabelled or loosened anything.
		for _, u := range out {
			if err := in.contain("after the traits", u, t.Spec.AllowedKinds); err != nil {
				return nil, err
			}
		}
		if w, err = t.workload(in, out); err != nil {
			return nil, fmt.Errorf("after the traits: %w", err)
		}
		if err := hardened(w, t.podTemplatePath(), podMap); err != nil {
			return nil, fmt.Errorf("after the traits: %s %s: %w", w.GetKind(), w.GetName(), err)
		}
	}
	for _, u := range out {
		pruneNulls(u.Object)
	}
	return out, nil
}

// workload finds the one object of objs that carries the pods.
func (t *Type) workload(in Input, objs Objects) (*unstructured.Unstructured, error) {
	var found []*unstructured.Unstructured
	wl := t.Spec.Workload
	for _, u := range objs {
		if u.GetAPIVersion() == wl.APIVersion && u.GetKind() == string(wl.Kind) && u.GetName() == in.Component {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("ComponentType %s rendered %d %s objects named %s: it must render its workload exactly once", t.Name, len(found), wl.Kind, in.Component)
	}
	return found[0], nil
}

// contain holds a rendered object to what a type or trait may do: a
// namespaced kind it may render, in the component's cell, with the
// component's labels. where names the template, for errors; allowed are
// the forbidden kinds the platform granted the type.
func (in Input) contain(where string, u *unstructured.Unstructured, allowed []platformv1alpha1.GrantableKind) error {
	switch {
	case u.GetAPIVersion() == "" || u.GetKind() == "":
		return fmt.Errorf("%s rendered an object without apiVersion and kind", where)
	case u.GetName() == "":
		return fmt.Errorf("%s rendered a %s without metadata.name", where, u.GetKind())
	case slices.Contains(forbiddenKinds, u.GetKind()) && !slices.Contains(allowed, platformv1alpha1.GrantableKind(u.GetKind())):
		return fmt.Errorf("%s rendered a %s: types may not render that kind (Aileron owns the cell's namespace, policies and access) unless the ComponentType lists it in spec.allowedKinds", where, u.GetKind())
	}
	if ns := u.GetNamespace(); ns != "" && ns != in.Namespace() {
		return fmt.Errorf("%s rendered %s %s in namespace %s: a component's objects live in its cell, %s", where, u.GetKind(), u.GetName(), ns, in.Namespace())
	}
	u.SetNamespace(in.Namespace())
	u.SetLabels(mergeLabels(u.GetLabels(), in.labels()))
	return nil
}

// mergeLabels returns labels with want set over them.
func mergeLabels(labels, want map[string]string) map[string]string {
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, want)
	return labels
}

// typePodFields are the parts of the pod template a type's template may
// set: how its pods are scheduled and restarted, and metadata. The rest
// (containers, volumes, security contexts, service account, host
// namespaces…) is Aileron's.
var typePodFields = map[string][]string{
	"metadata": {"labels", "annotations"},
	"spec": {"restartPolicy", "nodeSelector", "tolerations", "affinity", "topologySpreadConstraints",
		"terminationGracePeriodSeconds", "priorityClassName"},
}

// mergeAt merges the pod template pod into the map at path in m (made when
// missing), pod winning wherever both set a field.
func mergeAt(m map[string]any, path []string, pod map[string]any) error {
	cur := m
	for _, k := range path {
		next, ok := cur[k]
		if !ok || next == nil {
			next = map[string]any{}
			cur[k] = next
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not an object", k)
		}
		cur = nm
	}
	for part, v := range cur {
		allowed, ok := typePodFields[part]
		fields, isMap := v.(map[string]any)
		if !ok || !isMap {
			return fmt.Errorf("the pod template's %s is Aileron's: a type may set only its metadata (labels, annotations) and spec (%s)",
				part, strings.Join(typePodFields["spec"], ", "))
		}
		for f := range fields {
			if !slices.Contains(allowed, f) {
				return fmt.Errorf("the pod template's %s.%s is Aileron's: a type may set only %s.%s", part, f, part, strings.Join(allowed, ", "+part+"."))
			}
		}
	}
	merge(cur, pod)
	return nil
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = runtime.DeepCopyJSONValue(v)
	}
}

// probeVariables are the main container's probes as pod holds them
// (null when it has none), for a type that renders something else that
// must check the same (a sidecar's, a monitor's).
func probeVariables(pod corev1.PodTemplateSpec) (map[string]any, error) {
	c := pod.Spec.Containers[0]
	out := map[string]any{}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
		out[name] = nil
		if p == nil {
			continue
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p)
		if err != nil {
			return nil, err
		}
		out[name] = m
	}
	return out, nil
}

// variables are the values a type's templates see (see Variables).
func (in Input) variables(deps []Dependency, params map[string]any) (map[string]any, error) {
	spec, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&in.Spec)
	if err != nil {
		return nil, err
	}
	pruneNulls(spec)
	delete(spec, "parameters") // as written; the type reads them defaulted
	if params == nil {
		params = map[string]any{}
	}
	strs := func(m map[string]string) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	var autoscaling any
	if a := in.Spec.Autoscaling; a != nil {
		autoscaling = map[string]any{"minReplicas": int64(a.MinReplicas), "maxReplicas": int64(a.MaxReplicas),
			"targetCPUUtilizationPercentage": int64(a.TargetCPUUtilizationPercentage)}
	}
	endpoints := make([]any, 0, len(in.Spec.Endpoints))
	for _, e := range in.Spec.Endpoints {
		endpoints = append(endpoints, map[string]any{"name": e.Name, "port": int64(e.Port), "protocol": string(e.Protocol),
			"visibility": string(e.Visibility), "path": e.Path})
	}
	dependencies := make([]any, 0, len(deps))
	for _, d := range deps {
		dependencies = append(dependencies, map[string]any{"envVar": d.EnvVar, "project": d.Project, "component": d.Component,
			"endpoint": d.Endpoint, "port": int64(d.Port), "protocol": string(d.Protocol), "path": d.Path,
			"url": DependencyURL(CellNamespace(in.Organization, d.Project, in.Environment), d)})
	}
	ns := in.Namespace()
	return map[string]any{
		"component":    map[string]any{"name": in.Component, "spec": spec, "parameters": params},
		"parameters":   params,
		"metadata":     map[string]any{"name": in.Component, "namespace": ns, "labels": strs(in.labels())},
		"selector":     strs(in.selector()),
		"replicas":     int64(in.replicas()),
		"active":       in.State != platformv1alpha1.BindingSuspended,
		"autoscaling":  autoscaling,
		"endpoints":    endpoints,
		"host":         PublicHost(in.Plane, in.Organization, in.Project, in.Environment, in.Component),
		"release":      map[string]any{"name": in.Release},
		"environment":  map[string]any{"name": in.Environment},
		"cell":         map[string]any{"namespace": ns, "labels": strs(cellLabels(in.Organization, in.Project, in.Environment))},
		"plane":        map[string]any{"name": in.Plane.Name, "gateway": map[string]any{"name": in.Plane.GatewayName, "namespace": in.Plane.GatewayNamespace}},
		"dependencies": dependencies,
	}, nil
}
