package releasebinding

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/binding"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/render"
)

// input is what one binding's delivery to any plane shares.
type input struct {
	binding *platformv1alpha1.ReleaseBinding
	release *platformv1alpha1.Release
	project string
	deps    []render.Dependency
	conf    binding.Configuration
}

func (in input) render(dp *platformv1alpha1.DataPlane) render.Input {
	b := in.binding
	return binding.RenderInput(b.Namespace, in.project, b.Spec.EnvironmentRef.Name, in.release, b.Spec.State, in.conf, dp, in.deps)
}

func appliedKey(b *platformv1alpha1.ReleaseBinding, plane string) string {
	return b.Namespace + "/" + b.Name + "@" + plane
}

// cellAppliedKey is the key of a cell on a plane in the cells memory.
func cellAppliedKey(plane, namespace string) string {
	return namespace + "@" + plane
}

// deliver renders the binding for one plane, applies what changed, prunes
// what the render dropped, and reads the workload's health back. It never
// fails: what goes wrong is the plane's status.
func (r *Reconciler) deliver(ctx context.Context, in input, plane string, prev platformv1alpha1.PlaneDeliveryStatus) outcome {
	b := in.binding
	st := prev
	st.Plane = plane
	fail := func(h platformv1alpha1.PlaneHealth, format string, args ...any) outcome {
		return failed(st, h, format, args...)
	}
	refusedBy := func(ref refusal) outcome {
		o := fail(platformv1alpha1.HealthDegraded, "%s", ref.message)
		o.problem, o.retryAt = renderRefused, ref.next
		return o
	}
	dp := &platformv1alpha1.DataPlane{}
	if err := r.Get(ctx, client.ObjectKey{Name: plane}, dp); err != nil {
		return fail(platformv1alpha1.HealthUnknown, "reading DataPlane %s: %v", plane, err)
	}
	if dp.Spec.Delivery == platformv1alpha1.DeliveryGitOps {
		return r.deliverGitOps(ctx, in, dp, st)
	}
	fromGitOps := st.Delivery == platformv1alpha1.DeliveryGitOps
	if fromGitOps {
		waiting, err := r.argoCDStillOwns(ctx, in, plane)
		if err != nil {
			return fail(platformv1alpha1.HealthUnknown, "%v", err)
		}
		if waiting != "" {
			return fail(platformv1alpha1.HealthProgressing, "%s", waiting)
		}
		// What Argo CD ran and the new render drops is pruned below, as
		// what was applied directly would be.
		ran, err := r.ranByArgoCD(ctx, in, plane, prev.Revision)
		if err != nil {
			return fail(platformv1alpha1.HealthUnreachable, "reading what Argo CD ran: %v", &repositoryError{err})
		}
		prev.Inventory = union(prev.Inventory, ran)
	}
	conn, err := r.Registry.Get(planes.Key{Type: platformv1alpha1.PlaneTypeData, Name: plane})
	if err != nil {
		return fail(platformv1alpha1.HealthUnreachable, "%v", err)
	}
	rin := in.render(dp)
	st.Namespace = rin.Namespace()
	out, err := render.Binding(rin)
	if err != nil {
		return fail(platformv1alpha1.HealthDegraded, "rendering: %v", err)
	}
	objs, all := out.Component, out.All()
	hash, err := all.Hash()
	if err != nil {
		return fail(platformv1alpha1.HealthDegraded, "rendering: %v", err)
	}
	inventory := direct.Inventory(objs)
	key := appliedKey(b, plane)
	if ref, held := r.holding(key, hash, time.Now()); held {
		return refusedBy(ref)
	}
	gens, err := r.applyChanged(ctx, conn.Client, key, plane, out, hash, fromGitOps)
	if err != nil {
		// Whatever part was applied must stay known, to be pruned later.
		st.Inventory = union(prev.Inventory, inventory)
		if direct.Refused(err) {
			return refusedBy(r.refused(key, hash, err.Error(), time.Now()))
		}
		r.refusals.Delete(key)
		return fail(platformv1alpha1.HealthDegraded, "%v", err)
	}
	r.refusals.Delete(key)
	if err := direct.Prune(ctx, conn.Client, direct.Stale(prev.Inventory, inventory)); err != nil {
		st.Inventory = union(prev.Inventory, inventory)
		return fail(platformv1alpha1.HealthDegraded, "removing objects the release no longer has: %v", err)
	}
	st.Inventory, st.Release, st.URLs = inventory, in.release.Name, render.URLs(rin)
	if fromGitOps {
		pending, err := r.finishTakeOver(ctx, in, plane, conn, all)
		if err != nil {
			return fail(platformv1alpha1.HealthProgressing, "taking the plane over from Argo CD: %v", err)
		}
		if pending != "" {
			return fail(platformv1alpha1.HealthProgressing, "%s", pending)
		}
	}
	st.Delivery, st.Revision = platformv1alpha1.DeliveryDirect, ""
	// What the pods read comes first: a missing Secret is why they wait.
	if h, msg, err := direct.ReadSecrets(ctx, conn.Client, objs); err != nil {
		return fail(platformv1alpha1.HealthUnknown, "reading the component's secrets: %v", err)
	} else if h != platformv1alpha1.HealthHealthy {
		st.Health, st.Message = h, msg
		return outcome{status: st, polled: true}
	}
	// Health is judged no earlier than the generations the last apply
	// returned: the plane's watch may not have seen that apply yet.
	health, msg, err := direct.ReadHealth(ctx, r.workloads.reader(plane, conn.Client, gens), objs)
	if err != nil {
		return fail(platformv1alpha1.HealthUnknown, "reading the workload's health: %v", err)
	}
	st.Health, st.Message = health, msg
	return outcome{status: st}
}

