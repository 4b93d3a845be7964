package render

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// find is the rendered object kind/name, or fails t.
func find(t *testing.T, objs Objects, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

func qty(s string) *resource.Quantity { return ptr.To(resource.MustParse(s)) }

// TestOverridesMergeOverTheRelease renders a component as released and
// with an environment's overrides: each override wins over the release,
// lists merge by their key, and what is not overridden stays as released.
func TestOverridesMergeOverTheRelease(t *testing.T) {
	api := base("api", platformv1alpha1.ComponentService)
	api.Spec.Autoscaling = &platformv1alpha1.Autoscaling{MinReplicas: 2, MaxReplicas: 6, TargetCPUUtilizationPercentage: 70}
	api.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP}}
	api.Spec.Container.Env = []platformv1alpha1.EnvVar{
		{Name: "LOG_LEVEL", Value: ptr.To("info")},
		{Name: "DATABASE_URL", Value: ptr.To("postgres://db.development:5432/shop")},
		{Name: "DATABASE_PASSWORD", SecretKeyRef: &platformv1alpha1.SecretKeyReference{Name: "shop-db", Key: "password"}},
	}
	api.Spec.Container.Files = []platformv1alpha1.ConfigFile{
		{MountPath: "/etc/api/flags.json", Content: `{"beta": true}`},
		{MountPath: "/etc/api/limits.json", Content: `{"rps": 10}`},
	}
	api.Spec.Container.Resources = &platformv1alpha1.Resources{
		Requests: &platformv1alpha1.ResourceList{CPU: qty("100m"), Memory: qty("128Mi")},
		Limits:   &platformv1alpha1.ResourceList{Memory: qty("256Mi")},
	}
	released := api.Spec.DeepCopy()

	in := api
	in.Overrides = &platformv1alpha1.BindingOverrides{
		Env: []platformv1alpha1.EnvVar{
			{Name: "DATABASE_URL", Value: ptr.To("postgres://db.production:5432/shop")},
			{Name: "REGION", Value: ptr.To("eu")},
		},
		Files:     []platformv1alpha1.ConfigFile{{MountPath: "/etc/api/flags.json", Content: `{"beta": false}`}},
		Replicas:  ptr.To[int32](4),
		Resources: &platformv1alpha1.Resources{Limits: &platformv1alpha1.ResourceList{Memory: qty("1Gi"), CPU: qty("2")}},
	}
	out, err := Overridden(in)
	if err != nil {
		t.Fatal(err)
	}
	wantEnv := []platformv1alpha1.EnvVar{
		{Name: "LOG_LEVEL", Value: ptr.To("info")},
		{Name: "DATABASE_URL", Value: ptr.To("postgres://db.production:5432/shop")},
		{Name: "DATABASE_PASSWORD", SecretKeyRef: &platformv1alpha1.SecretKeyReference{Name: "shop-db", Key: "password"}},
		{Name: "REGION", Value: ptr.To("eu")},
	}
	if !reflect.DeepEqual(out.Spec.Container.Env, wantEnv) {
		t.Errorf("env:\n got %+v\nwant %+v", out.Spec.Container.Env, wantEnv)
	}
	wantFiles := []platformv1alpha1.ConfigFile{
		{MountPath: "/etc/api/flags.json", Content: `{"beta": false}`},
		{MountPath: "/etc/api/limits.json", Content: `{"rps": 10}`},
	}
	if !reflect.DeepEqual(out.Spec.Container.Files, wantFiles) {
		t.Errorf("files:\n got %+v\nwant %+v", out.Spec.Container.Files, wantFiles)
	}
	if out.Spec.Autoscaling != nil || out.Spec.Replicas == nil || *out.Spec.Replicas != 4 {
		t.Errorf("replicas 4 replace the autoscaling: got replicas %v, autoscaling %+v", out.Spec.Replicas, out.Spec.Autoscaling)
	}
	r := out.Spec.Container.Resources
	for name, pair := range map[string][2]*resource.Quantity{
		"requests.cpu":    {r.Requests.CPU, qty("100m")},
		"requests.memory": {r.Requests.Memory, qty("128Mi")},
		"limits.cpu":      {r.Limits.CPU, qty("2")},
		"limits.memory":   {r.Limits.Memory, qty("1Gi")},
	} {
		if pair[0] == nil || pair[0].Cmp(*pair[1]) != 0 {
			t.Errorf("%s = %v, want %s", name, pair[0], pair[1])
		}
	}
	if !reflect.DeepEqual(&api.Spec, released) {
		t.Fatal("applying overrides changed the release's spec, which a cache shares between bindings")
	}

	// The render: what the plane gets.
	objs, err := Component(in)
	if err != nil {
		t.Fatal(err)
	}
	env := find(t, objs, "ConfigMap", "api-env")
	wantData := map[string]any{"LOG_LEVEL": "info", "DATABASE_URL": "postgres://db.production:5432/shop", "REGION": "eu"}
	if data, _, _ := unstructured.NestedMap(env.Object, "data"); !reflect.DeepEqual(data, wantData) {
		t.Errorf("ConfigMap api-env data = %v, want %v", data, wantData)
	}
	deploy := find(t, objs, "Deployment", "api")
	if n, _, _ := unstructured.NestedInt64(deploy.Object, "spec", "replicas"); n != 4 {
		t.Errorf("Deployment replicas = %d, want 4", n)
	}
	for _, o := range objs {
		if o.GetKind() == "HorizontalPodAutoscaler" {
			t.Error("an autoscaler is rendered although the environment sets replicas")
		}
	}
	containers, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "containers")
	limits, _, _ := unstructured.NestedStringMap(containers[0].(map[string]any), "resources", "limits")
	if limits["memory"] != "1Gi" || limits["cpu"] != "2" {
		t.Errorf("container limits = %v, want cpu 2 and memory 1Gi", limits)
	}

	// Without overrides the render is the release's, byte for byte.
	plain, err := Component(api)
	if err != nil {
		t.Fatal(err)
	}
	emptied := api
	emptied.Overrides = &platformv1alpha1.BindingOverrides{}
	same, err := Component(emptied)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustYAML(t, plain), mustYAML(t, same); a != b {
		t.Errorf("empty overrides changed the render:\n%s\n---\n%s", a, b)
	}
	if strings.Contains(mustYAML(t, plain), "db.production") {
		t.Error("the release's render holds an environment's value")
	}
}

