package dashboard

import (
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// PlaneRow is one plane on the fleet page.
type PlaneRow struct {
	Name, Type, Region, Version string
	// State is reachable, unreachable or unknown.
	State      string
	Message    string
	Nodes      int32
	LastProbe  string
	Cells      int
	Components int
}

// FleetView builds the fleet page: every plane, and what runs on it.
func FleetView(planes []platformv1alpha1.Plane, bindings []platformv1alpha1.ReleaseBinding, now time.Time) []PlaneRow {
	cells, comps := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, b := range bindings {
		for _, p := range b.Status.Planes {
			if cells[p.Plane] == nil {
				cells[p.Plane], comps[p.Plane] = map[string]bool{}, map[string]bool{}
			}
			cells[p.Plane][p.Namespace] = true
			comps[p.Plane][b.Namespace+"/"+b.Spec.ComponentRef.Name] = true
		}
	}
	rows := make([]PlaneRow, 0, len(planes))
	for _, p := range planes {
		st := p.PlaneStatus()
		row := PlaneRow{
			Name: p.GetName(), Type: p.PlaneType(), Region: p.GetLabels()[platformv1alpha1.LabelRegion],
			Version: st.KubernetesVersion, Nodes: st.NodeCount, State: "unknown",
		}
		if st.LastProbeTime != nil {
			row.LastProbe = ago(st.LastProbeTime.Time, now)
		}
		if c := meta.FindStatusCondition(st.Conditions, platformv1alpha1.ConditionReachable); c != nil {
			row.Message = c.Message
			switch c.Status {
			case metav1.ConditionTrue:
				row.State = "reachable"
			case metav1.ConditionFalse:
				row.State = "unreachable"
			}
		} else if c := meta.FindStatusCondition(st.Conditions, platformv1alpha1.ConditionReady); c != nil {
			row.Message = c.Message
		}
		if p.PlaneType() == platformv1alpha1.PlaneTypeData {
			row.Cells, row.Components = len(cells[p.GetName()]), len(comps[p.GetName()])
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Type != rows[j].Type {
			return rows[i].Type < rows[j].Type
		}
		return rows[i].Name < rows[j].Name
	})
	return rows
}

// Cell is one component in one environment on the organization page.
type Cell struct {
	Release     string
	Health      string // healthy, progressing, degraded, none
	ReadyPlanes int32
	TotalPlanes int32
}

// OrgRow is one component across environments.
type OrgRow struct {
	Component string
	Project   string
	Cells     []Cell // in the order of OrgView.Environments
}

// Approval is a promotion waiting for an approver.
type Approval struct {
	Name, Component, From, To, Release, RequestedBy, Age string
}

// OrgView is the organization page.
type OrgView struct {
	Name         string
	Environments []string
	Rows         []OrgRow
	Approvals    []Approval
}

// BuildOrgView builds the environments × components matrix, environments
// in pipeline order where a pipeline says it.
func BuildOrgView(org string, envs []platformv1alpha1.Environment, pipelines []platformv1alpha1.DeploymentPipeline,
	comps []platformv1alpha1.Component, bindings []platformv1alpha1.ReleaseBinding, promos []platformv1alpha1.Promotion, now time.Time) OrgView {
	v := OrgView{Name: org, Environments: orderEnvironments(envs, pipelines)}
	byKey := map[string]*platformv1alpha1.ReleaseBinding{}
	for i := range bindings {
		b := &bindings[i]
		byKey[b.Spec.ComponentRef.Name+"/"+b.Spec.EnvironmentRef.Name] = b
	}
	for _, c := range comps {
		row := OrgRow{Component: c.Name, Project: c.Spec.ProjectRef.Name}
		for _, env := range v.Environments {
			b := byKey[c.Name+"/"+env]
			if b == nil {
				row.Cells = append(row.Cells, Cell{Health: "none"})
				continue
			}
			cell := Cell{Release: b.Spec.Release, Health: bindingHealth(b)}
			for _, p := range b.Status.Planes {
				cell.TotalPlanes++
				if p.Health == platformv1alpha1.HealthHealthy && p.Release == b.Spec.Release {
					cell.ReadyPlanes++
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Component < v.Rows[j].Component })
	for _, p := range promos {
		if p.Status.Phase != platformv1alpha1.PromotionAwaitingApproval {
			continue
		}
		a := Approval{Name: p.Name, Component: p.Spec.ComponentRef.Name, To: p.Spec.TargetEnvironmentRef.Name,
			Release: p.Status.Release, RequestedBy: p.Spec.RequestedBy, Age: ago(p.CreationTimestamp.Time, now), From: "rollback"}
		if p.Spec.SourceEnvironmentRef != nil {
			a.From = p.Spec.SourceEnvironmentRef.Name
		}
		v.Approvals = append(v.Approvals, a)
	}
	sort.Slice(v.Approvals, func(i, j int) bool { return v.Approvals[i].Name < v.Approvals[j].Name })
	return v
}

func bindingHealth(b *platformv1alpha1.ReleaseBinding) string {
	ready := meta.FindStatusCondition(b.Status.Conditions, platformv1alpha1.ConditionReady)
	switch {
	case ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == b.Generation:
		return "healthy"
	case meta.IsStatusConditionTrue(b.Status.Conditions, platformv1alpha1.ConditionStalled):
		return "degraded"
	}
	for _, p := range b.Status.Planes {
		if p.Health == platformv1alpha1.HealthDegraded || p.Health == platformv1alpha1.HealthUnreachable {
			return "degraded"
		}
	}
	return "progressing"
}

// orderEnvironments lists environments as their pipelines order them
// (breadth first from each first environment), then any others by name.
func orderEnvironments(envs []platformv1alpha1.Environment, pipelines []platformv1alpha1.DeploymentPipeline) []string {
	exists := map[string]bool{}
	for _, e := range envs {
		exists[e.Name] = true
	}
	var out []string
	seen := map[string]bool{}
	add := func(e string) {
		if exists[e] && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	for _, p := range pipelines {
		queue := []string{p.Status.InitialEnvironment}
		for len(queue) > 0 {
			e := queue[0]
			queue = queue[1:]
			if e == "" || seen[e] {
				continue
			}
			add(e)
			for _, path := range p.Spec.PromotionPaths {
				if path.SourceEnvironmentRef == e {
					for _, t := range path.TargetEnvironmentRefs {
						queue = append(queue, t.Name)
					}
				}
			}
		}
	}
	rest := make([]string, 0, len(envs))
	for _, e := range envs {
		if !seen[e.Name] {
			rest = append(rest, e.Name)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// ago renders how long ago t was, as kubectl does.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(now.Sub(t)) + " ago"
}
