package main

import (
	"context"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/test/testbed"
)

// gitopsResult measures the same platform delivered through Git.
type gitopsResult struct {
	// Seconds from the first apply until every binding's release is
	// committed for each of its planes.
	Seconds float64 `json:"renderAndCommitSeconds"`
	Commits int     `json:"commits"`
	Files   int     `json:"componentFiles"`
	// Applications the real ApplicationSet controller generated, against
	// one per component and plane.
	Applications         int `json:"applications"`
	ComponentsTimesPlane int `json:"componentsTimesPlanes"`
	// The manager's peaks by the end, with both platforms.
	PeakRSS  int64 `json:"peakRSSBytes"`
	PeakHeap int64 `json:"peakHeapInuseBytes"`
}

// gitopsPhase creates the platform again as organization gitops, whose
// planes deliver through the bare repository at repoDir, and counts the
// commits and the Applications Argo CD's ApplicationSet controller makes.
func gitopsPhase(ctx context.Context, hub client.Client, bed *testbed.Bed, p params, repoDir string) (gitopsResult, error) {
	var res gitopsResult
	pl := newPlatform(p, gitopsOrganization, true)
	tr, err := track(ctx, bed.Fleet.Hub.Config, gitopsOrganization, pl.bindings())
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := createAll(ctx, hub, pl, p.concurrency*2); err != nil {
		return res, err
	}
	if err := waitAll(ctx, tr, start); err != nil {
		return res, err
	}
	res.Seconds = tr.allAt.Sub(start).Seconds()
	res.Files = pl.bindings()
	res.ComponentsTimesPlane = pl.bindings() // every environment has one plane

	// One Application per cell and plane: a project's components in an
	// environment share theirs.
	want := len(pl.projects) * len(pl.environments)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		apps := &argocd.ApplicationList{}
		if err := hub.List(ctx, apps, client.InNamespace(fleet.ArgoCDNamespace)); err != nil {
			return res, err
		}
		res.Applications = len(apps.Items)
		if res.Applications >= want || time.Now().After(deadline) {
			break
		}
		select {
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	repo, err := git.PlainOpen(repoDir)
	if err != nil {
		return res, err
	}
	head, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	if err != nil {
		return res, fmt.Errorf("reading the repository's main branch: %w", err)
	}
	log, err := repo.Log(&git.LogOptions{From: head.Hash()})
	if err != nil {
		return res, fmt.Errorf("reading the repository's history: %w", err)
	}
	err = log.ForEach(func(*object.Commit) error { res.Commits++; return nil })
	return res, err
}
