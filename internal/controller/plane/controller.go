// Package plane reconciles the three plane kinds (DataPlane, BuildPlane,
// ObservabilityPlane) with one controller: it reads each plane's
// kubeconfig Secret from the operator's namespace, keeps the plane's client
// in the shared registry, probes the plane on an interval and records what
// it finds.
package plane

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/controller/index"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/planes"
	"github.com/aileron-dev/aileron/internal/render"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// +kubebuilder:rbac:groups=platform.aileron.dev,resources=dataplanes;buildplanes;observabilityplanes,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=dataplanes/status;buildplanes/status;observabilityplanes/status,verbs=get;patch
// +kubebuilder:rbac:groups=platform.aileron.dev,resources=dataplanes/finalizers;buildplanes/finalizers;observabilityplanes/finalizers,verbs=update
// +kubebuilder:rbac:groups="",namespace=aileron-system,resources=secrets,verbs=get;list;watch

// Options tune the plane controller.
type Options struct {
	// Namespace is the operator's namespace, where kubeconfig Secrets live.
	Namespace string
	// ProbeInterval is how often a reachable plane is probed.
	ProbeInterval time.Duration
	// MaxConcurrentReconciles bounds parallel probes of one kind.
	MaxConcurrentReconciles int
	// ArgoCD keeps the Argo CD cluster Secrets of GitOps-mode data planes
	// and of planes Argo CD stacks select; nil when Argo CD is not
	// installed on the hub.
	ArgoCD *planes.ArgoCDClusters
	// Sveltos registers every plane with Sveltos, and AddonsReady follows
	// its ClusterSummaries; nil when Sveltos is not installed on the hub.
	Sveltos *planes.SveltosClusters
}

// Reconciler reconciles one plane kind.
type Reconciler struct {
	client.Client
	Registry *planes.Registry
	Options

	planeType string
	newObject func() object
	// inUse reports what still depends on a plane being deleted; deletion
	// waits while the answer is non-empty. nil for kinds nothing depends on.
	inUse func(ctx context.Context, name string) (string, error)
}

// SetupWithManager registers a controller for each plane kind.
func SetupWithManager(mgr ctrl.Manager, registry *planes.Registry, o Options) error {
	kinds := []*Reconciler{
		{planeType: platformv1alpha1.PlaneTypeData, newObject: func() object { return &platformv1alpha1.DataPlane{} }},
		{planeType: platformv1alpha1.PlaneTypeBuild, newObject: func() object { return &platformv1alpha1.BuildPlane{} }},
		{planeType: platformv1alpha1.PlaneTypeObservability, newObject: func() object { return &platformv1alpha1.ObservabilityPlane{} }},
	}
	for _, r := range kinds {
		r.Client, r.Registry, r.Options = mgr.GetClient(), registry, o
		if r.planeType == platformv1alpha1.PlaneTypeData {
			r.inUse = r.bindingsOnPlane
		}
		if err := r.setup(mgr); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reconciler) setup(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named(r.planeType+"plane").
		// Labels matter too: Argo CD's cluster Secret and the SveltosCluster
		// carry them, and stacks select by them.
		For(r.newObject(), builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, deleting{}))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.planesOfSecret)).
		Watches(&platformv1alpha1.PlaneStack{}, handler.EnqueueRequestsFromMapFunc(r.allPlanes),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted())))
	if r.planeType != platformv1alpha1.PlaneTypeObservability {
		// The agents' endpoints come from the observability plane.
		b = b.Watches(&platformv1alpha1.ObservabilityPlane{}, handler.EnqueueRequestsFromMapFunc(r.allPlanes),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, common.CreatedOrDeleted())))
	}
	if r.Sveltos != nil {
		b = b.Watches(&sveltos.ClusterSummary{}, handler.EnqueueRequestsFromMapFunc(r.planesOfSummary))
	}
	return b.WithOptions(common.ControllerOptions(r.MaxConcurrentReconciles)).Complete(r)
}

// deleting passes the update that marks an object for deletion.
type deleting struct{ predicate.Funcs }

func (deleting) Update(e event.UpdateEvent) bool {
	return e.ObjectNew.GetDeletionTimestamp() != nil && e.ObjectOld.GetDeletionTimestamp() == nil
}

func (r *Reconciler) planesOfSecret(ctx context.Context, o client.Object) []reconcile.Request {
	if o.GetNamespace() != r.Namespace {
		return nil
	}
	return common.RequestsFor(ctx, r.Client, listFor(r.planeType), client.MatchingFields{index.PlaneSecret: o.GetName()})
}

// Reconcile connects to, and probes, one plane.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ctx = ctrl.LoggerInto(ctx, ctrl.LoggerFrom(ctx).WithValues("planeType", r.planeType))
	return common.Reconcile(ctx, r.Client, req, r.newObject(), r)
}

// Forget drops a deleted plane's client.
func (r *Reconciler) Forget(req ctrl.Request) {
	r.Registry.Remove(planes.Key{Type: r.planeType, Name: req.Name})
}

func (r *Reconciler) ReconcileNormal(ctx context.Context, obj object) (ctrl.Result, error) {
	conn, err := r.connect(ctx, obj)
	if conn == nil {
		return ctrl.Result{}, err
	}
	if done, err := r.syncAddons(ctx, obj, conn.plane, conn.kubeconfig); !done {
		return ctrl.Result{}, err
	}
	return r.probe(ctx, obj, conn), nil
}

// connection is a plane's client and where it came from.
type connection struct {
	plane *planes.Plane
	// secret is the kubeconfig Secret's namespace/name, for messages.
	secret     string
	kubeconfig []byte
}

