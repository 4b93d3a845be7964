package releasebinding

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/internal/manifest"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/render"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=organizations,verbs=get;list;watch

// cellOf is the binding's cell.
func cellOf(b *platformv1alpha1.ReleaseBinding, project string) gitops.Cell {
	return gitops.Cell{Organization: b.Namespace, Project: project, Environment: b.Spec.EnvironmentRef.Name}
}

// target resolves the binding's organization's repository.
func (r *Reconciler) target(ctx context.Context, organization string) (*gitops.Target, error) {
	if r.GitOps == nil {
		return nil, errors.New("the plane is in GitOps delivery, but Argo CD was not installed on the hub when the manager started (no argoproj.io Application kind): install Argo CD and restart the manager")
	}
	org := &platformv1alpha1.Organization{}
	if err := r.Get(ctx, client.ObjectKey{Name: organization}, org); err != nil {
		return nil, fmt.Errorf("reading organization %s: %w", organization, err)
	}
	return r.GitOps.For(ctx, r.Client, org)
}

// deliverGitOps commits the binding's render for one plane to the
// organization's repository and reads Argo CD's sync of it back. A plane
// that was delivered directly is handed over: once Argo CD has synced the
// commit, Aileron drops its field manager from the objects.
func (r *Reconciler) deliverGitOps(ctx context.Context, in input, dp *platformv1alpha1.DataPlane, st platformv1alpha1.PlaneDeliveryStatus) outcome {
	b := in.binding
	fail := func(h platformv1alpha1.PlaneHealth, format string, args ...any) outcome {
		return failed(st, h, format, args...)
	}
	target, err := r.target(ctx, b.Namespace)
	if err != nil {
		return fail(platformv1alpha1.HealthUnknown, "%v", &repositoryError{err})
	}
	rin := in.render(dp)
	out, err := render.Binding(rin)
	if err != nil {
		return fail(platformv1alpha1.HealthDegraded, "rendering: %v", err)
	}
	cell, objs := out.Cell, out.Component
	cellYAML, err := gitops.Manifest(cell)
	if err != nil {
		return fail(platformv1alpha1.HealthDegraded, "rendering: %v", err)
	}
	componentYAML, err := gitops.Manifest(objs)
	if err != nil {
		return fail(platformv1alpha1.HealthDegraded, "rendering: %v", err)
	}
	dir := gitops.CellDir(target.Repository.Path, rin.Organization, rin.Project, rin.Environment, dp.Name)
	commit, err := target.Repo.Commit(ctx, gitrepo.Change{
		Files: map[string][]byte{gitops.CellFile(dir): cellYAML, gitops.ComponentFile(dir, rin.Component): componentYAML},
		Message: fmt.Sprintf("%s/%s/%s: %s at release %s on plane %s", rin.Organization, rin.Project, rin.Environment,
			rin.Component, rin.Release, dp.Name),
	})
	if err != nil {
		return fail(platformv1alpha1.HealthUnreachable, "%v", &repositoryError{err})
	}
	st.Delivery, st.Revision, st.Namespace = platformv1alpha1.DeliveryGitOps, commit, rin.Namespace()
	st.Release, st.URLs = in.release.Name, render.URLs(rin)

	app, err := r.application(ctx, cellOf(b, in.project), dp.Name)
	if err != nil {
		return fail(platformv1alpha1.HealthUnknown, "%v", err)
	}
	synced := false
	if app != nil {
		if synced, err = target.Repo.Contains(ctx, app.Status.Sync.Revision, commit); err != nil {
			return fail(platformv1alpha1.HealthUnknown, "%v", &repositoryError{err})
		}
		if !synced {
			r.hasten(ctx, target.Repo, app, commit)
		}
	}
	health, msg := gitops.Health(app, synced, objs, b.Spec.State)
	st.Health, st.Message = health, msg
	if len(st.Inventory) > 0 && (health == platformv1alpha1.HealthHealthy || health == platformv1alpha1.HealthSuspended) {
		// Handing over from direct delivery: Argo CD now co-owns what
		// Aileron applied; Aileron lets go of it.
		conn, err := r.Registry.Get(planes.Key{Type: platformv1alpha1.PlaneTypeData, Name: dp.Name})
		if err != nil {
			return fail(platformv1alpha1.HealthUnreachable, "handing the plane over to Argo CD: %v", err)
		}
		done, err := gitops.ReleaseToArgoCD(ctx, conn.Client, out.All())
		switch {
		case err != nil:
			return fail(platformv1alpha1.HealthProgressing, "handing the plane over to Argo CD: %v", err)
		case !done:
			return fail(platformv1alpha1.HealthProgressing, "handing the plane over to Argo CD: waiting for Argo CD to take over every object")
		}
		// What was applied directly and the new render drops is
		// Aileron's alone: Argo CD never tracked it.
		if err := direct.Prune(ctx, conn.Client, direct.Stale(st.Inventory, direct.Inventory(objs))); err != nil {
			return fail(platformv1alpha1.HealthProgressing, "handing the plane over to Argo CD: removing objects the release no longer has: %v", err)
		}
		st.Inventory = nil
		r.applied.Forget(appliedKey(b, dp.Name))
	}
	return outcome{status: st}
}

