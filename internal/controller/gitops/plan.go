package gitops

import (
	"sort"

	delivery "github.com/aileron-dev/aileron/internal/delivery/gitops"
)

// Environment is what planning needs of an Environment.
type Environment struct {
	Name string
	// Ready is false while the environment's planes are not resolved: its
	// cells are then left exactly as they are.
	Ready bool
	// Planes are the resolved data planes, in any delivery mode.
	Planes []string
}

// Binding is what planning needs of a ReleaseBinding.
type Binding struct {
	// Project is empty until the binding controller has labelled it.
	Project     string
	Environment string
}

// Input is an organization's state, as the hub's cache holds it.
type Input struct {
	Organization string
	Environments []Environment
	Projects     []string
	Bindings     []Binding
	// GitOps are the data planes in GitOps delivery; Servers the API
	// server URLs of those the hub is connected to.
	GitOps  map[string]bool
	Servers map[string]string
}

// Plan is what Argo CD should hold for the organization.
type Plan struct {
	// Cells maps each cell with bindings to the GitOps-mode planes of its
	// environment: one ApplicationSet each.
	Cells map[delivery.Cell][]string
	// Hold names environments whose cells are not known well enough to
	// touch (environment not Ready, a binding not labelled yet): their
	// Applications stay as they are.
	Hold map[string]bool
	// Release names Applications to delete without pruning: the plane
	// switched to direct delivery, which takes the workloads over.
	Release map[string]bool
	// Destinations fence the AppProject: every cell namespace of the
	// organization on every GitOps-mode plane of its environment.
	// Complete is false when a plane's server is unknown (not connected
	// yet): the AppProject is then left as it is.
	Destinations []delivery.Destination
	Complete     bool
}

// Wanted tells whether the Application of cell on plane stays.
func (p Plan) Wanted(cell delivery.Cell, plane string) bool {
	for _, pl := range p.Cells[cell] {
		if pl == plane {
			return true
		}
	}
	return p.Hold[cell.Environment]
}

// Compute plans an organization's Argo CD objects. It is pure.
//
// It never plans away an Application on incomplete knowledge: an
// environment that is not Ready, or a binding not yet labelled with its
// project, keeps every Application of that environment's cells.
func Compute(in Input) Plan {
	p := Plan{Cells: map[delivery.Cell][]string{}, Hold: map[string]bool{}, Release: map[string]bool{}, Complete: true}
	envs := map[string]Environment{}
	for _, e := range in.Environments {
		envs[e.Name] = e
	}
	unlabelled := map[string]bool{}
	withBindings := map[delivery.Cell]bool{}
	for _, b := range in.Bindings {
		if b.Project == "" {
			unlabelled[b.Environment] = true
			continue
		}
		withBindings[delivery.Cell{Organization: in.Organization, Project: b.Project, Environment: b.Environment}] = true
	}
	for _, e := range in.Environments {
		if !e.Ready || unlabelled[e.Name] {
			p.Hold[e.Name] = true
		}
	}
	projects := append([]string(nil), in.Projects...)
	sort.Strings(projects)
	for _, e := range in.Environments {
		for _, project := range projects {
			cell := delivery.Cell{Organization: in.Organization, Project: project, Environment: e.Name}
			for _, plane := range e.Planes {
				app := delivery.ApplicationName(cell, plane)
				if !in.GitOps[plane] {
					if withBindings[cell] {
						p.Release[app] = true
					}
					continue
				}
				server, ok := in.Servers[plane]
				if !ok {
					p.Complete = false
				} else {
					p.Destinations = append(p.Destinations, delivery.Destination{Server: server, Namespace: cell.Namespace()})
				}
				if e.Ready && withBindings[cell] {
					p.Cells[cell] = append(p.Cells[cell], plane)
				}
			}
		}
	}
	// A cell of a project that is gone but still has bindings (they are
	// being deleted) keeps its planes until they are.
	for cell := range withBindings {
		if _, ok := p.Cells[cell]; ok {
			continue
		}
		e, ok := envs[cell.Environment]
		if !ok || !e.Ready {
			continue
		}
		for _, plane := range e.Planes {
			if in.GitOps[plane] {
				p.Cells[cell] = append(p.Cells[cell], plane)
			}
		}
	}
	for cell, planes := range p.Cells {
		sort.Strings(planes)
		if len(planes) == 0 {
			delete(p.Cells, cell)
		}
	}
	return p
}
