package stack

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/golden"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// tenItems is a data plane stack of ten items covering every agent role.
func tenItems(delivery platformv1alpha1.StackDelivery, mode platformv1alpha1.StackMode) *platformv1alpha1.PlaneStack {
	item := func(name string, role platformv1alpha1.StackItemRole, deps ...string) platformv1alpha1.StackItem {
		return platformv1alpha1.StackItem{Name: name, Role: role, Namespace: "infra-" + name, DependsOn: deps,
			Helm: &platformv1alpha1.HelmChart{RepositoryURL: "https://charts.example/" + name, Chart: name, Version: "1.0.0"}}
	}
	s := &platformv1alpha1.PlaneStack{
		ObjectMeta: metav1.ObjectMeta{Name: "edge"},
		Spec: platformv1alpha1.PlaneStackSpec{
			PlaneType: platformv1alpha1.PlaneTypeData, Delivery: delivery, Mode: mode,
			SyncMode:      platformv1alpha1.SyncModeContinuousWithDriftDetection,
			PlaneSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "edge"}},
			Items: []platformv1alpha1.StackItem{
				item("secrets", platformv1alpha1.RoleSecrets),
				item("policy", platformv1alpha1.RolePolicy),
				item("gateway", platformv1alpha1.RoleGateway, "secrets"),
				item("sveltos-agent", platformv1alpha1.RoleSveltosAgent),
				item("metrics", platformv1alpha1.RoleMetricsAgent, "secrets"),
				item("logs", platformv1alpha1.RoleLogAgent, "secrets"),
				item("cert-manager", platformv1alpha1.RoleOther),
				item("dns", platformv1alpha1.RoleOther, "cert-manager"),
				item("autoscaler", platformv1alpha1.RoleOther),
				item("backup", platformv1alpha1.RoleOther, "secrets"),
			},
		},
	}
	return s
}

func TestSplitGivesEachModeItsApplications(t *testing.T) {
	for _, tc := range []struct {
		delivery platformv1alpha1.StackDelivery
		mode     platformv1alpha1.StackMode
		groups   string
		profiles int
	}{
		{platformv1alpha1.StackDeliverySveltos, platformv1alpha1.StackModeAgentless, "", 10},
		{platformv1alpha1.StackDeliveryArgoCD, platformv1alpha1.StackModeAgentless, "stack:10", 0},
		{platformv1alpha1.StackDeliveryArgoCD, platformv1alpha1.StackModeMixed, "observability-agent:2 stack:8", 0},
		{platformv1alpha1.StackDeliveryArgoCD, platformv1alpha1.StackModeAgentBased, "gateway:1 observability-agent:2 sveltos-agent:1", 6},
	} {
		groups, profiles := Split(tenItems(tc.delivery, tc.mode))
		var got []string
		for _, g := range groups {
			got = append(got, fmt.Sprintf("%s:%d", g.Name, len(g.Items)))
		}
		if strings.Join(got, " ") != tc.groups || len(profiles) != tc.profiles {
			t.Errorf("%s/%s: groups %q and %d profile item(s), want %q and %d", tc.delivery, tc.mode, got, len(profiles), tc.groups, tc.profiles)
		}
		if n := len(ApplicationSets("argocd", tenItems(tc.delivery, tc.mode))); n != len(groups) {
			t.Errorf("%s/%s: %d ApplicationSets for %d groups", tc.delivery, tc.mode, n, len(groups))
		}
	}
}

