package releasebinding

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/delivery/direct"
	"github.com/aileron-dev/aileron/internal/planes"
)

// TestWorkloadsWatch checks the wiring of a plane's Deployment watch: what
// changes a workload's health enqueues its bindings, what does not stays
// quiet, a deletion makes the binding apply again, and health is read from
// the watch once it has synced.
func TestWorkloadsWatch(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	binding := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "api-prod"}}
	var forgotten []string
	w := newWorkloads(func(org, comp, env string) []*platformv1alpha1.ReleaseBinding {
		if org == "acme" && comp == "api" && env == "production" {
			return []*platformv1alpha1.ReleaseBinding{binding}
		}
		return nil
	}, func(key string) { forgotten = append(forgotten, key) })

	if w.watch(&planes.Plane{Key: planes.Key{Type: platformv1alpha1.PlaneTypeBuild, Name: "builder"}, Clientset: cs}) != nil {
		t.Fatal("a build plane's workloads are not watched")
	}
	stop := w.watch(&planes.Plane{Key: planes.Key{Type: platformv1alpha1.PlaneTypeData, Name: "eu-1"}, Clientset: cs})
	defer stop()
	waitWatching(t, w, "eu-1")
	if w.watching([]string{"eu-1", "na-1"}) {
		t.Fatal("na-1 has no watch")
	}

	d, err := cs.AppsV1().Deployments("acme-shop-production").Create(ctx, apiDeployment(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expectEnqueued(t, w, "acme/api-prod", "created")

	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}
	if d, err = cs.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expectEnqueued(t, w, "acme/api-prod", "available")

	d.Annotations = map[string]string{"note": "nothing health reads"}
	if d, err = cs.AppsV1().Deployments(d.Namespace).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expectNoEvent(t, w, "annotated")

	other := d.DeepCopy()
	other.Name, other.ResourceVersion, other.Labels = "unmanaged", "", map[string]string{platformv1alpha1.LabelManagedBy: "someone-else"}
	if _, err := cs.AppsV1().Deployments(d.Namespace).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	expectNoEvent(t, w, "another manager's Deployment")

	live := &fakeReader{}
	r := w.reader("eu-1", live, nil)
	got := &appsv1.Deployment{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(d), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.AvailableReplicas != 2 || len(got.Spec.Template.Spec.Containers) != 0 {
		t.Fatalf("the watch should hold a slim copy with the status, got %+v", got)
	}
	if err := r.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: "missing"}, got); !apierrors.IsNotFound(err) || live.calls != 1 {
		t.Fatalf("a Deployment the watch does not hold (yet) is read from the plane, got %v after %d reads", err, live.calls)
	}
	if w.reader("na-1", live, nil) != client.Reader(live) {
		t.Fatal("a plane without a watch is read live")
	}
	// Just applied at generation 2, the watch still holding 1: the plane
	// answers. At the generation applied, or past it, the watch does.
	for _, tc := range []struct {
		floor int64
		live  bool
	}{{2, true}, {1, false}, {0, false}} {
		live.calls = 0
		floor := direct.Generations{{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}: tc.floor}
		err := w.reader("eu-1", live, floor).Get(ctx, client.ObjectKeyFromObject(d), got)
		if read := live.calls == 1; read != tc.live || (tc.live && !apierrors.IsNotFound(err)) {
			t.Fatalf("applied at generation %d, watch at %d: read live %t (%v), want %t", tc.floor, d.Generation, read, err, tc.live)
		}
	}

	if err := cs.AppsV1().Deployments(d.Namespace).Delete(ctx, d.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expectEnqueued(t, w, "acme/api-prod", "deleted")
	if len(forgotten) != 1 || forgotten[0] != appliedKey(binding, "eu-1") {
		t.Fatalf("a deleted Deployment must make its binding apply again, forgotten: %v", forgotten)
	}

	stop()
	if w.watching([]string{"eu-1"}) {
		t.Fatal("a stopped watch is not watching")
	}
}

// fakeReader is a plane whose Deployments are all gone.
type fakeReader struct {
	client.Reader
	calls int
}

func (f *fakeReader) Get(_ context.Context, key client.ObjectKey, _ client.Object, _ ...client.GetOption) error {
	f.calls++
	return apierrors.NewNotFound(appsv1.Resource("deployments"), key.Name)
}

// TestAWatchThatReplacesAnotherReportsWhatItFindsFirst: a plane's watch is
// replaced when its credentials change or it answers again after being
// unreachable. A binding that read the old watch waits for the next event;
// what changed between the two watches shows only in the new one's first
// list, which must therefore enqueue. A plane's first watch stays quiet:
// until it syncs, its bindings read the plane and poll.
func TestAWatchThatReplacesAnotherReportsWhatItFindsFirst(t *testing.T) {
	cs := fake.NewClientset(apiDeployment())
	binding := &platformv1alpha1.ReleaseBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "api-prod"}}
	w := newWorkloads(func(org, comp, env string) []*platformv1alpha1.ReleaseBinding {
		return []*platformv1alpha1.ReleaseBinding{binding}
	}, func(string) {})
	plane := &planes.Plane{Key: planes.Key{Type: platformv1alpha1.PlaneTypeData, Name: "eu-1"}, Clientset: cs}

	first := w.watch(plane)
	defer first()
	waitWatching(t, w, "eu-1")
	expectNoEvent(t, w, "the plane's first watch")

	// As the registry does: the new watch starts, then the old one stops.
	second := w.watch(plane)
	defer second()
	expectEnqueued(t, w, "acme/api-prod", "the replacing watch's first list")
	first()
	waitWatching(t, w, "eu-1")
	expectNoEvent(t, w, "the old watch stopped")
}

// apiDeployment is the managed Deployment of component api in production.
func apiDeployment() *appsv1.Deployment {
	labels := map[string]string{
		platformv1alpha1.LabelManagedBy: platformv1alpha1.ManagedByValue, platformv1alpha1.LabelOrganization: "acme",
		platformv1alpha1.LabelComponent: "api", platformv1alpha1.LabelEnvironment: "production",
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme-shop-production", Name: "api", Labels: labels, Generation: 1},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "main", Image: "registry.acme.example/api:1"}},
		}}},
	}
}

func waitWatching(t *testing.T, w *workloads, plane string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !w.watching([]string{plane}) {
		if time.Now().After(deadline) {
			t.Fatalf("the watch of %s never synced", plane)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expectEnqueued waits for the watch to enqueue the binding named
// namespace/name.
func expectEnqueued(t *testing.T, w *workloads, binding, what string) {
	t.Helper()
	select {
	case e := <-w.events:
		if got := e.Object.GetNamespace() + "/" + e.Object.GetName(); got != binding {
			t.Fatalf("%s: enqueued %s, want %s", what, got, binding)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no event", what)
	}
}

func expectNoEvent(t *testing.T, w *workloads, what string) {
	t.Helper()
	select {
	case e := <-w.events:
		t.Fatalf("%s: unexpected event for %s", what, e.Object.GetName())
	case <-time.After(300 * time.Millisecond):
	}
}