// applyChanged applies a binding's render to a plane when it changed since
// it was last applied (or a handover needs it), and at every ResyncPeriod
// only what drifted on the plane since: an idle platform writes nothing.
// It returns the generations the plane answered the binding's applies
// with: the floor below which a cached workload is stale.
// A cell is shared by every component of a project in an environment: it
// is applied once, not once per component.
func (r *Reconciler) applyChanged(ctx context.Context, c client.Client, key, plane string, out render.Rendered,
	hash string, forced bool) (direct.Generations, error) {
	cell := out.Cell
	rec, _ := r.applied.Get(key)
	changed := rec.Hash != hash || forced
	if !changed && r.applied.Current(key, hash) {
		return rec.Value, nil
	}
	// Render puts the cell's Namespace first.
	cellKey := cellAppliedKey(plane, cell[0].GetName())
	cellHash, err := cell.Hash()
	if err != nil {
		return rec.Value, fmt.Errorf("rendering: %w", err)
	}
	apply := out.Component
	prevCell, _ := r.cells.Get(cellKey)
	withCell := !r.cells.Current(cellKey, cellHash) || forced
	if withCell {
		apply = out.All()
		if err := ownsCell(ctx, c, cell[0]); err != nil {
			r.cells.Forget(cellKey)
			return rec.Value, err
		}
	}
	if !changed {
		if apply, err = direct.Drifted(ctx, c, apply); err != nil {
			return rec.Value, fmt.Errorf("checking the plane for drift: %w", err)
		}
	}
	gens, err := direct.Apply(ctx, c, apply)
	if err != nil {
		// The cell may be what is missing (its namespace deleted by hand,
		// or still terminating): the next attempt applies it.
		r.cells.Forget(cellKey)
		return rec.Value, err
	}
	if withCell {
		// The bounds an organization no longer sets leave the cell: looked
		// for whenever the cell changed, or is applied for the first time
		// since the manager started.
		if prevCell.Hash != cellHash {
			if err := direct.Prune(ctx, c, direct.Stale(render.CellBounds(cell[0].GetName()), direct.Inventory(cell))); err != nil {
				r.cells.Forget(cellKey)
				return rec.Value, fmt.Errorf("removing the cell's bounds its organization no longer sets: %w", err)
			}
		}
		r.cells.Remember(cellKey, cellHash, struct{}{})
	}
	gens = rec.Value.Merge(gens)
	r.applied.Remember(key, hash, gens)
	return gens, nil
}

