package plane

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/stack"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=planestacks,verbs=get;list;watch
// +kubebuilder:rbac:groups=lib.projectsveltos.io,namespace=aileron-system,resources=sveltosclusters,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=config.projectsveltos.io,namespace=aileron-system,resources=clustersummaries,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=aileron-system,resources=secrets,verbs=create;patch;delete

// stackPlane is what stack rendering needs of a plane: its labels and,
// for a data or build plane, the endpoints of the ObservabilityPlane it
// names (none while that plane does not exist).
func (r *Reconciler) stackPlane(ctx context.Context, obj object) (stack.Plane, error) {
	p := stack.Plane{Type: r.planeType, Name: obj.GetName(), Labels: obj.GetLabels()}
	var ref *platformv1alpha1.LocalObjectReference
	switch o := any(obj).(type) {
	case *platformv1alpha1.DataPlane:
		ref = o.Spec.ObservabilityPlaneRef
	case *platformv1alpha1.BuildPlane:
		ref = o.Spec.ObservabilityPlaneRef
	}
	if ref == nil {
		return p, nil
	}
	op := &platformv1alpha1.ObservabilityPlane{}
	if err := r.Get(ctx, client.ObjectKey{Name: ref.Name}, op); err != nil {
		return p, client.IgnoreNotFound(err)
	}
	if op.Spec.Logs != nil {
		p.LogsURL = op.Spec.Logs.IngestURL
	}
	if op.Spec.Metrics != nil {
		p.MetricsURL = op.Spec.Metrics.IngestURL
	}
	return p, nil
}

// selectingStacks reads the stacks that select p: the ClusterProfiles it
// should report on, and whether an Argo CD stack needs its cluster Secret.
func (r *Reconciler) selectingStacks(ctx context.Context, p stack.Plane) (profiles []string, argoCD bool, err error) {
	list := &platformv1alpha1.PlaneStackList{}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, false, err
	}
	for i := range list.Items {
		s := &list.Items[i]
		if s.Spec.PlaneType != p.Type || !s.DeletionTimestamp.IsZero() {
			continue
		}
		// A stack with a selector that does not parse selects nothing; the
		// stack itself reports it.
		if ok, err := stack.Selects(s, p); err != nil || !ok {
			continue
		}
		groups, items := stack.Split(s)
		argoCD = argoCD || len(groups) > 0
		if r.Sveltos != nil {
			for _, it := range items {
				profiles = append(profiles, stack.ProfileName(s.Name, it.Name))
			}
		}
	}
	return profiles, argoCD, nil
}

// syncAddons registers the plane with Sveltos and Argo CD as its stacks
// need, and sets AddonsReady from Sveltos' ClusterSummaries. It returns
// done=false when it marked the plane Stalled.
func (r *Reconciler) syncAddons(ctx context.Context, obj object, plane *planes.Plane, kubeconfig []byte) (done bool, err error) {
	p, err := r.stackPlane(ctx, obj)
	if err != nil {
		return false, err
	}
	profiles, argoCD, err := r.selectingStacks(ctx, p)
	if err != nil {
		return false, err
	}
	if r.ArgoCD != nil {
		want := argoCD || planes.WantsCluster(obj)
		if err := r.ArgoCD.Sync(ctx, obj, plane, want, stack.Annotations(p)); err != nil {
			var invalid *gitops.ConfigError
			if errors.As(err, &invalid) {
				conditions.MarkStalled(obj, platformv1alpha1.ReasonKubeconfigInvalid, invalid.Message)
				return false, nil
			}
			return false, fmt.Errorf("writing the plane's Argo CD cluster Secret: %w", err)
		}
	}
	if r.Sveltos == nil {
		return true, nil
	}
	if err := r.Sveltos.Sync(ctx, p, kubeconfig); err != nil {
		return false, fmt.Errorf("registering the plane with Sveltos: %w", err)
	}
	summaries := &sveltos.ClusterSummaryList{}
	if err := r.List(ctx, summaries, client.InNamespace(r.Namespace),
		client.MatchingFields{index.SummaryCluster: stack.ClusterName(p.Type, p.Name)}, client.UnsafeDisableDeepCopy); err != nil {
		return false, err
	}
	cond := stack.AddonsReady(profiles, summaries.Items)
	cond.ObservedGeneration = obj.GetGeneration()
	meta.SetStatusCondition(obj.GetConditions(), cond)
	return true, nil
}

// removeAddons unregisters a deleted plane.
func (r *Reconciler) removeAddons(ctx context.Context, key planes.Key) error {
	if r.ArgoCD != nil {
		if err := r.ArgoCD.Remove(ctx, key); err != nil {
			return err
		}
	}
	if r.Sveltos != nil {
		if err := r.Sveltos.Remove(ctx, key); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// planesOfSummary maps a ClusterSummary to the plane it reports on.
func (r *Reconciler) planesOfSummary(_ context.Context, o client.Object) []reconcile.Request {
	cs, ok := o.(*sveltos.ClusterSummary)
	if !ok || cs.Spec.ClusterNamespace != r.Namespace {
		return nil
	}
	planeType, name, ok := stack.ParseClusterName(cs.Spec.ClusterName)
	if !ok || planeType != r.planeType {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
}

// allPlanes maps a change that may concern any plane of the kind (a
// stack, an observability plane) to all of them.
func (r *Reconciler) allPlanes(ctx context.Context, o client.Object) []reconcile.Request {
	if s, ok := o.(*platformv1alpha1.PlaneStack); ok && s.Spec.PlaneType != r.planeType {
		return nil
	}
	return common.RequestsFor(ctx, r.Client, listFor(r.planeType))
}
