package render

import (
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/golden"
)

var plane = Plane{Name: "eu-1", PublicHost: "eu-1.apps.acme.example", GatewayName: "aileron-gateway", GatewayNamespace: "aileron-gateway"}

func base(name string, t platformv1alpha1.ComponentTypeName) Input {
	return Input{
		Organization: "acme", Project: "shop", Environment: "production", Plane: plane,
		Component: name, Release: name + "-0123456789", Image: "registry.acme.example/shop/" + name + ":1.0.0",
		State: platformv1alpha1.BindingActive,
		Spec:  platformv1alpha1.ComponentSpec{ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: t},
	}
}

func goldenInputs() map[string]Input {
	web := base("web", platformv1alpha1.ComponentWebApplication)
	web.Spec.Autoscaling = &platformv1alpha1.Autoscaling{MinReplicas: 2, MaxReplicas: 6, TargetCPUUtilizationPercentage: 70}
	web.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 3000, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityPublic, Path: "/"}}
	web.Spec.Container.Files = []platformv1alpha1.ConfigFile{{MountPath: "/etc/web/features.json", Content: `{"newCheckout": true}`}}
	web.Dependencies = []Dependency{{EnvVar: "API_HTTP_URL", Project: "shop", Component: "api", Endpoint: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP}}

	api := base("api", platformv1alpha1.ComponentService)
	api.Spec.Replicas = ptr.To[int32](2)
	api.Spec.Endpoints = []platformv1alpha1.Endpoint{
		{Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityProject},
		{Name: "grpc", Port: 9090, Protocol: platformv1alpha1.ProtocolGRPC, Visibility: platformv1alpha1.VisibilityOrganization},
	}
	api.Spec.Container.Env = []platformv1alpha1.EnvVar{
		{Name: "LOG_LEVEL", Value: ptr.To("info")},
		{Name: "DATABASE_PASSWORD", SecretKeyRef: &platformv1alpha1.SecretKeyReference{Name: "shop-db", Key: "password"}},
	}
	api.Spec.Container.Probes = &platformv1alpha1.Probes{
		Readiness: &platformv1alpha1.Probe{HTTP: &platformv1alpha1.HTTPProbe{Endpoint: "http", Path: "/ready"}, PeriodSeconds: ptr.To[int32](5)},
		Liveness:  &platformv1alpha1.Probe{GRPC: &platformv1alpha1.GRPCProbe{Endpoint: "grpc"}, FailureThreshold: ptr.To[int32](6)},
		Startup:   &platformv1alpha1.Probe{Exec: &platformv1alpha1.ExecProbe{Command: []string{"/app/warm-up", "--check"}}},
	}
	cpu := resource.MustParse("2")
	api.Spec.Container.Resources = &platformv1alpha1.Resources{Requests: &platformv1alpha1.ResourceList{CPU: &cpu}}

	worker := base("worker", platformv1alpha1.ComponentWorker)
	worker.Spec.Container.Args = []string{"--queue", "orders"}
	worker.Dependencies = []Dependency{
		{EnvVar: "LEDGER_GRPC_URL", Project: "billing", Component: "ledger", Endpoint: "grpc", Port: 9090, Protocol: platformv1alpha1.ProtocolGRPC},
		{EnvVar: "API_HTTP_URL", Project: "shop", Component: "api", Endpoint: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP, Path: "/v1"},
	}

	report := base("nightly-report", platformv1alpha1.ComponentScheduledTask)
	report.Spec.Schedule = "0 3 * * *"
	report.Dependencies = []Dependency{{EnvVar: "API_URL", Project: "shop", Component: "api", Endpoint: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP}}

	suspended := api
	suspended.State = platformv1alpha1.BindingSuspended

	long := base("a-component-with-a-rather-long-name-x", platformv1alpha1.ComponentService)
	long.Organization, long.Project, long.Environment = "an-organization-name-30-chars", "a-project-name-also-30-charss", "pre-production-2"
	long.Spec.Endpoints = []platformv1alpha1.Endpoint{{Name: "http", Port: 80, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityPublic, Path: "/shop"}}

	return map[string]Input{
		"service-secrets":          secretsInput(),
		"webapp-public-autoscaled": web, "service-two-endpoints": api, "worker-dependencies": worker,
		"scheduled-task": report, "service-suspended": suspended, "long-names": long,
	}
}

func TestGolden(t *testing.T) {
	for name, in := range goldenInputs() {
		t.Run(name, func(t *testing.T) {
			objs, err := Component(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := objs.YAML()
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, name, got)
		})
	}
	t.Run("cell", func(t *testing.T) {
		objs, err := Cell("acme", "shop", "production", nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := objs.YAML()
		if err != nil {
			t.Fatal(err)
		}
		compareGolden(t, "cell", got)
	})
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, name+".yaml", got)
}

