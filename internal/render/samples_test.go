package render

import (
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// sampleType reads config/samples/types/<file> as a user would apply it.
func sampleType(t *testing.T, file string) *Type {
	t.Helper()
	var ct platformv1alpha1.ComponentType
	readSample(t, file, &ct)
	return TypeOf(ct.Name, &ct.Spec)
}

func sampleTrait(t *testing.T, file string) *Trait {
	t.Helper()
	var tr platformv1alpha1.Trait
	readSample(t, file, &tr)
	return TraitOf(tr.Name, &tr.Spec)
}

func readSample(t *testing.T, file string, into any) {
	t.Helper()
	b, err := os.ReadFile("../../config/samples/types/" + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestTheSampleStatefulService renders the sample type and trait as the
// binding controller does (through Component, from what a release pins):
// the parameters' defaults, a trait applied twice, and the checks of the
// type's schema.
func TestTheSampleStatefulService(t *testing.T) {
	ty, annotation, volume := sampleType(t, "stateful-service.yaml"), sampleTrait(t, "pod-annotations.yaml"), sampleTrait(t, "persistent-volume.yaml")
	for _, check := range []func() error{ty.Check, annotation.Check, volume.Check} {
		if err := check(); err != nil {
			t.Fatal(err)
		}
	}
	in := base("ledger", "StatefulService")
	in.Type = ty
	in.Spec.Replicas = new(int32)
	*in.Spec.Replicas = 5 // not used: the type scales by its parameter
	in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "pg", Port: 5432, Protocol: platformv1alpha1.ProtocolTCP}}
	in.Traits = []TraitInstance{
		{Trait: annotation, Name: annotation.Name, InstanceName: "team", Parameters: raw(`{"key": "example.com/team", "value": "ledger"}`)},
		{Trait: annotation, Name: annotation.Name, InstanceName: "cost", Parameters: raw(`{"key": "example.com/cost-center", "value": "42"}`)},
		{Trait: volume, Name: volume.Name, InstanceName: "archive", Parameters: raw(`{"mountPath": "/var/archive"}`)},
	}
	objs, err := Component(in)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*unstructured.Unstructured{}
	var kinds []string
	for _, o := range objs {
		byName[o.GetKind()+"/"+o.GetName()] = o
		kinds = append(kinds, o.GetKind()+"/"+o.GetName())
	}
	// Aileron's own objects, then the type's, in apply order.
	want := "NetworkPolicy/ledger ServiceAccount/ledger PersistentVolumeClaim/ledger-archive Service/ledger Service/ledger-pods StatefulSet/ledger PodDisruptionBudget/ledger"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("objects:\n got %s\nwant %s", got, want)
	}
	sts := byName["StatefulSet/ledger"]
	field := func(path ...string) any {
		v, _, _ := unstructured.NestedFieldNoCopy(sts.Object, path...)
		return v
	}
	claims, _ := field("spec", "volumeClaimTemplates").([]any)
	if len(claims) != 1 {
		t.Fatalf("want one volume claim template, got %v", claims)
	}
	claim := claims[0].(map[string]any)["spec"].(map[string]any)
	if got := claim["resources"].(map[string]any)["requests"].(map[string]any)["storage"]; got != "1Gi" {
		t.Errorf("storage: want the schema's default 1Gi, got %v", got)
	}
	if _, set := claim["storageClassName"]; set {
		t.Errorf("an unset storage class renders no field (null is pruned), got %v", claim["storageClassName"])
	}
	annotated := func(key string) []string { return []string{"spec", "template", "metadata", "annotations", key} }
	for _, check := range []struct {
		path []string
		want any
	}{
		{[]string{"spec", "replicas"}, int64(1)},
		{[]string{"spec", "serviceName"}, "ledger-pods"},
		{annotated("example.com/team"), "ledger"},
		{annotated("example.com/cost-center"), "42"},
		{[]string{"spec", "template", "spec", "securityContext", "runAsNonRoot"}, true},
	} {
		if got := field(check.path...); got != check.want {
			t.Errorf("%s: got %v, want %v", strings.Join(check.path, "."), got, check.want)
		}
	}
	if ann, _ := field("spec", "template", "metadata", "annotations").(map[string]any); ann[ConfigHashAnnotation] == nil {
		t.Errorf("the traits' merge patches must keep Aileron's annotations: %v", ann)
	}
	// persistent-volume: its claim (size by default), mounted after
	// Aileron's /tmp.
	pvc := byName["PersistentVolumeClaim/ledger-archive"]
	if size, _, _ := unstructured.NestedString(pvc.Object, "spec", "resources", "requests", "storage"); size != "1Gi" {
		t.Errorf("the trait's claim: want the default 1Gi, got %q", size)
	}
	vols, _ := field("spec", "template", "spec", "volumes").([]any)
	if len(vols) != 2 || vols[1].(map[string]any)["persistentVolumeClaim"].(map[string]any)["claimName"] != "ledger-archive" {
		t.Errorf("volumes: want tmp then the claim ledger-archive, got %v", vols)
	}
	containers, _ := field("spec", "template", "spec", "containers").([]any)
	mounts, _ := containers[0].(map[string]any)["volumeMounts"].([]any)
	if len(mounts) != 2 || mounts[1].(map[string]any)["mountPath"] != "/var/archive" || mounts[1].(map[string]any)["name"] != "archive" {
		t.Errorf("mounts: want /tmp then /var/archive, got %v", mounts)
	}
	pdb := byName["PodDisruptionBudget/ledger"]
	if got, _, _ := unstructured.NestedFieldNoCopy(pdb.Object, "spec", "maxUnavailable"); got != int64(1) {
		t.Errorf("the budget: want maxUnavailable 1, got %v", got)
	}
	if sel, _, _ := unstructured.NestedStringMap(pdb.Object, "spec", "selector", "matchLabels"); sel[platformv1alpha1.LabelComponent] != "ledger" {
		t.Errorf("the budget selects the component's pods: %v", sel)
	}

	// Parameters given replace the defaults; the type's schema and rules
	// refuse what it does not allow, naming the field.
	in.Spec.Parameters = raw(`{"replicas": 3, "storage": {"size": "20Gi", "className": "replicated"}}`)
	objs, err = Component(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetKind() == "StatefulSet" {
			if r, _, _ := unstructured.NestedInt64(o.Object, "spec", "replicas"); r != 3 {
				t.Errorf("replicas: want 3, got %d", r)
			}
			claim, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeClaimTemplates")
			spec := claim[0].(map[string]any)["spec"].(map[string]any)
			if spec["storageClassName"] != "replicated" || spec["resources"].(map[string]any)["requests"].(map[string]any)["storage"] != "20Gi" {
				t.Errorf("want 20Gi of replicated, got %v", spec)
			}
		}
	}
	for params, want := range map[string]string{
		`{"storage": {"size": "lots"}}`:            `parameters.storage.size: Invalid value: "lots": storage.size in body should match '^[0-9]+(Mi|Gi|Ti)$'`,
		`{"size": "1Gi"}`:                          "parameters.size: the schema declares no such field",
		`{"storage": {"className": "local-path"}}`: "local-path volumes do not survive a node",
		`{"replicas": 9}`:                          "parameters.replicas: Invalid value: 9: replicas in body should be less than or equal to 7",
		`{"replicas": "three"}`:                    `parameters.replicas: Invalid value: "string": replicas in body must be of type integer`,
	} {
		in.Spec.Parameters = raw(params)
		if _, err := Component(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parameters %s:\n got %v\nwant …%s…", params, err, want)
		}
	}
	in.Spec.Parameters = nil
	in.Traits[1].Parameters = raw(`{"key": "example.com/cost-center"}`)
	if _, err := Component(in); err == nil || !strings.Contains(err.Error(), "Trait pod-annotations (instance cost): parameters.value: Required value") {
		t.Errorf("a trait instance's parameters are checked against its schema: got %v", err)
	}
}

