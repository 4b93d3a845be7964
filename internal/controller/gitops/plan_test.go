package gitops

import (
	"reflect"
	"testing"

	delivery "github.com/aileron-dev/aileron/internal/delivery/gitops"
)

func TestCompute(t *testing.T) {
	shopProd := delivery.Cell{Organization: "acme", Project: "shop", Environment: "production"}
	shopDev := delivery.Cell{Organization: "acme", Project: "shop", Environment: "development"}
	base := func() Input {
		return Input{
			Organization: "acme",
			Environments: []Environment{
				{Name: "development", Ready: true, Planes: []string{"eu-1"}},
				{Name: "production", Ready: true, Planes: []string{"na-1", "eu-1"}},
			},
			Projects: []string{"shop", "crm"},
			Bindings: []Binding{{Project: "shop", Environment: "production"}, {Project: "shop", Environment: "development"}},
			GitOps:   map[string]bool{"eu-1": true, "na-1": true},
			Servers:  map[string]string{"eu-1": "https://eu-1", "na-1": "https://na-1"},
		}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*Input)
		cells  map[delivery.Cell][]string
		hold   []string
		rel    []string
		dests  int
		partly bool
	}{
		{name: "a cell per environment with bindings, one Application per GitOps plane",
			cells: map[delivery.Cell][]string{shopProd: {"eu-1", "na-1"}, shopDev: {"eu-1"}}, dests: 6},
		{name: "a plane in direct delivery is released, not pruned, where the cell has bindings",
			edit:  func(in *Input) { in.GitOps["na-1"] = false },
			cells: map[delivery.Cell][]string{shopProd: {"eu-1"}, shopDev: {"eu-1"}}, rel: []string{"acme--shop--production--na-1"}, dests: 4},
		{name: "no bindings, no cells; the fence still covers every project",
			edit:  func(in *Input) { in.Bindings = nil },
			cells: map[delivery.Cell][]string{}, dests: 6},
		{name: "an environment not Ready holds its Applications as they are",
			edit:  func(in *Input) { in.Environments[1].Ready = false },
			cells: map[delivery.Cell][]string{shopDev: {"eu-1"}}, hold: []string{"production"}, dests: 6},
		{name: "a binding not yet labelled holds its environment",
			edit: func(in *Input) {
				in.Bindings = append(in.Bindings, Binding{Environment: "development"})
			},
			cells: map[delivery.Cell][]string{shopProd: {"eu-1", "na-1"}, shopDev: {"eu-1"}}, hold: []string{"development"}, dests: 6},
		{name: "a plane not connected yet leaves the fence incomplete",
			edit:  func(in *Input) { delete(in.Servers, "na-1") },
			cells: map[delivery.Cell][]string{shopProd: {"eu-1", "na-1"}, shopDev: {"eu-1"}}, dests: 4, partly: true},
		{name: "bindings of a deleted project keep their cell until they go",
			edit:  func(in *Input) { in.Projects = []string{"crm"} },
			cells: map[delivery.Cell][]string{shopProd: {"eu-1", "na-1"}, shopDev: {"eu-1"}}, dests: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			if tc.edit != nil {
				tc.edit(&in)
			}
			p := Compute(in)
			if !reflect.DeepEqual(p.Cells, tc.cells) {
				t.Errorf("cells %v, want %v", p.Cells, tc.cells)
			}
			for _, e := range tc.hold {
				if !p.Hold[e] {
					t.Errorf("environment %s not held", e)
				}
				// A held environment's Applications are never deleted,
				// whatever the plan says of its cells.
				if cell := (delivery.Cell{Organization: "acme", Project: "shop", Environment: e}); !p.Wanted(cell, "na-1") || !p.Wanted(cell, "somewhere") {
					t.Errorf("an Application of held environment %s is not wanted", e)
				}
			}
			if len(p.Hold) != len(tc.hold) {
				t.Errorf("held %v, want %v", p.Hold, tc.hold)
			}
			if len(p.Release) != len(tc.rel) {
				t.Errorf("released %v, want %v", p.Release, tc.rel)
			}
			for _, a := range tc.rel {
				if !p.Release[a] {
					t.Errorf("%s not released", a)
				}
			}
			if len(p.Destinations) != tc.dests || p.Complete == tc.partly {
				t.Errorf("%d destinations (complete %v), want %d (complete %v)", len(p.Destinations), p.Complete, tc.dests, !tc.partly)
			}
			// Whatever is planned is wanted, so never deleted.
			for cell, planes := range p.Cells {
				for _, pl := range planes {
					if !p.Wanted(cell, pl) {
						t.Errorf("%s on %s planned but not wanted", cell.Namespace(), pl)
					}
				}
			}
		})
	}
}