// TestDeterministic renders each input twice, the second time with its
// dependencies reversed, and expects identical bytes.
func TestDeterministic(t *testing.T) {
	for name, in := range goldenInputs() {
		first, err := Component(in)
		if err != nil {
			t.Fatal(err)
		}
		reversed := in
		reversed.Dependencies = append([]Dependency(nil), in.Dependencies...)
		for i, j := 0, len(reversed.Dependencies)-1; i < j; i, j = i+1, j-1 {
			reversed.Dependencies[i], reversed.Dependencies[j] = reversed.Dependencies[j], reversed.Dependencies[i]
		}
		second, err := Component(reversed)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := first.YAML()
		b, _ := second.YAML()
		if string(a) != string(b) {
			t.Errorf("%s: two renders of the same input differ", name)
		}
		h1, _ := first.Hash()
		h2, _ := second.Hash()
		if h1 != h2 {
			t.Errorf("%s: hashes differ", name)
		}
	}
}

// TestHashTellsRendersApart checks that any change of content changes the
// hash: delivery skips a render whose hash it has applied already.
func TestHashTellsRendersApart(t *testing.T) {
	seen := map[string]string{}
	for name, in := range goldenInputs() {
		for variant, change := range map[string]func(*Input){
			"as is":   func(*Input) {},
			"image":   func(in *Input) { in.Image += "-next" },
			"release": func(in *Input) { in.Release += "x" },
			"env value": func(in *Input) {
				in.Spec.Container.Env = append(in.Spec.Container.Env, platformv1alpha1.EnvVar{Name: "X", Value: ptr.To("1")})
			},
		} {
			changed := in
			changed.Spec = *in.Spec.DeepCopy()
			change(&changed)
			objs, err := Component(changed)
			if err != nil {
				t.Fatal(err)
			}
			h, err := objs.Hash()
			if err != nil {
				t.Fatal(err)
			}
			if other, dup := seen[h]; dup {
				t.Errorf("%s/%s hashes like %s", name, variant, other)
			}
			seen[h] = name + "/" + variant
		}
	}
}

// TestEveryObjectCarriesTheLabels checks the component's labels on every
// object, and the release only on the workload and its pods.
func TestEveryObjectCarriesTheLabels(t *testing.T) {
	for name, in := range goldenInputs() {
		objs, err := Component(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			l := o.GetLabels()
			for key, want := range map[string]string{
				platformv1alpha1.LabelOrganization: in.Organization, platformv1alpha1.LabelProject: in.Project,
				platformv1alpha1.LabelEnvironment: in.Environment, platformv1alpha1.LabelComponent: in.Component,
				platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue,
			} {
				if l[key] != want {
					t.Errorf("%s: %s %s has %s=%q, want %q", name, o.GetKind(), o.GetName(), key, l[key], want)
				}
			}
			workload := o.GetKind() == "Deployment" || o.GetKind() == "CronJob"
			if release, has := l[platformv1alpha1.LabelRelease]; workload != has || (has && release != in.Release) {
				t.Errorf("%s: %s %s has release label %q: only the workload carries it, as %s", name, o.GetKind(), o.GetName(), release, in.Release)
			}
			if err := inCell(o.GetNamespace(), in.Organization, in.Project, in.Environment); err != nil {
				t.Errorf("%s: %s %s is outside its cell: %v", name, o.GetKind(), o.GetName(), err)
			}
		}
	}
}

