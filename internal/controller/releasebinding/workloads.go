package releasebinding

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/planes"
)

// workloads watches, on every connected data plane, the Deployments
// Aileron delivered, so that a binding learns its workload became available
// (or was deleted by hand) from an event instead of polling the plane every
// few seconds: with thousands of bindings rolling out, polling would
// outweigh the delivery itself. The cache keeps only what health needs
// (labels, generation, replicas, status).
type workloads struct {
	// events carry the bindings whose workload changed to the controller.
	events chan event.GenericEvent
	// bindings finds the bindings of a component in an environment.
	bindings func(org, component, env string) []*platformv1alpha1.ReleaseBinding
	// forget drops a binding's applied record, so that its next reconcile
	// applies again (its Deployment was deleted on the plane).
	forget func(appliedKey string)

	// transform, when set, runs before slimDeployment (tests delay it).
	transform toolscache.TransformFunc

	mu     sync.RWMutex
	stores map[string]*planeWorkloads
}

type planeWorkloads struct {
	deployments toolscache.SharedIndexInformer
}

func newWorkloads(bindings func(org, component, env string) []*platformv1alpha1.ReleaseBinding, forget func(string)) *workloads {
	return &workloads{events: make(chan event.GenericEvent, 1024), bindings: bindings, forget: forget, stores: map[string]*planeWorkloads{}}
}

// watch is a planes.Watcher: it starts the watch of a data plane's
// Deployments for as long as the plane's connection lasts.
func (w *workloads) watch(p *planes.Plane) func() {
	if p.Key.Type != platformv1alpha1.PlaneTypeData {
		return nil
	}
	selector := labels.SelectorFromSet(labels.Set{platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue}).String()
	factory := informers.NewSharedInformerFactoryWithOptions(p.Clientset, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }),
		informers.WithTransform(w.slim))
	inf := factory.Apps().V1().Deployments().Informer()
	plane := p.Key.Name
	// A watch that replaces another (new credentials, or the plane back
	// from unreachable) may find what changed between the two only in its
	// first list: a binding that read the old watch and now waits for an
	// event would wait forever. Its first list is news. A plane's first
	// watch is not: until it syncs, its bindings read the plane and poll.
	w.mu.RLock()
	replaces := w.stores[plane] != nil
	w.mu.RUnlock()
	ctx, cancel := context.WithCancel(context.Background())
	_, _ = inf.AddEventHandler(toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if !initial || replaces {
				w.notify(ctx, plane, obj, false)
			}
		},
		UpdateFunc: func(old, obj any) {
			o, n := old.(*workload), obj.(*workload)
			if o.Generation != n.Generation || !equality.Semantic.DeepEqual(o.status, n.status) {
				w.notify(ctx, plane, obj, false)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			w.notify(ctx, plane, obj, true)
		},
	})
	factory.Start(ctx.Done())
	w.mu.Lock()
	w.stores[plane] = &planeWorkloads{deployments: inf}
	w.mu.Unlock()
	return func() {
		cancel()
		w.mu.Lock()
		if w.stores[plane] != nil && w.stores[plane].deployments == inf {
			delete(w.stores, plane)
		}
		w.mu.Unlock()
		// The informer's goroutines end on their own once cancelled; a stop
		// does not wait for them, so that a watch stuck on a plane that
		// stopped answering never holds up whoever replaces it.
		go factory.Shutdown()
	}
}

// notify enqueues the bindings a Deployment belongs to. It gives up when
// the watch is stopped, so that stopping never waits on a controller that
// no longer reads the events.
func (w *workloads) notify(ctx context.Context, plane string, obj any, deleted bool) {
	d, ok := obj.(*workload)
	if !ok {
		return
	}
	l := d.Labels
	org, comp, env := l[platformv1alpha1.LabelOrganization], l[platformv1alpha1.LabelComponent], l[platformv1alpha1.LabelEnvironment]
	if org == "" || comp == "" || env == "" {
		return
	}
	for _, b := range w.bindings(org, comp, env) {
		if deleted {
			w.forget(appliedKey(b, plane))
		}
		select {
		case w.events <- event.GenericEvent{Object: b}:
		case <-ctx.Done():
			return
		}
	}
}

