package main

import (
	"context"
	"fmt"
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
		release, err := binding.NewRelease(c, c.Spec.Image)
		if err != nil {
			return nil, nil, err
		}
		for i, env := range pl.environments {
			plane := pl.planeOf(i)
			dp := &platformv1alpha1.DataPlane{}
			dp.Name = plane
			dp.Spec.Gateway.PublicHost = plane + ".apps.bench.example"
			// Rendering sees the plane's name and host only.
			in := render.Input{
				Organization: floorOrganization, Project: c.Spec.ProjectRef.Name, Environment: env,
				Plane: render.PlaneOf(dp), Component: c.Name, Release: release.Name,
				Image: release.Spec.Image, Spec: release.Spec.ComponentSpec, State: platformv1alpha1.BindingActive,
			}
			if cellKey := plane + "/" + in.Namespace(); !seen[cellKey] {
				seen[cellKey] = true
				cell, err := render.Cell(in.Organization, in.Project, in.Environment)
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
