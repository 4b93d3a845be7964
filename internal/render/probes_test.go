package render

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// mainContainer renders in and returns its workload's main container.
func mainContainer(t *testing.T, in Input) corev1.Container {
	t.Helper()
	objs, err := Component(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		var path []string
		switch o.GetKind() {
		case "Deployment", "StatefulSet":
			path = []string{"spec", "template"}
		case "CronJob":
			path = []string{"spec", "jobTemplate", "spec", "template"}
		case "Job":
			path = []string{"spec", "template"}
		default:
			continue
		}
		m, _, _ := unstructured.NestedMap(o.Object, path...)
		var pod corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &pod); err != nil {
			t.Fatal(err)
		}
		return pod.Spec.Containers[0]
	}
	t.Fatalf("no workload among %d objects", len(objs))
	return corev1.Container{}
}

func probeJSON(t *testing.T, p *corev1.Probe) string {
	t.Helper()
	if p == nil {
		return "null"
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProbes: the default (a TCP readiness probe on the first endpoint of
// a serving workload, nothing otherwise) and each handler as set, with
// the expected probes written out by hand.
func TestProbes(t *testing.T) {
	endpoints := []platformv1alpha1.Endpoint{
		{Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP},
		{Name: "grpc", Port: 9090, Protocol: platformv1alpha1.ProtocolGRPC},
	}
	withEndpoints := func(in Input) Input { in.Spec.Endpoints = endpoints; return in }
	job := testType(t, "Batch", `
workload: {apiVersion: batch/v1, kind: Job, podTemplatePath: spec.template}
resources:
- template: {apiVersion: batch/v1, kind: Job, metadata: "${metadata}", spec: {}}
`)
	batch := withEndpoints(base("batch", "Batch"))
	batch.Type = job
	scheduled := base("nightly", platformv1alpha1.ComponentScheduledTask)
	scheduled.Spec.Schedule = "0 3 * * *"
	for _, tc := range []struct {
		name                         string
		in                           Input
		readiness, liveness, startup string
	}{{
		name:      "a Service gets a TCP readiness probe on its first endpoint",
		in:        withEndpoints(base("api", platformv1alpha1.ComponentService)),
		readiness: `{"tcpSocket":{"port":"http"}}`, liveness: "null", startup: "null",
	}, {
		name:      "a Worker has no endpoint and gets none",
		in:        base("worker", platformv1alpha1.ComponentWorker),
		readiness: "null", liveness: "null", startup: "null",
	}, {
		name:      "a ScheduledTask gets none",
		in:        scheduled,
		readiness: "null", liveness: "null", startup: "null",
	}, {
		name:      "a Job workload gets none, even with endpoints",
		in:        batch,
		readiness: "null", liveness: "null", startup: "null",
	}, {
		name: "each handler as set; a probe set replaces the default",
		in: func() Input {
			in := withEndpoints(base("api", platformv1alpha1.ComponentService))
			in.Spec.Container.Probes = &platformv1alpha1.Probes{
				Readiness: &platformv1alpha1.Probe{HTTP: &platformv1alpha1.HTTPProbe{Endpoint: "http", Path: "/healthz"}, PeriodSeconds: ptr.To[int32](5)},
				Liveness:  &platformv1alpha1.Probe{GRPC: &platformv1alpha1.GRPCProbe{Endpoint: "grpc", Service: "shop.Api"}, FailureThreshold: ptr.To[int32](6)},
				Startup:   &platformv1alpha1.Probe{Exec: &platformv1alpha1.ExecProbe{Command: []string{"/bin/ready", "--quick"}}, InitialDelaySeconds: ptr.To[int32](2), TimeoutSeconds: ptr.To[int32](3)},
			}
			return in
		}(),
		readiness: `{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":5}`,
		liveness:  `{"grpc":{"port":9090,"service":"shop.Api"},"failureThreshold":6}`,
		startup:   `{"exec":{"command":["/bin/ready","--quick"]},"initialDelaySeconds":2,"timeoutSeconds":3}`,
	}, {
		name: "only a liveness probe: no readiness default, an HTTP path defaults to /",
		in: func() Input {
			in := withEndpoints(base("api", platformv1alpha1.ComponentService))
			in.Spec.Container.Probes = &platformv1alpha1.Probes{
				Liveness: &platformv1alpha1.Probe{HTTP: &platformv1alpha1.HTTPProbe{Endpoint: "grpc"}},
				Startup:  &platformv1alpha1.Probe{TCP: &platformv1alpha1.TCPProbe{Endpoint: "grpc"}},
			}
			return in
		}(),
		readiness: "null", liveness: `{"httpGet":{"path":"/","port":"grpc"}}`, startup: `{"tcpSocket":{"port":"grpc"}}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := mainContainer(t, tc.in)
			for _, p := range []struct {
				which, want string
				got         *corev1.Probe
			}{{"readiness", tc.readiness, c.ReadinessProbe}, {"liveness", tc.liveness, c.LivenessProbe}, {"startup", tc.startup, c.StartupProbe}} {
				if got := probeJSON(t, p.got); got != p.want {
					t.Errorf("%s:\n got %s\nwant %s", p.which, got, p.want)
				}
			}
		})
	}
}

// TestProbeOnAnUnknownEndpoint: a release whose probe names no endpoint
// (the API server refuses it; a render from files does not ask it) is
// refused, naming the probe and the endpoint.
func TestProbeOnAnUnknownEndpoint(t *testing.T) {
	in := base("api", platformv1alpha1.ComponentService)
	in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 8080}}
	in.Spec.Container.Probes = &platformv1alpha1.Probes{Startup: &platformv1alpha1.Probe{GRPC: &platformv1alpha1.GRPCProbe{Endpoint: "admin"}}}
	_, err := Component(in)
	want := "spec.container.probes.startup checks endpoint admin, which the component does not have"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("want …%s…, got %v", want, err)
	}
}

// TestProbesAreTemplateVariables: a type's templates see the probes the
// pod has.
func TestProbesAreTemplateVariables(t *testing.T) {
	ty := testType(t, "Probed", `
workload: {apiVersion: apps/v1, kind: Deployment, podTemplatePath: spec.template}
resources:
- template:
    apiVersion: apps/v1
    kind: Deployment
    metadata: ${metadata}
    spec:
      selector: {matchLabels: "${selector}"}
- template:
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: "${component.name}-probes"}
    data:
      readiness: '${probes.readiness == null ? "none" : string(probes.readiness.tcpSocket.port)}'
      liveness: '${probes.liveness == null ? "none" : "set"}'
`)
	in := base("api", "Probed")
	in.Type = ty
	in.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "web", Port: 8080}}
	objs, err := Component(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetName() == "api-probes" {
			data, _, _ := unstructured.NestedStringMap(o.Object, "data")
			if data["readiness"] != "web" || data["liveness"] != "none" {
				t.Errorf("want readiness web and liveness none, got %v", data)
			}
			return
		}
	}
	t.Fatal("the ConfigMap api-probes was not rendered")
}