// application reads the Application that syncs cell on plane; nil if
// there is none.
func (r *Reconciler) application(ctx context.Context, cell gitops.Cell, plane string) (*argocd.Application, error) {
	if r.GitOps == nil {
		return nil, nil
	}
	app := &argocd.Application{}
	err := r.Get(ctx, client.ObjectKey{Namespace: r.GitOps.ArgoCDNamespace, Name: gitops.ApplicationName(cell, plane)}, app)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Argo CD Application %s: %w", gitops.ApplicationName(cell, plane), err)
	}
	return app, nil
}

// removeFromGit removes the component's file of one plane from the
// repository.
func (r *Reconciler) removeFromGit(ctx context.Context, b *platformv1alpha1.ReleaseBinding, plane, why string) error {
	target, err := r.target(ctx, b.Namespace)
	if err != nil {
		return err
	}
	project := b.Labels[platformv1alpha1.LabelProject]
	if project == "" {
		return errors.New("the binding has no project label yet")
	}
	dir := gitops.CellDir(target.Repository.Path, b.Namespace, project, b.Spec.EnvironmentRef.Name, plane)
	commit, err := target.Repo.Commit(ctx, gitrepo.Change{
		Files:   map[string][]byte{gitops.ComponentFile(dir, b.Spec.ComponentRef.Name): nil},
		Message: fmt.Sprintf("%s/%s/%s: remove %s from plane %s (%s)", b.Namespace, project, b.Spec.EnvironmentRef.Name, b.Spec.ComponentRef.Name, plane, why),
	})
	if err != nil {
		return err
	}
	// Argo CD prunes what the file held once it has synced the commit.
	app, err := r.application(ctx, cellOf(b, project), plane)
	if err == nil && app != nil {
		r.hasten(ctx, target.Repo, app, commit)
	}
	return nil
}

// hasten gets Argo CD to sync commit to app's plane now rather than at its
// next poll: it asks for a refresh, and ends a sync that keeps retrying a
// revision commit came after (see gitops.RetryingRevision), so that
// automated sync starts afresh at the newest commit. Both only hasten what
// Argo CD does anyway, or unblock what it would never do, so a refusal is
// logged, not failed on.
func (r *Reconciler) hasten(ctx context.Context, repo *gitrepo.Repo, app *argocd.Application, commit string) {
	log := ctrl.LoggerFrom(ctx).WithValues("application", app.Name)
	if err := gitops.RequestRefresh(ctx, r.Client, app); err != nil {
		log.Error(err, "asking Argo CD to refresh")
	}
	rev := gitops.RetryingRevision(app)
	if rev == "" {
		return
	}
	if covers, err := repo.Contains(ctx, rev, commit); err != nil || covers {
		return
	}
	log.Info("ending Argo CD's retries of an older revision", "revision", rev, "commit", commit)
	if err := gitops.TerminateOperation(ctx, r.Client, app); err != nil {
		log.Error(err, "ending Argo CD's retries of an older revision")
	}
}

// argoCDStillOwns is the first step of GitOps → Direct: direct delivery
// waits until the cell's Application on the plane is gone (the gitops
// controller deletes it without pruning), so that nothing prunes or
// reverts what runs. It says what it waits for, if anything.
func (r *Reconciler) argoCDStillOwns(ctx context.Context, in input, plane string) (string, error) {
	app, err := r.application(ctx, cellOf(in.binding, in.project), plane)
	if err != nil {
		return "", err
	}
	if app != nil {
		return fmt.Sprintf("waiting for Argo CD to let go of the plane: Application %s is still there", app.Name), nil
	}
	return "", nil
}

// finishTakeOver is the last step of GitOps → Direct, after the direct
// apply: Argo CD's field manager and tracking go, and so does the file in
// Git. It says what it still waits for, if anything.
func (r *Reconciler) finishTakeOver(ctx context.Context, in input, plane string, conn *planes.Plane, all render.Objects) (string, error) {
	done, err := gitops.TakeFromArgoCD(ctx, conn.Client, all)
	if err != nil {
		return "", err
	}
	if !done {
		return "taking the plane over from Argo CD: waiting for every object to be applied", nil
	}
	if err := r.removeFromGit(ctx, in.binding, plane, "the plane switched to direct delivery"); err != nil {
		return "", &repositoryError{err}
	}
	return "", nil
}

// ranByArgoCD is what Argo CD ran of the binding's component on a plane:
// the objects of its file at revision, the last commit of it.
func (r *Reconciler) ranByArgoCD(ctx context.Context, in input, plane, revision string) ([]platformv1alpha1.InventoryEntry, error) {
	if revision == "" {
		return nil, nil
	}
	b := in.binding
	target, err := r.target(ctx, b.Namespace)
	if err != nil {
		return nil, err
	}
	dir := gitops.CellDir(target.Repository.Path, b.Namespace, in.project, b.Spec.EnvironmentRef.Name, plane)
	data, err := target.Repo.File(ctx, revision, gitops.ComponentFile(dir, b.Spec.ComponentRef.Name))
	if err != nil {
		return nil, err
	}
	objs, err := manifest.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s at %s: %w", gitops.ComponentFile(dir, b.Spec.ComponentRef.Name), revision, err)
	}
	return direct.Inventory(objs), nil
}
