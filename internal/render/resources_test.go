package render

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func list(cpu, memory string) *platformv1alpha1.ResourceList {
	l := &platformv1alpha1.ResourceList{}
	if cpu != "" {
		l.CPU = qty(cpu)
	}
	if memory != "" {
		l.Memory = qty(memory)
	}
	return l
}

// TestOrganizationDefaults: what a container that sets nothing gets, for
// each kind of organization; every figure is written out by hand.
func TestOrganizationDefaults(t *testing.T) {
	for _, tc := range []struct {
		name                           string
		res                            *platformv1alpha1.OrganizationResources
		cpuReq, cpuLim, memReq, memLim string
	}{
		{"no organization resources: Aileron's", nil, "100m", "500m", "128Mi", "256Mi"},
		{"the organization's defaults", &platformv1alpha1.OrganizationResources{Defaults: &platformv1alpha1.Resources{
			Requests: list("50m", "64Mi"), Limits: list("1", "1Gi")}}, "50m", "1", "64Mi", "1Gi"},
		{"a default request above Aileron's default limit raises it", &platformv1alpha1.OrganizationResources{Defaults: &platformv1alpha1.Resources{
			Requests: list("", "512Mi")}}, "100m", "500m", "512Mi", "512Mi"},
		{"held below the container max", &platformv1alpha1.OrganizationResources{ContainerLimits: &platformv1alpha1.ContainerLimits{
			Max: list("250m", "200Mi")}}, "100m", "250m", "128Mi", "200Mi"},
		{"a max below the default request lowers the request", &platformv1alpha1.OrganizationResources{ContainerLimits: &platformv1alpha1.ContainerLimits{
			Max: list("50m", "")}}, "50m", "50m", "128Mi", "256Mi"},
		{"held above the container min", &platformv1alpha1.OrganizationResources{ContainerLimits: &platformv1alpha1.ContainerLimits{
			Min: list("200m", "512Mi")}}, "200m", "500m", "512Mi", "512Mi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base("api", platformv1alpha1.ComponentService)
			in.Resources = tc.res
			objs, err := Component(in)
			if err != nil {
				t.Fatal(err)
			}
			d := find(t, objs, "Deployment", "api")
			containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
			got := map[string]string{}
			for _, kind := range []string{"requests", "limits"} {
				m, _, _ := unstructured.NestedStringMap(containers[0].(map[string]any), "resources", kind)
				for k, v := range m {
					got[kind+"."+k] = v
				}
			}
			for k, want := range map[string]string{"requests.cpu": tc.cpuReq, "limits.cpu": tc.cpuLim, "requests.memory": tc.memReq, "limits.memory": tc.memLim} {
				if g := resource.MustParse(got[k]); g.Cmp(resource.MustParse(want)) != 0 {
					t.Errorf("%s = %s, want %s", k, got[k], want)
				}
			}
		})
	}
}