func TestCycle(t *testing.T) {
	items := func(deps map[string][]string) []platformv1alpha1.StackItem {
		var out []platformv1alpha1.StackItem
		for _, n := range []string{"a", "b", "c", "d"} {
			out = append(out, platformv1alpha1.StackItem{Name: n, DependsOn: deps[n]})
		}
		return out
	}
	for _, tc := range []struct {
		deps map[string][]string
		want string
	}{
		{map[string][]string{}, ""},
		{map[string][]string{"b": {"a"}, "c": {"a", "b"}, "d": {"c"}}, ""},
		{map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a b c a"},
		{map[string][]string{"d": {"c"}, "c": {"d"}}, "c d c"},
		{map[string][]string{"a": {"unknown"}}, ""},
	} {
		if got := strings.Join(Cycle(items(tc.deps)), " "); got != tc.want {
			t.Errorf("Cycle(%v) = %q, want %q", tc.deps, got, tc.want)
		}
	}
}

func TestCheckManifests(t *testing.T) {
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
	for _, tc := range []struct {
		name, manifests string
		want            string // a fragment of the error; empty when none
	}{
		{"one object", cm, ""},
		{"two documents and an empty one", cm + "---\n---\n" + cm, ""},
		{"JSON", `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}`, ""},
		{"a tab where YAML wants spaces", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n", "the manifests of item x are not valid YAML"},
		{"an unclosed flow mapping", "apiVersion: v1\nkind: {ConfigMap\n", "not valid YAML"},
		{"a scalar", "just words", "not valid YAML"},
		{"no kind", "apiVersion: v1\nmetadata: {name: a}\n", "document 1 of the manifests of item x is not a Kubernetes object"},
		{"the second without an apiVersion", cm + "---\nkind: Secret\n", "document 2 of"},
		{"only comments", "# nothing yet\n", "hold no object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := []platformv1alpha1.StackItem{
				{Name: "chart", Helm: &platformv1alpha1.HelmChart{Chart: "c"}},
				{Name: "x", Manifests: tc.manifests},
			}
			err := CheckManifests(items)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("CheckManifests: %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("CheckManifests: %v, want an error containing %q", err, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), "spec.items[1].manifests"):
				t.Fatalf("CheckManifests: %v does not name the field to fix", err)
			}
		})
	}
}

func TestSelectsFollowsLabels(t *testing.T) {
	s := tenItems(platformv1alpha1.StackDeliverySveltos, platformv1alpha1.StackModeAgentless)
	for _, tc := range []struct {
		plane Plane
		want  bool
	}{
		{Plane{Type: "data", Name: "eu-1", Labels: map[string]string{"tier": "edge"}}, true},
		{Plane{Type: "data", Name: "eu-1", Labels: map[string]string{"tier": "core"}}, false},
		{Plane{Type: "data", Name: "eu-1"}, false},
		{Plane{Type: "build", Name: "eu-1", Labels: map[string]string{"tier": "edge"}}, false},
		// A plane's own label cannot pretend to be another type.
		{Plane{Type: "build", Name: "eu-1", Labels: map[string]string{"tier": "edge", platformv1alpha1.LabelPlaneType: "data"}}, false},
	} {
		got, err := Selects(s, tc.plane)
		if err != nil || got != tc.want {
			t.Errorf("Selects(%+v) = %v, %v; want %v", tc.plane, got, err, tc.want)
		}
	}
	s.Spec.PlaneSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Sometimes"}}}
	if _, err := Selects(s, Plane{Type: "data", Name: "x"}); err == nil {
		t.Error("an invalid selector must be an error")
	}
}

func TestAnnotationsTakeTheLogEndpointApart(t *testing.T) {
	for _, tc := range []struct {
		logs string
		want map[string]string
	}{
		{"", nil},
		{"https://logs.obs.example/insert/jsonline?_msg_field=log", map[string]string{
			AnnotationLogsURL: "https://logs.obs.example/insert/jsonline?_msg_field=log", AnnotationLogsHost: "logs.obs.example",
			AnnotationLogsPort: "443", AnnotationLogsTLS: "On", AnnotationLogsPath: "/insert/jsonline?_msg_field=log"}},
		{"http://10.0.0.7:9428", map[string]string{
			AnnotationLogsURL: "http://10.0.0.7:9428", AnnotationLogsHost: "10.0.0.7",
			AnnotationLogsPort: "9428", AnnotationLogsTLS: "Off", AnnotationLogsPath: "/"}},
	} {
		got := Annotations(Plane{LogsURL: tc.logs})
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Annotations(%q) = %v, want %v", tc.logs, got, tc.want)
		}
	}
}