func mustYAML(t *testing.T, objs Objects) string {
	t.Helper()
	b, err := objs.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAutoscalingOverrideReplacesReplicas: the other direction of the
// replicas/autoscaling exchange.
func TestAutoscalingOverrideReplacesReplicas(t *testing.T) {
	in := base("api", platformv1alpha1.ComponentService)
	in.Spec.Replicas = ptr.To[int32](1)
	in.Overrides = &platformv1alpha1.BindingOverrides{Autoscaling: &platformv1alpha1.Autoscaling{MinReplicas: 3, MaxReplicas: 9, TargetCPUUtilizationPercentage: 60}}
	objs, err := Component(in)
	if err != nil {
		t.Fatal(err)
	}
	hpa := find(t, objs, "HorizontalPodAutoscaler", "api")
	if n, _, _ := unstructured.NestedInt64(hpa.Object, "spec", "maxReplicas"); n != 9 {
		t.Errorf("autoscaler maxReplicas = %d, want 9", n)
	}
}

// TestOverridesOfTypeAndTraitParameters overrides the sample
// StatefulService's and persistent-volume trait's environment parameters:
// the StatefulSet and the claims follow, and what neither lets differ per
// environment, or their schemas refuse, is refused with the field.
func TestOverridesOfTypeAndTraitParameters(t *testing.T) {
	ty, volume := sampleType(t, "stateful-service.yaml"), sampleTrait(t, "persistent-volume.yaml")
	in := base("ledger", "StatefulService")
	in.Type = ty
	in.Spec.Parameters = raw(`{"replicas": 2, "storage": {"size": "2Gi", "className": "replicated"}}`)
	in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "pg", Port: 5432, Protocol: platformv1alpha1.ProtocolTCP}}
	in.Traits = []TraitInstance{{Trait: volume, Name: volume.Name, InstanceName: "archive", Parameters: raw(`{"mountPath": "/var/archive"}`)}}

	good := in
	good.Overrides = &platformv1alpha1.BindingOverrides{
		Parameters: raw(`{"replicas": 5, "storage": {"size": "50Gi"}}`),
		Traits:     []platformv1alpha1.TraitOverride{{InstanceName: "archive", Parameters: raw(`{"size": "200Gi"}`)}},
	}
	if err := Check(good); err != nil {
		t.Fatal(err)
	}
	objs, err := Component(good)
	if err != nil {
		t.Fatal(err)
	}
	sts := find(t, objs, "StatefulSet", "ledger")
	if n, _, _ := unstructured.NestedInt64(sts.Object, "spec", "replicas"); n != 5 {
		t.Errorf("StatefulSet replicas = %d, want 5", n)
	}
	claims, _, _ := unstructured.NestedSlice(sts.Object, "spec", "volumeClaimTemplates")
	size, _, _ := unstructured.NestedString(claims[0].(map[string]any), "spec", "resources", "requests", "storage")
	// A top-level parameter is replaced whole: storage.className, set by
	// the release, is gone with the release's storage.
	class, hasClass, _ := unstructured.NestedFieldNoCopy(claims[0].(map[string]any), "spec", "storageClassName")
	if size != "50Gi" || (hasClass && class != nil) {
		t.Errorf("volume claim: size %q (want 50Gi), storageClassName %v (want none)", size, class)
	}
	pvc := find(t, objs, "PersistentVolumeClaim", "ledger-archive")
	if s, _, _ := unstructured.NestedString(pvc.Object, "spec", "resources", "requests", "storage"); s != "200Gi" {
		t.Errorf("trait's claim = %q, want 200Gi", s)
	}

	for name, tc := range map[string]struct {
		overrides platformv1alpha1.BindingOverrides
		want      string
	}{
		"trait parameter not per environment": {
			platformv1alpha1.BindingOverrides{Traits: []platformv1alpha1.TraitOverride{{InstanceName: "archive", Parameters: raw(`{"mountPath": "/srv"}`)}}},
			"spec.overrides.traits[archive].parameters.mountPath: trait persistent-volume does not let mountPath differ per environment (its environmentParameters: size)",
		},
		"unknown trait instance": {
			platformv1alpha1.BindingOverrides{Traits: []platformv1alpha1.TraitOverride{{InstanceName: "backup", Parameters: raw(`{"size": "1Gi"}`)}}},
			"spec.overrides.traits: the component has no trait instance backup (its instances: archive)",
		},
		"type schema refuses the value": {
			platformv1alpha1.BindingOverrides{Parameters: raw(`{"replicas": 9}`)},
			"with the overrides, type stateful-service refuses the parameters.replicas",
		},
		"trait schema refuses the value": {
			platformv1alpha1.BindingOverrides{Traits: []platformv1alpha1.TraitOverride{{InstanceName: "archive", Parameters: raw(`{"size": "lots"}`)}}},
			"with the overrides, trait instance archive refuses the parameters.size",
		},
		"request above limit": {
			platformv1alpha1.BindingOverrides{Resources: &platformv1alpha1.Resources{
				Requests: &platformv1alpha1.ResourceList{Memory: qty("2Gi")}, Limits: &platformv1alpha1.ResourceList{Memory: qty("1Gi")}}},
			"spec.overrides.resources: with the overrides, requests.memory (2Gi) exceeds limits.memory (1Gi)",
		},
	} {
		t.Run(name, func(t *testing.T) {
			bad := in
			bad.Overrides = &tc.overrides
			err := Check(bad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if _, err := Component(bad); err == nil {
				t.Error("the renderer rendered what Check refuses")
			}
		})
	}

	// A type that lets nothing differ per environment.
	fixed := in
	fixed.Type = testType(t, "fixed", `
workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
parameters: {type: object, properties: {tier: {type: string}}}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}, spec: {selector: {matchLabels: "${selector}"}}}
`)
	fixed.Spec.Parameters, fixed.Traits = nil, nil
	fixed.Overrides = &platformv1alpha1.BindingOverrides{Parameters: raw(`{"tier": "gold"}`)}
	want := "spec.overrides.parameters.tier: type fixed does not let tier differ per environment (its environmentParameters: none)"
	if err := Check(fixed); err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