// connect keeps the plane's client in the registry from its kubeconfig
// Secret. A nil connection means there is none: the object says why when the
// problem is its own (Stalled), err when it is the hub's.
func (r *Reconciler) connect(ctx context.Context, obj object) (*connection, error) {
	key := planes.Key{Type: r.planeType, Name: obj.GetName()}
	ref := obj.Connection().KubeconfigSecretRef
	secretName := r.Namespace + "/" + ref.Name
	secret := &corev1.Secret{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: ref.Name}, secret); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, err
		}
		r.Registry.Remove(key)
		conditions.MarkStalled(obj, platformv1alpha1.ReasonSecretNotFound,
			fmt.Sprintf("Secret %s was not found: create it with the plane's kubeconfig under the key %q", secretName, ref.KeyOrDefault()))
		return nil, nil
	}
	kubeconfig, ok := secret.Data[ref.KeyOrDefault()]
	if !ok {
		r.Registry.Remove(key)
		conditions.MarkStalled(obj, platformv1alpha1.ReasonKubeconfigInvalid,
			fmt.Sprintf("Secret %s has no key %q (its keys: %s): put the kubeconfig under that key or set spec.kubeconfigSecretRef.key",
				secretName, ref.KeyOrDefault(), strings.Join(sortedKeys(secret.Data), ", ")))
		return nil, nil
	}
	plane, changed, err := r.Registry.Connect(key, kubeconfig)
	if err != nil {
		r.Registry.Remove(key)
		conditions.MarkStalled(obj, platformv1alpha1.ReasonKubeconfigInvalid,
			fmt.Sprintf("key %q of Secret %s is not a usable kubeconfig: %v", ref.KeyOrDefault(), secretName, err))
		return nil, nil
	}
	if changed {
		ctrl.LoggerFrom(ctx).Info("connected to plane", "server", plane.Config.Host)
	}
	return &connection{plane: plane, secret: secretName, kubeconfig: kubeconfig}, nil
}

// probe probes a connected plane, records what it finds and says when to
// probe again.
func (r *Reconciler) probe(ctx context.Context, obj object, conn *connection) ctrl.Result {
	res := planes.Probe(ctx, conn.plane)
	if res.Err == nil && r.planeType == platformv1alpha1.PlaneTypeData && !conn.plane.Fenced() {
		// Nothing is delivered to a data plane before its fence is in
		// place: a plane that refuses it is not used (it fails as a probe
		// does, with the reason).
		if err := installFence(ctx, conn.plane); err != nil {
			res.Err = err
		}
	}
	reachable := applyProbe(obj, conn.secret, res, time.Now())
	r.Registry.SetReachable(planes.Key{Type: r.planeType, Name: obj.GetName()}, reachable, reasonOf(res))
	if res.Err != nil {
		// Probe again soon: three failures in a row mark the plane
		// unreachable, and that should take seconds, not intervals.
		return ctrl.Result{RequeueAfter: min(r.ProbeInterval, 3*time.Second)}
	}
	return ctrl.Result{RequeueAfter: r.ProbeInterval}
}

func (r *Reconciler) ReconcileDelete(ctx context.Context, obj object) (ctrl.Result, error) {
	key := planes.Key{Type: r.planeType, Name: obj.GetName()}
	if r.inUse != nil {
		users, err := r.inUse(ctx, obj.GetName())
		if err != nil {
			return ctrl.Result{}, err
		}
		if users != "" {
			// The bindings clean the plane through its client: it stays
			// connected and probed until they are done, whether deletion
			// began before a restart of the manager or while the plane was
			// down. Its addons are left as they are.
			conn, err := r.connect(ctx, obj)
			requeue := 5 * time.Second
			if conn != nil {
				requeue = min(requeue, r.probe(ctx, obj, conn).RequeueAfter)
			}
			conditions.MarkProgressing(obj, platformv1alpha1.ReasonDeleting, "waiting for workloads to leave the plane: "+users)
			return ctrl.Result{RequeueAfter: requeue}, err
		}
	}
	if err := r.removeAddons(ctx, key); err != nil {
		return ctrl.Result{}, err
	}
	r.Registry.Remove(key)
	common.LetGo(obj)
	return ctrl.Result{}, nil
}

// bindingsOnPlane names the ReleaseBindings that still have objects on a
// data plane.
func (r *Reconciler) bindingsOnPlane(ctx context.Context, name string) (string, error) {
	list := &platformv1alpha1.ReleaseBindingList{}
	if err := r.List(ctx, list, client.MatchingFields{index.BindingPlane: name}); err != nil {
		return "", err
	}
	names := make([]string, 0, len(list.Items))
	for _, b := range list.Items {
		names = append(names, b.Namespace+"/"+b.Name)
	}
	sort.Strings(names)
	return conditions.Summarize(names), nil
}

// installFence applies the plane's admission fence (render.Fence).
func installFence(ctx context.Context, p *planes.Plane) error {
	objs, err := render.Fence()
	if err != nil {
		return err
	}
	if _, err := direct.Apply(ctx, p.Client, objs); err != nil {
		return fmt.Errorf("installing the admission policy %s that keeps each object of a cell to its component: %w", render.FenceName, err)
	}
	p.SetFenced()
	ctrl.LoggerFrom(ctx).Info("installed the component fence", "policy", render.FenceName)
	return nil
}

func reasonOf(res planes.ProbeResult) string {
	if res.Err == nil {
		return ""
	}
	return res.Err.Error()
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func listFor(planeType string) client.ObjectList {
	switch planeType {
	case platformv1alpha1.PlaneTypeBuild:
		return &platformv1alpha1.BuildPlaneList{}
	case platformv1alpha1.PlaneTypeObservability:
		return &platformv1alpha1.ObservabilityPlaneList{}
	default:
		return &platformv1alpha1.DataPlaneList{}
	}
}