func TestAddonsReady(t *testing.T) {
	summary := func(profile string, statuses ...string) sveltos.ClusterSummary {
		cs := sveltos.ClusterSummary{ObjectMeta: metav1.ObjectMeta{Name: profile + "-sveltos-data-eu-1",
			OwnerReferences: []metav1.OwnerReference{{Kind: "ClusterProfile", Name: profile}}}}
		for _, st := range statuses {
			f := sveltos.FeatureSummary{FeatureID: "Helm", Status: st}
			if st == sveltos.FeatureStatusFailed {
				f.FailureMessage = "chart not found"
			}
			cs.Status.FeatureSummaries = append(cs.Status.FeatureSummaries, f)
		}
		return cs
	}
	for _, tc := range []struct {
		name      string
		expected  []string
		summaries []sveltos.ClusterSummary
		status    metav1.ConditionStatus
		reason    string
		message   string
	}{
		{"nothing selects the plane", nil, nil, metav1.ConditionTrue, platformv1alpha1.ReasonAddonsProvisioned, "no add-on profile selects this plane"},
		{"all provisioned", []string{"s-b", "s-a"}, []sveltos.ClusterSummary{summary("s-a", "Provisioned"), summary("s-b", "Provisioned")},
			metav1.ConditionTrue, platformv1alpha1.ReasonAddonsProvisioned, "2 add-on profile(s) provisioned: s-a, s-b"},
		{"one not reported", []string{"s-a", "s-b"}, []sveltos.ClusterSummary{summary("s-a", "Provisioned")},
			metav1.ConditionFalse, platformv1alpha1.ReasonAddonsProvisioning, "waiting for 1 of 2 add-on profile(s): s-b (not reported yet)"},
		{"one provisioning", []string{"s-a"}, []sveltos.ClusterSummary{summary("s-a", "Provisioning")},
			metav1.ConditionFalse, platformv1alpha1.ReasonAddonsProvisioning, "waiting for 1 of 1 add-on profile(s): s-a (Helm provisioning)"},
		{"one failed", []string{"s-a", "s-b"}, []sveltos.ClusterSummary{summary("s-a", "Failed"), summary("s-b", "Provisioned")},
			metav1.ConditionFalse, platformv1alpha1.ReasonAddonsFailed, "failed: s-a: Helm failed: chart not found"},
		{"a summary of a profile that no longer selects the plane is ignored", []string{"s-a"}, []sveltos.ClusterSummary{summary("s-a", "Provisioned"), summary("old", "Failed")},
			metav1.ConditionTrue, platformv1alpha1.ReasonAddonsProvisioned, "1 add-on profile(s) provisioned: s-a"},
	} {
		got := AddonsReady(tc.expected, tc.summaries)
		if got.Status != tc.status || got.Reason != tc.reason || got.Message != tc.message {
			t.Errorf("%s: got %s/%s %q, want %s/%s %q", tc.name, got.Status, got.Reason, got.Message, tc.status, tc.reason, tc.message)
		}
	}
}

// TestGolden pins what each default stack and each Argo CD mode renders.
func TestGolden(t *testing.T) {
	cases := map[string][]any{}
	for _, s := range Defaults() {
		profiles, cms := ClusterProfiles("aileron-system", s)
		var objs []any
		for _, p := range profiles {
			objs = append(objs, p)
		}
		for _, cm := range cms {
			objs = append(objs, cm)
		}
		cases["default-"+s.Name] = objs
	}
	for _, mode := range []platformv1alpha1.StackMode{platformv1alpha1.StackModeAgentless, platformv1alpha1.StackModeMixed, platformv1alpha1.StackModeAgentBased} {
		s := tenItems(platformv1alpha1.StackDeliveryArgoCD, mode)
		s.Spec.Items[5].Helm.Values = "output:\n  host: ${observability.logsHost}\n  port: ${observability.logsPort}\n"
		var objs []any
		for _, set := range ApplicationSets("argocd", s) {
			objs = append(objs, set)
		}
		profiles, _ := ClusterProfiles("aileron-system", s)
		for _, p := range profiles {
			objs = append(objs, p)
		}
		cases["argocd-"+strings.ToLower(string(mode))] = objs
	}
	cases["sveltos-cluster"] = []any{
		SveltosCluster("aileron-system", Plane{Type: "data", Name: "eu-1", Labels: map[string]string{"tier": "edge"},
			LogsURL: "http://logs.obs:9428/insert/jsonline", MetricsURL: "http://metrics.obs:8428/api/v1/write"}),
	}
	for name, objs := range cases {
		var b strings.Builder
		for _, o := range objs {
			raw, err := yaml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString("---\n")
			b.Write(raw)
		}
		golden.Assert(t, name+".yaml", []byte(b.String()))
	}
}