// cleanPlane removes what the binding delivered to a plane, and the cell's
// namespace when no other binding uses the cell there. It returns nil
// once the plane is clean, or why it is not.
func (r *Reconciler) cleanPlane(ctx context.Context, b *platformv1alpha1.ReleaseBinding, st platformv1alpha1.PlaneDeliveryStatus) error {
	if st.Delivery == platformv1alpha1.DeliveryGitOps {
		// Argo CD prunes what the commit removes; the cell itself goes
		// with its Application (the gitops controller).
		if err := r.removeFromGit(ctx, b, st.Plane, "the component left the plane"); err != nil {
			return &repositoryError{err}
		}
		if len(st.Inventory) == 0 {
			r.applied.Forget(appliedKey(b, st.Plane))
			return nil
		}
		// A handover from direct delivery was under way: what Aileron
		// applied itself is removed too.
	}
	conn, err := r.Registry.Get(planes.Key{Type: platformv1alpha1.PlaneTypeData, Name: st.Plane})
	if err != nil {
		return err
	}
	if err := direct.Prune(ctx, conn.Client, st.Inventory); err != nil {
		return err
	}
	if st.Namespace != "" && st.Delivery != platformv1alpha1.DeliveryGitOps {
		shared, err := r.cellShared(ctx, b, st)
		if err != nil {
			return err
		}
		if !shared {
			ns := &corev1.Namespace{}
			err := conn.Client.Get(ctx, client.ObjectKey{Name: st.Namespace}, ns)
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				return err
			case ownedForDeletion(b, ns) && ns.DeletionTimestamp.IsZero():
				r.cells.Forget(cellAppliedKey(st.Plane, st.Namespace))
				if err := conn.Client.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
					return err
				}
			}
		}
	}
	r.applied.Forget(appliedKey(b, st.Plane))
	r.refusals.Delete(appliedKey(b, st.Plane))
	return nil
}

// cellShared tells whether another live binding delivers to the same cell
// on the same plane, so its namespace must stay.
func (r *Reconciler) cellShared(ctx context.Context, b *platformv1alpha1.ReleaseBinding, st platformv1alpha1.PlaneDeliveryStatus) (bool, error) {
	list := &platformv1alpha1.ReleaseBindingList{}
	if err := r.List(ctx, list, client.InNamespace(b.Namespace), client.MatchingFields{index.BindingPlane: st.Plane}); err != nil {
		return false, err
	}
	for _, other := range list.Items {
		if other.Name == b.Name || !other.DeletionTimestamp.IsZero() {
			continue
		}
		for _, ost := range other.Status.Planes {
			if ost.Plane == st.Plane && ost.Namespace == st.Namespace {
				return true, nil
			}
		}
	}
	return false, nil
}

func union(a, b []platformv1alpha1.InventoryEntry) []platformv1alpha1.InventoryEntry {
	out := append([]platformv1alpha1.InventoryEntry(nil), a...)
	out = append(out, direct.Stale(b, a)...)
	return out
}

// ownsCell checks, before the cell is applied to a plane, that its
// namespace there is absent or the cell's own (render.OwnsNamespace).
func ownsCell(ctx context.Context, c client.Client, namespace *unstructured.Unstructured) error {
	ns := &corev1.Namespace{}
	err := c.Get(ctx, client.ObjectKey{Name: namespace.GetName()}, ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading namespace %s: %w", namespace.GetName(), err)
	}
	l := namespace.GetLabels()
	return render.OwnsNamespace(ns.Name, ns.Labels, l[platformv1alpha1.LabelOrganization], l[platformv1alpha1.LabelProject], l[platformv1alpha1.LabelEnvironment])
}

// ownedForDeletion tells whether a cell namespace found on a plane may be
// deleted with the binding's last component there: the binding knows its
// organization and environment, and the only project whose cell has that
// name is the one its label must name (cell names are injective).
func ownedForDeletion(b *platformv1alpha1.ReleaseBinding, ns *corev1.Namespace) bool {
	return render.OwnsNamespace(ns.Name, ns.Labels, b.Namespace, ns.Labels[platformv1alpha1.LabelProject], b.Spec.EnvironmentRef.Name) == nil
}
