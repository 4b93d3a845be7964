package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// StatusRow is one component in one environment.
type StatusRow struct {
	Component   string   `json:"component"`
	Environment string   `json:"environment"`
	Release     string   `json:"release"`
	ReadyPlanes int32    `json:"readyPlanes"`
	TotalPlanes int32    `json:"totalPlanes"`
	URLs        []string `json:"urls,omitempty"`
	// Overrides names what the environment overrides of the release.
	Overrides []string `json:"overrides,omitempty"`
	Age       string   `json:"age"`
}

func newStatusCommand(o *options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status [COMPONENT]",
		Short: "Show where each component runs: release, ready planes, URL, per environment",
		Example: `  # every component of the organization acme
  aileron status -n acme

  # one component, as JSON
  aileron status web -n acme -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := o.client()
			if err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			rows, err := statusRows(cmd.Context(), c, ns, name, time.Now())
			if err != nil {
				return err
			}
			if output != "table" {
				return structured(o.out, output, rows)
			}
			return printStatus(o.out, rows)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table, json or yaml.")
	return cmd
}

// printStatus prints status rows as a table.
func printStatus(w io.Writer, rows []StatusRow) error {
	rowsOut := make([][]string, 0, len(rows))
	for _, r := range rows {
		url := "-"
		if len(r.URLs) > 0 {
			url = r.URLs[0]
			if len(r.URLs) > 1 {
				url += " (+" + itoa(len(r.URLs)-1) + ")"
			}
		}
		rowsOut = append(rowsOut, []string{r.Component, r.Environment, orDash(r.Release), itoa(int(r.ReadyPlanes)) + "/" + itoa(int(r.TotalPlanes)),
			url, orDash(strings.Join(r.Overrides, ", ")), r.Age})
	}
	return table(w, []string{"COMPONENT", "ENVIRONMENT", "RELEASE", "READY", "URL", "OVERRIDES", "AGE"}, rowsOut)
}

// statusRows lists the components (or one) of an organization with their
// bindings, sorted by component and then by environment.
func statusRows(ctx context.Context, c client.Client, ns, name string, now time.Time) ([]StatusRow, error) {
	comps := &platformv1alpha1.ComponentList{}
	if err := c.List(ctx, comps, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	bindings := &platformv1alpha1.ReleaseBindingList{}
	if err := c.List(ctx, bindings, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	created := map[string]time.Time{}
	overrides := map[string][]string{}
	for _, b := range bindings.Items {
		key := b.Spec.ComponentRef.Name + "/" + b.Spec.EnvironmentRef.Name
		created[key] = b.CreationTimestamp.Time
		overrides[key] = pipeline.OverriddenFields(b.Spec.Overrides)
	}
	rows := []StatusRow{}
	found := false
	for _, comp := range comps.Items {
		if name != "" && comp.Name != name {
			continue
		}
		found = true
		if len(comp.Status.Environments) == 0 {
			rows = append(rows, StatusRow{Component: comp.Name, Environment: "-", Age: age(comp.CreationTimestamp.Time, now)})
		}
		for _, e := range comp.Status.Environments {
			rows = append(rows, StatusRow{
				Component: comp.Name, Environment: e.Environment, Release: e.Release,
				ReadyPlanes: e.ReadyPlanes, TotalPlanes: e.TotalPlanes, URLs: e.URLs,
				Overrides: overrides[comp.Name+"/"+e.Environment],
				Age:       age(created[comp.Name+"/"+e.Environment], now),
			})
		}
	}
	if name != "" && !found {
		return nil, fmt.Errorf("component %s does not exist in organization %s", name, ns)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Component != rows[j].Component {
			return rows[i].Component < rows[j].Component
		}
		return rows[i].Environment < rows[j].Environment
	})
	return rows, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
