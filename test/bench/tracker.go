package main

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/manager"
)

// tracker watches the hub's ReleaseBindings, so that the bench learns the
// moment each is delivered without polling the API server it measures.
type tracker struct {
	mu        sync.Mutex
	delivered map[string]bool
	waiters   map[string][]waiter
	count     int
	target    int
	allAt     time.Time
	all       chan struct{}
}

type waiter struct {
	pred func(*platformv1alpha1.ReleaseBinding) bool
	done chan struct{}
}

// track starts the watch of namespace's bindings; all is closed once target
// bindings are delivered.
func track(ctx context.Context, cfg *rest.Config, namespace string, target int) (*tracker, error) {
	t := &tracker{delivered: map[string]bool{}, waiters: map[string][]waiter{}, target: target, all: make(chan struct{})}
	c, err := cache.New(cfg, cache.Options{Scheme: manager.Scheme(), DefaultNamespaces: map[string]cache.Config{namespace: {}}})
	if err != nil {
		return nil, err
	}
	inf, err := c.GetInformer(ctx, &platformv1alpha1.ReleaseBinding{})
	if err != nil {
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { t.observe(o) },
		UpdateFunc: func(_, o any) { t.observe(o) },
	}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, ctx.Err()
	}
	return t, nil
}

func (t *tracker) observe(o any) {
	b, ok := o.(*platformv1alpha1.ReleaseBinding)
	if !ok {
		return
	}
	key := b.Namespace + "/" + b.Name
	d := delivered(b)
	t.mu.Lock()
	defer t.mu.Unlock()
	if d != t.delivered[key] {
		t.delivered[key] = d
		if d {
			t.count++
		} else {
			t.count--
		}
	}
	if t.count >= t.target && t.allAt.IsZero() {
		t.allAt = time.Now()
		close(t.all)
	}
	kept := t.waiters[key][:0]
	for _, w := range t.waiters[key] {
		if d && w.pred(b) {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	t.waiters[key] = kept
}

// progress is how many bindings are delivered.
func (t *tracker) progress() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// when returns a channel closed once binding key (namespace/name) is
// delivered and pred holds for it.
func (t *tracker) when(key string, pred func(*platformv1alpha1.ReleaseBinding) bool) <-chan struct{} {
	w := waiter{pred: pred, done: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.waiters[key] = append(t.waiters[key], w)
	return w.done
}