// TestAllowedKinds: a kind Aileron refuses is rendered only when the type
// grants it, and by a trait only when both the trait and the type do.
func TestAllowedKinds(t *testing.T) {
	const roleBinding = `{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: "${component.name}-reader"},
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}, subjects: [{kind: ServiceAccount, name: "${component.name}"}]}`
	typeSpec := func(allowed string, rb bool) string {
		s := `workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
allowedKinds: ` + allowed + `
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}}
`
		if rb {
			s += "- template: " + roleBinding
		}
		return s
	}
	in := base("web", "Reader")
	pod := in.podTemplate(nil, nil)
	if _, err := testType(t, "Reader", typeSpec("[]", true)).Render(in, pod, nil); err == nil || !strings.Contains(err.Error(), "unless the ComponentType lists it in spec.allowedKinds") {
		t.Fatalf("a RoleBinding without the grant: got %v", err)
	}
	objs, err := testType(t, "Reader", typeSpec("[RoleBinding]", true)).Render(in, pod, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rb := objs[1]; rb.GetKind() != "RoleBinding" || rb.GetNamespace() != "acme--shop--production" {
		t.Fatalf("the granted RoleBinding lands in the cell: %v", rb)
	}

	trait := func(allowed string) *Trait {
		return testTrait(t, "reader", "allowedKinds: "+allowed+"\ncreates:\n- template: "+roleBinding)
	}
	plain, granted := testType(t, "Plain", typeSpec("[]", false)), testType(t, "Granted", typeSpec("[RoleBinding]", false))
	for _, tc := range []struct {
		ty      *Type
		allowed string
		ok      bool
	}{{plain, "[RoleBinding]", false}, {granted, "[]", false}, {granted, "[RoleBinding]", true}} {
		_, err := tc.ty.Render(in, pod, nil, TraitInstance{Trait: trait(tc.allowed), Name: "reader", InstanceName: "r"})
		if (err == nil) != tc.ok {
			t.Errorf("type %s, trait allowing %s: want ok=%v, got %v", tc.ty.Name, tc.allowed, tc.ok, err)
		}
	}
}
