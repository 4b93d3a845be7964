package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/render"
)

// unit is the objects one worker of the floor applies in a row, to one plane.
type unit struct {
	plane string
	objs  render.Objects
}

// floorWork renders, with the same renderer and inputs as the manager,
// every object the platform puts on the planes, for floorOrganization: one
// unit per cell (namespace and policy), then one per binding.
func floorWork(pl *platform) (cells, bindings []unit, err error) {
	seen := map[string]bool{}
	for _, c := range pl.components {
		for i := range pl.environments {
			plane := pl.planeOf(i)
			in, err := pl.renderInput(floorOrganization, c, i)
			if err != nil {
				return nil, nil, err
			}
			if cellKey := plane + "/" + in.Namespace(); !seen[cellKey] {
				seen[cellKey] = true
				cell, err := render.Cell(in.Organization, in.Project, in.Environment, in.Resources)
				if err != nil {
					return nil, nil, err
				}
				cells = append(cells, unit{plane: plane, objs: cell})
			}
			objs, err := render.Component(in)
			if err != nil {
				return nil, nil, err
			}
			bindings = append(bindings, unit{plane: plane, objs: objs})
		}
	}
	return cells, bindings, nil
}

// runFloor server-side applies the units with concurrency workers, through
// the manager's own apply function, by clients that are not rate limited:
// the least time the planes' API servers need for this platform.
func runFloor(ctx context.Context, planes map[string]*rest.Config, concurrency int, phases ...[]unit) (time.Duration, int, error) {
	clients := map[string]client.Client{}
	for name, cfg := range planes {
		cfg = rest.CopyConfig(cfg)
		cfg.QPS = -1 // no client-side rate limit
		c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
		if err != nil {
			return 0, 0, err
		}
		clients[name] = c
	}
	start := time.Now()
	objects := 0
	for _, units := range phases {
		work := make(chan unit)
		errs := make(chan error, concurrency)
		var wg sync.WaitGroup
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := range work {
					if _, err := direct.Apply(ctx, clients[u.plane], u.objs); err != nil {
						errs <- fmt.Errorf("floor: %w", err)
						return
					}
				}
			}()
		}
	feed:
		for _, u := range units {
			select {
			case work <- u:
				objects += len(u.objs)
			case err := <-errs:
				close(work)
				wg.Wait()
				return 0, 0, err
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		select {
		case err := <-errs:
			return 0, 0, err
		default:
		}
	}
	return time.Since(start), objects, ctx.Err()
}

// renderInput is what the manager renders c's current release with in
// organization's environment i.
func (pl *platform) renderInput(organization string, c *platformv1alpha1.Component, i int) (render.Input, error) {
	release, err := newRelease(c)
	if err != nil {
		return render.Input{}, err
	}
	dp := &platformv1alpha1.DataPlane{}
	dp.Name = pl.planeOf(i)
	dp.Spec.Gateway.PublicHost = dp.Name + ".apps.bench.example"
	// Rendering sees the plane's name and host only.
	return binding.RenderInput(organization, c.Spec.ProjectRef.Name, pl.environments[i], release, platformv1alpha1.BindingActive, binding.Configuration{}, dp, nil), nil
}

// contentChanged lists the objects whose rendered content differs between
// two renders (added and removed ones included): what an edit must change
// on the plane, and nothing more.
func contentChanged(before, after render.Input) ([]string, error) {
	yamls := func(in render.Input) (map[string]string, error) {
		objs, err := render.Component(in)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, o := range objs {
			b, err := render.Objects{o}.YAML()
			if err != nil {
				return nil, err
			}
			out[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = string(b)
		}
		return out, nil
	}
	a, err := yamls(before)
	if err != nil {
		return nil, err
	}
	b, err := yamls(after)
	if err != nil {
		return nil, err
	}
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}
