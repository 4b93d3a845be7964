package render

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// testType reads a type written as a platform team would write it.
func testType(t *testing.T, name, spec string) *Type {
	t.Helper()
	var s platformv1alpha1.ComponentTypeSpec
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatal(err)
	}
	return TypeOf(name, &s)
}

const statefulSet = `
workload: {apiVersion: apps/v1, kind: StatefulSet, podTemplatePath: spec.template}
resources:
- template:
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: ${component.name}
      labels: {team.example.com/tier: data}
    spec:
      serviceName: ${component.name}-headless
      replicas: ${replicas}
      selector: {matchLabels: "${selector}"}
      template:
        spec:
          nodeSelector: {disk: ssd}
      volumeClaimTemplates:
      - metadata: {name: data}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
- template:
    apiVersion: v1
    kind: Service
    metadata: {name: "${component.name}-headless"}
    spec:
      clusterIP: None
      selector: ${selector}
      ports: '${endpoints.map(e, {"name": e.name, "port": e.port})}'
`

// TestATypeRendersItsWorkloadWithAileronsPod renders a StatefulSet type:
// the objects land in the cell with the component's labels (and the
// type's own), and the StatefulSet carries Aileron's pod template beside
// the scheduling the type chose.
func TestATypeRendersItsWorkloadWithAileronsPod(t *testing.T) {
	in := base("db", platformv1alpha1.ComponentService)
	in.Spec.Replicas = new(int32)
	*in.Spec.Replicas = 3
	in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "pg", Port: 5432}}
	ty := testType(t, "StatefulService", statefulSet)
	objs, err := ty.Render(in, in.podTemplate(nil, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("want the StatefulSet and the Service, got %d objects", len(objs))
	}
	sts, svc := objs[0], objs[1]
	for _, o := range objs {
		if o.GetNamespace() != "acme--shop--production" {
			t.Errorf("%s %s: want the cell acme--shop--production, got %q", o.GetKind(), o.GetName(), o.GetNamespace())
		}
		if o.GetLabels()[platformv1alpha1.LabelComponent] != "db" {
			t.Errorf("%s %s: the component's labels are missing: %v", o.GetKind(), o.GetName(), o.GetLabels())
		}
	}
	if sts.GetLabels()[platformv1alpha1.LabelRelease] != "db-0123456789" || svc.GetLabels()[platformv1alpha1.LabelRelease] != "" {
		t.Errorf("the release label goes on the workload only: %v, %v", sts.GetLabels(), svc.GetLabels())
	}
	if sts.GetLabels()["team.example.com/tier"] != "data" {
		t.Errorf("the type's own label is kept, got %v", sts.GetLabels())
	}
	field := func(o *unstructured.Unstructured, path ...string) any {
		v, _, _ := unstructured.NestedFieldNoCopy(o.Object, path...)
		return v
	}
	for _, check := range []struct {
		got, want any
		what      string
	}{
		{field(sts, "spec", "replicas"), int64(3), "replicas"},
		{field(sts, "spec", "serviceName"), "db-headless", "serviceName"},
		{field(sts, "spec", "template", "spec", "nodeSelector", "disk"), "ssd", "the type's scheduling"},
		{field(sts, "spec", "template", "spec", "serviceAccountName"), "db", "Aileron's service account"},
		{field(sts, "spec", "template", "spec", "securityContext", "runAsNonRoot"), true, "Aileron's pod security"},
		{field(sts, "spec", "template", "metadata", "labels", platformv1alpha1.LabelComponent), "db", "the pod's labels"},
		{field(svc, "spec", "clusterIP"), "None", "a headless Service"},
	} {
		if check.got != check.want {
			t.Errorf("%s: got %v, want %v", check.what, check.got, check.want)
		}
	}
	containers, _ := field(sts, "spec", "template", "spec", "containers").([]any)
	if len(containers) != 1 || containers[0].(map[string]any)["image"] != in.Image {
		t.Errorf("want Aileron's one container running %s, got %v", in.Image, containers)
	}
	ports, _ := field(svc, "spec", "ports").([]any)
	if len(ports) != 1 || ports[0].(map[string]any)["port"] != int64(5432) {
		t.Errorf("want the pg port, got %v", ports)
	}
}

// TestATypeStaysInItsCell checks what a type's templates may not do.
func TestATypeStaysInItsCell(t *testing.T) {
	workload := `workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}}
`
	for _, tc := range []struct {
		name, spec, want string
	}{{
		name: "RBAC",
		spec: workload + `- template: {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: admin}}`,
		want: "ComponentType RBAC: spec.resources[1] rendered a RoleBinding: types may not render that kind",
	}, {
		name: "NetworkPolicy",
		spec: workload + `- template: {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: allow-all}}`,
		want: "rendered a NetworkPolicy: types may not render that kind",
	}, {
		name: "OtherNamespace",
		spec: workload + `- template: {apiVersion: v1, kind: ConfigMap, metadata: {name: x, namespace: kube-system}}`,
		want: "spec.resources[1] rendered ConfigMap x in namespace kube-system: a component's objects live in its cell, acme--shop--production",
	}, {
		name: "NoName",
		spec: workload + `- template: {apiVersion: v1, kind: ConfigMap}`,
		want: "spec.resources[1] rendered a ConfigMap without metadata.name",
	}, {
		name: "NoWorkload",
		spec: `workload: {apiVersion: apps/v1, kind: StatefulSet, podTemplatePath: spec.template}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}}`,
		want: "ComponentType NoWorkload rendered 0 StatefulSet objects named web: it must render its workload exactly once",
	}, {
		name: "HostNetwork",
		spec: `workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}, spec: {template: {spec: {hostNetwork: true}}}}`,
		want: "Deployment web: the pod template's spec.hostNetwork is Aileron's: a type may set only spec.restartPolicy, spec.nodeSelector",
	}, {
		name: "Containers",
		spec: `workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}, spec: {template: {spec: {containers: [{name: miner, image: evil}]}}}}`,
		want: "the pod template's spec.containers is Aileron's",
	}, {
		name: "BadExpression",
		spec: `workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
resources:
- template: {apiVersion: apps/v1, kind: Deployment, metadata: {name: "${component.name}"}, spec: {replicas: "${component.spec.storage.size}"}}`,
		want: "ComponentType BadExpression: spec.resources[0].template.spec.replicas: ${component.spec.storage.size}: no such key: storage",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			in := base("web", platformv1alpha1.ComponentService)
			_, err := testType(t, tc.name, tc.spec).Render(in, in.podTemplate(nil, nil), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("\n got %v\nwant …%s…", err, tc.want)
			}
		})
	}
}