// TestAnEditChangesOnlyWhatItChanges renders two releases of a component
// that differ by one environment variable: only the ConfigMap holding it
// and the workload (its release, and its pods' configuration hash) change.
func TestAnEditChangesOnlyWhatItChanges(t *testing.T) {
	before := goldenInputs()["service-two-endpoints"]
	after := before
	after.Release = "api-9876543210"
	after.Spec.Container.Env = []platformv1alpha1.EnvVar{
		{Name: "LOG_LEVEL", Value: ptr.To("debug")},
		{Name: "DATABASE_PASSWORD", SecretKeyRef: &platformv1alpha1.SecretKeyReference{Name: "shop-db", Key: "password"}},
	}
	render := func(in Input) map[string]string {
		objs, err := Component(in)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, o := range objs {
			b, err := Objects{o}.YAML()
			if err != nil {
				t.Fatal(err)
			}
			out[o.GetKind()+"/"+o.GetName()] = string(b)
		}
		return out
	}
	a, b := render(before), render(after)
	var changed []string
	for k, v := range a {
		if b[k] != v {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	if got := strings.Join(changed, " "); got != "ConfigMap/api-env Deployment/api" {
		t.Fatalf("want only ConfigMap/api-env and Deployment/api changed, got %s", got)
	}
}

func TestNames(t *testing.T) {
	if got := CellNamespace("acme", "shop", "production"); got != "acme--shop--production" {
		t.Errorf("short cell namespace = %q", got)
	}
	long := CellNamespace("an-organization-name-30-chars", "a-project-name-also-30-charss", "pre-production-2")
	if len(long) != 63 || !strings.HasPrefix(long, "an-organization-name-30-chars--a-project-name-") {
		t.Errorf("long cell namespace = %q (%d chars)", long, len(long))
	}
	other := CellNamespace("an-organization-name-30-chars", "a-project-name-also-30-charss", "pre-production-3")
	if other == long {
		t.Errorf("two different cells got the same shortened namespace %q", long)
	}
	p := Plane{PublicHost: "apps.example"}
	if got, want := PublicHost(p, "acme", "shop", "production", "web"), "web--shop--production--acme.apps.example"; got != want {
		t.Errorf("PublicHost = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		dep  platformv1alpha1.Dependency
		want string
	}{
		{platformv1alpha1.Dependency{Component: "api", Endpoint: "http"}, "API_HTTP_URL"},
		{platformv1alpha1.Dependency{Component: "order-store", Endpoint: "grpc-v2"}, "ORDER_STORE_GRPC_V2_URL"},
		{platformv1alpha1.Dependency{Component: "api", Endpoint: "http", EnvVar: "BACKEND"}, "BACKEND"},
	} {
		if got := DependencyEnvVar(tc.dep); got != tc.want {
			t.Errorf("DependencyEnvVar(%+v) = %q, want %q", tc.dep, got, tc.want)
		}
	}
}

func TestResourcesFillDefaultsBelowLimits(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	for _, tc := range []struct {
		name                           string
		in                             *platformv1alpha1.Resources
		cpuReq, cpuLim, memReq, memLim string
	}{
		{"nothing set", nil, "100m", "500m", "128Mi", "256Mi"},
		{"a request above the default limit raises the limit",
			&platformv1alpha1.Resources{Requests: &platformv1alpha1.ResourceList{CPU: q("2"), Memory: q("1Gi")}}, "2", "2", "1Gi", "1Gi"},
		{"a limit below the default request lowers the request",
			&platformv1alpha1.Resources{Limits: &platformv1alpha1.ResourceList{CPU: q("50m"), Memory: q("64Mi")}}, "50m", "50m", "64Mi", "64Mi"},
		{"both set are kept",
			&platformv1alpha1.Resources{Requests: &platformv1alpha1.ResourceList{CPU: q("200m")}, Limits: &platformv1alpha1.ResourceList{CPU: q("300m")}},
			"200m", "300m", "128Mi", "256Mi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fill(tc.in, aileronDefaults)
			for _, c := range []struct {
				what string
				got  resource.Quantity
				want string
			}{
				{"cpu request", got.Requests[corev1.ResourceCPU], tc.cpuReq}, {"cpu limit", got.Limits[corev1.ResourceCPU], tc.cpuLim},
				{"memory request", got.Requests[corev1.ResourceMemory], tc.memReq}, {"memory limit", got.Limits[corev1.ResourceMemory], tc.memLim},
			} {
				if c.got.Cmp(resource.MustParse(c.want)) != 0 {
					t.Errorf("%s = %s, want %s", c.what, c.got.String(), c.want)
				}
			}
		})
	}
}

// TestBindingIsTheCellThenTheComponent: what a binding puts on a plane is
// the cell of its organization, project and environment, Namespace first,
// then the component's objects, each in the cell's namespace.
func TestBindingIsTheCellThenTheComponent(t *testing.T) {
	in := base("api", platformv1alpha1.ComponentService)
	out, err := Binding(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Cell) == 0 || out.Cell[0].GetKind() != "Namespace" || out.Cell[0].GetName() != "acme--shop--production" {
		t.Fatalf("the cell does not start with its Namespace acme--shop--production: %v", out.Cell)
	}
	if len(out.Component) == 0 {
		t.Fatal("no component objects")
	}
	for _, o := range out.Component {
		if o.GetNamespace() != "acme--shop--production" {
			t.Errorf("%s %s is in namespace %q, not the cell's", o.GetKind(), o.GetName(), o.GetNamespace())
		}
	}
	all := out.All()
	if len(all) != len(out.Cell)+len(out.Component) || all[0] != out.Cell[0] || all[len(out.Cell)] != out.Component[0] {
		t.Errorf("All is not the cell then the component")
	}
}

// BenchmarkComponent renders each golden input once per iteration.
func BenchmarkComponent(b *testing.B) {
	inputs := goldenInputs()
	for b.Loop() {
		for _, in := range inputs {
			if _, err := Component(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}
