package render

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func raw(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }

func testTrait(t *testing.T, name, spec string) *Trait {
	t.Helper()
	var s platformv1alpha1.TraitSpec
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatal(err)
	}
	return TraitOf(name, &s)
}

// persistentVolume creates a claim and mounts it in the workload's main
// container, by a JSON patch whose values are expressions.
const persistentVolume = `
parameters:
  type: object
  required: [mountPath]
  properties:
    size: {type: string, default: 1Gi}
    mountPath: {type: string, pattern: "^/"}
creates:
- template:
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: "${component.name}-${trait.instanceName}"}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: "${trait.parameters.size}"}}
patches:
- target: {apiVersion: apps/v1, kind: Deployment}
  json:
  - op: add
    path: /spec/template/spec/volumes/-
    value: {name: "${trait.instanceName}", persistentVolumeClaim: {claimName: "${component.name}-${trait.instanceName}"}}
  - op: add
    path: /spec/template/spec/containers/0/volumeMounts/-
    value: {name: "${trait.instanceName}", mountPath: "${trait.parameters.mountPath}"}
`

// podAnnotations adds annotations to the pod template of whatever object
// has one, by a merge patch.
const podAnnotations = `
parameters:
  type: object
  required: [annotations]
  properties:
    annotations:
      type: object
      additionalProperties: {type: string}
patches:
- target: {kind: Deployment, where: "has(object.spec.template)"}
  merge:
    spec:
      template:
        metadata:
          annotations: ${trait.parameters.annotations}
`

func TestTraitsCreateAndPatch(t *testing.T) {
	in := base("web", platformv1alpha1.ComponentService)
	pv, ann := testTrait(t, "persistent-volume", persistentVolume), testTrait(t, "pod-annotations", podAnnotations)
	objs, err := Builtin("Service").Render(in, in.podTemplate(nil, nil), nil,
		TraitInstance{Trait: pv, InstanceName: "data", Parameters: raw(`{"size": "5Gi", "mountPath": "/var/data"}`)},
		TraitInstance{Trait: pv, InstanceName: "cache", Parameters: raw(`{"mountPath": "/var/cache"}`)}, // size by default
		TraitInstance{Trait: ann, InstanceName: "team", Parameters: raw(`{"annotations": {"example.com/team": "checkout"}}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		byName[o.GetKind()+"/"+o.GetName()] = o
	}
	for _, claim := range []struct{ name, size string }{{"web-data", "5Gi"}, {"web-cache", "1Gi"}} {
		pvc := byName["PersistentVolumeClaim/"+claim.name]
		if pvc == nil {
			t.Fatalf("want the claim %s, got %v", claim.name, keys(byName))
		}
		if size, _, _ := unstructured.NestedString(pvc.Object, "spec", "resources", "requests", "storage"); size != claim.size {
			t.Errorf("%s: want %s, got %s", claim.name, claim.size, size)
		}
		if pvc.GetNamespace() != "acme--shop--production" || pvc.GetLabels()[platformv1alpha1.LabelComponent] != "web" {
			t.Errorf("%s is not held to the cell: %s %v", claim.name, pvc.GetNamespace(), pvc.GetLabels())
		}
	}
	d := byName["Deployment/web"]
	vols, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
	var names []string
	for _, v := range vols {
		names = append(names, v.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "tmp,data,cache" {
		t.Errorf("want Aileron's tmp then the two claims, got %v", names)
	}
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	mounts := containers[0].(map[string]any)["volumeMounts"].([]any)
	var paths []string
	for _, m := range mounts {
		paths = append(paths, m.(map[string]any)["mountPath"].(string))
	}
	if strings.Join(paths, ",") != "/tmp,/var/data,/var/cache" {
		t.Errorf("want /tmp, /var/data, /var/cache mounted, got %v", paths)
	}
	annotations, _, _ := unstructured.NestedStringMap(d.Object, "spec", "template", "metadata", "annotations")
	if annotations["example.com/team"] != "checkout" || annotations[ConfigHashAnnotation] == "" {
		t.Errorf("want the team annotation beside Aileron's config hash, got %v", annotations)
	}
}

func keys(m map[string]*unstructured.Unstructured) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTraitsCannotLoosenWhatAileronHolds checks each fence after traits.
func TestTraitsCannotLoosenWhatAileronHolds(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want string
	}{{
		name: "host-network",
		spec: `patches: [{target: {kind: Deployment}, merge: {spec: {template: {spec: {hostNetwork: true}}}}}]`,
		want: "after the traits: Deployment web: the pod's hostNetwork is Aileron's: a trait may not set it",
	}, {
		name: "root",
		spec: `patches: [{target: {kind: Deployment}, merge: {spec: {template: {spec: {securityContext: {runAsUser: 0}}}}}}]`,
		want: "the pod's securityContext is Aileron's: a trait may not change it",
	}, {
		name: "privileged-sidecar",
		spec: `patches: [{target: {kind: Deployment}, json: [{op: add, path: /spec/template/spec/containers/-, value: {name: miner, image: evil}}]}]`,
		want: "containers miner: a container's securityContext is Aileron's",
	}, {
		name: "host-path",
		spec: `patches: [{target: {kind: Deployment}, json: [{op: add, path: /spec/template/spec/volumes/-, value: {name: root, hostPath: {path: /}}}]}]`,
		want: "volume root: a hostPath volume reaches past the pod: not allowed",
	}, {
		name: "service-account",
		spec: `patches: [{target: {kind: Deployment}, merge: {spec: {template: {spec: {serviceAccountName: default}}}}}]`,
		want: "the pod's serviceAccountName is Aileron's",
	}, {
		name: "rbac",
		spec: `creates: [{template: {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: admin}}}]`,
		want: "Trait rbac (instance x): spec.creates[0] rendered a RoleBinding: types may not render that kind",
	}, {
		name: "elsewhere",
		spec: `patches: [{target: {kind: Service}, merge: {metadata: {namespace: kube-system}}}]`,
		want: "after the traits rendered Service web in namespace kube-system",
	}, {
		name: "rename",
		spec: `patches: [{target: {kind: Deployment}, merge: {metadata: {name: other}}}]`,
		want: "after the traits: ComponentType service rendered 0 Deployment objects named web",
	}, {
		name: "duplicate",
		spec: `creates: [{template: {apiVersion: v1, kind: Service, metadata: {name: "${component.name}"}}}]`,
		want: "spec.creates[0] renders Service web, which the component already has",
	}, {
		name: "both",
		spec: `patches: [{target: {kind: Service}, merge: {a: 1}, json: [{op: remove, path: /a}]}]`,
		want: "Trait both (instance x): spec.patches[0]: set exactly one of merge and json",
	}, {
		name: "bad-where",
		spec: `patches: [{target: {kind: Service, where: "object.spec.("}, merge: {a: 1}}]`,
		want: "spec.patches[0].target.where: ${object.spec.(}: ERROR",
	}, {
		name: "bad-path",
		spec: `patches: [{target: {kind: Service}, json: [{op: replace, path: /spec/nowhere/x, value: 1}]}]`,
		want: "spec.patches[0] on Service web:",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			in := base("web", platformv1alpha1.ComponentService)
			in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}}
			_, err := Builtin("Service").Render(in, in.podTemplate(nil, nil), nil, TraitInstance{Trait: testTrait(t, tc.name, tc.spec), InstanceName: "x"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("\n got %v\nwant …%s…", err, tc.want)
			}
		})
	}
}