// watching tells whether every plane has a synced watch: their bindings
// wait for events instead of polling.
func (w *workloads) watching(planeNames []string) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	for _, p := range planeNames {
		s := w.stores[p]
		if s == nil || !s.deployments.HasSynced() {
			return false
		}
	}
	return true
}

// reader reads a plane's Deployments from the watch once it has synced,
// and everything else (and everything before) from live. A Deployment the
// watch holds at a generation below floor (what the last apply returned)
// is read from live too: the watch has not caught up with that apply, and
// what it holds would judge the previous spec's rollout.
func (w *workloads) reader(plane string, live client.Reader, floor direct.Generations) client.Reader {
	w.mu.RLock()
	defer w.mu.RUnlock()
	s := w.stores[plane]
	if s == nil || !s.deployments.HasSynced() {
		return live
	}
	return cachedDeployments{Reader: live, store: s.deployments.GetStore(), floor: floor}
}

type cachedDeployments struct {
	client.Reader
	store toolscache.Store
	floor direct.Generations
}

func (c cachedDeployments) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return c.Reader.Get(ctx, key, obj, opts...)
	}
	item, exists, err := c.store.GetByKey(key.String())
	if err != nil {
		return err
	}
	if !exists {
		// Just applied, the watch may not have it yet: the plane answers,
		// so that the binding's first status is already the right one.
		return c.Reader.Get(ctx, key, obj, opts...)
	}
	cached := item.(*workload)
	if cached.Generation < c.floor[direct.GenerationKey{Kind: "Deployment", Namespace: key.Namespace, Name: key.Name}] {
		return c.Reader.Get(ctx, key, obj, opts...)
	}
	// deployment() copies already: the cached record stays untouched.
	*d = *cached.deployment()
	return nil
}

// workload is what a plane's watch keeps of a Deployment: what health and
// the mapping to bindings read. A whole Deployment, even emptied, is a
// large struct; thousands are held per plane.
type workload struct {
	metav1.ObjectMeta
	replicas *int32
	status   appsv1.DeploymentStatus
}

// deployment is the Deployment health judges.
func (w *workload) deployment() *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: *w.DeepCopy(), Spec: appsv1.DeploymentSpec{Replicas: w.replicas}, Status: *w.status.DeepCopy()}
}

// slim is the watch's transform.
func (w *workloads) slim(obj any) (any, error) {
	if w.transform != nil {
		var err error
		if obj, err = w.transform(obj); err != nil {
			return nil, err
		}
	}
	return slimDeployment(obj)
}

// slimDeployment is the watch's transform: a Deployment becomes a workload.
func slimDeployment(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	w := &workload{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name, Namespace: d.Namespace, ResourceVersion: d.ResourceVersion,
			Generation: d.Generation, Labels: make(map[string]string, 3),
		},
		replicas: d.Spec.Replicas,
		status: appsv1.DeploymentStatus{
			ObservedGeneration: d.Status.ObservedGeneration, Replicas: d.Status.Replicas,
			UpdatedReplicas: d.Status.UpdatedReplicas, ReadyReplicas: d.Status.ReadyReplicas, AvailableReplicas: d.Status.AvailableReplicas,
		},
	}
	for _, l := range []string{platformv1alpha1.LabelOrganization, platformv1alpha1.LabelComponent, platformv1alpha1.LabelEnvironment} {
		if v, ok := d.Labels[l]; ok {
			w.Labels[l] = v
		}
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing || c.Type == appsv1.DeploymentAvailable {
			w.status.Conditions = append(w.status.Conditions, appsv1.DeploymentCondition{Type: c.Type, Status: c.Status, Reason: c.Reason, Message: c.Message})
		}
	}
	return w, nil
}