// TestCellBounds renders a cell of an organization with a quota and
// container limits: a LimitRange with the defaults and bounds, and a
// ResourceQuota, both in the cell with its labels; a cell of an
// organization without them has neither.
func TestCellBounds(t *testing.T) {
	res := &platformv1alpha1.OrganizationResources{
		Defaults:        &platformv1alpha1.Resources{Requests: list("50m", "64Mi")},
		CellQuota:       &platformv1alpha1.CellQuota{Requests: list("4", "8Gi"), Limits: list("", "16Gi"), Pods: ptr.To[int32](40)},
		ContainerLimits: &platformv1alpha1.ContainerLimits{Min: list("10m", ""), Max: list("2", "4Gi")},
	}
	objs, err := Cell("acme", "shop", "production", res)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind()+"/"+o.GetName())
		if o.GetKind() != "Namespace" && (o.GetNamespace() != "acme--shop--production" || o.GetLabels()[platformv1alpha1.LabelOrganization] != "acme") {
			t.Errorf("%s %s is not in the cell with its labels: %s %v", o.GetKind(), o.GetName(), o.GetNamespace(), o.GetLabels())
		}
	}
	if want := "Namespace/acme--shop--production LimitRange/aileron-limits NetworkPolicy/aileron-default-deny ResourceQuota/aileron-quota"; strings.Join(kinds, " ") != want {
		t.Fatalf("cell objects:\n got %s\nwant %s", strings.Join(kinds, " "), want)
	}
	lr := find(t, objs, "LimitRange", CellLimitsName)
	limits, _, _ := unstructured.NestedSlice(lr.Object, "spec", "limits")
	item := limits[0].(map[string]any)
	for path, want := range map[string]string{
		"type": "Container", "default.cpu": "500m", "default.memory": "256Mi", "defaultRequest.cpu": "50m", "defaultRequest.memory": "64Mi",
		"min.cpu": "10m", "max.cpu": "2", "max.memory": "4Gi",
	} {
		got, _, _ := unstructured.NestedString(item, strings.Split(path, ".")...)
		if got != want {
			t.Errorf("LimitRange %s = %q, want %q", path, got, want)
		}
	}
	if _, found, _ := unstructured.NestedString(item, "min", "memory"); found {
		t.Error("LimitRange min.memory is set although the organization sets none")
	}
	q := find(t, objs, "ResourceQuota", CellQuotaName)
	hard, _, _ := unstructured.NestedStringMap(q.Object, "spec", "hard")
	wantHard := map[string]string{"requests.cpu": "4", "requests.memory": "8Gi", "limits.memory": "16Gi", "pods": "40"}
	if len(hard) != len(wantHard) {
		t.Errorf("quota hard = %v, want %v", hard, wantHard)
	}
	for k, v := range wantHard {
		if hard[k] != v {
			t.Errorf("quota %s = %q, want %q", k, hard[k], v)
		}
	}

	plain, err := Cell("acme", "shop", "production", &platformv1alpha1.OrganizationResources{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 2 {
		t.Errorf("a cell of an organization that sets no resources has %d objects, want the namespace and its policy", len(plain))
	}
	bounds := CellBounds("acme--shop--production")
	if len(bounds) != 2 || bounds[0].Kind != "LimitRange" || bounds[0].Name != CellLimitsName || bounds[1].Kind != "ResourceQuota" || bounds[1].Name != CellQuotaName {
		t.Errorf("CellBounds = %+v, want the cell's LimitRange and ResourceQuota", bounds)
	}
}

// TestContainerLimitsRefuseAComponent: a component asking for more than
// its organization lets a container have, or less, is refused by name
// before anything renders.
func TestContainerLimitsRefuseAComponent(t *testing.T) {
	res := &platformv1alpha1.OrganizationResources{ContainerLimits: &platformv1alpha1.ContainerLimits{Min: list("", "64Mi"), Max: list("1", "")}}
	for _, tc := range []struct {
		name string
		own  *platformv1alpha1.Resources
		want string
	}{
		{"a limit above the max", &platformv1alpha1.Resources{Limits: list("2", "")},
			"spec.container.resources.limits.cpu: 2 is above the most organization acme lets a container use (1)"},
		{"a request below the min", &platformv1alpha1.Resources{Requests: list("", "32Mi")},
			"spec.container.resources.requests.memory: 32Mi is below the least organization acme lets a container request (64Mi)"},
		{"within the bounds", &platformv1alpha1.Resources{Requests: list("500m", "64Mi"), Limits: list("1", "1Gi")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base("api", platformv1alpha1.ComponentService)
			in.Resources, in.Spec.Container.Resources = res, tc.own
			err := Check(in)
			_, renderErr := Component(in)
			switch {
			case tc.want == "" && (err != nil || renderErr != nil):
				t.Fatalf("refused: %v / %v", err, renderErr)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Check: got %v, want %q", err, tc.want)
			case tc.want != "" && renderErr == nil:
				t.Fatal("the renderer rendered what Check refuses")
			}
		})
	}
	// An override is held to the same bounds.
	in := base("api", platformv1alpha1.ComponentService)
	in.Resources = res
	in.Overrides = &platformv1alpha1.BindingOverrides{Resources: &platformv1alpha1.Resources{Limits: list("3", "")}}
	if err := Check(in); err == nil || !strings.Contains(err.Error(), "limits.cpu: 3 is above") {
		t.Errorf("an override above the max: got %v", err)
	}
}
