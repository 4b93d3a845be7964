package hubapply

import (
	"context"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// absent is what Applied remembers of objects it deleted.
const absent = "absent"

// Applied remembers, per key, the hash of what was last applied for it (or
// that it was deleted), so that a reconcile that runs for other reasons
// writes only what changed. It is memory only: after a restart everything
// is written once. Forget a key when one of its objects is changed by
// someone else, so that the next apply writes it back.
type Applied[K comparable] struct {
	// Recheck, when set, is how long an apply is trusted: past it, the
	// same content is applied again. It is for objects the manager may
	// write but not watch (the Secrets in Argo CD's namespace): one deleted
	// by hand comes back within Recheck, and applying what the server
	// already holds changes nothing there.
	Recheck time.Duration
	// now is time.Now but in tests.
	now func() time.Time

	mu sync.Mutex
	m  map[K]record
}

type record struct {
	hash string
	at   time.Time
}

func (a *Applied[K]) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// last is what was last done for k, or nothing once Recheck has passed.
func (a *Applied[K]) last(k K) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.m[k]
	if !ok || (a.Recheck > 0 && r.hash != absent && a.clock().Sub(r.at) >= a.Recheck) {
		return ""
	}
	return r.hash
}

func (a *Applied[K]) remember(k K, v string) {
	now := a.clock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[K]record{}
	}
	a.m[k] = record{hash: v, at: now}
}

// Forget makes the next ApplyAll or DeleteAll for k write, whatever it
// remembers.
func (a *Applied[K]) Forget(k K) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.m, k)
}

// ApplyAll server-side applies objs for k unless they are what was last
// applied for it.
func (a *Applied[K]) ApplyAll(ctx context.Context, c client.Client, k K, objs ...client.Object) error {
	hash, err := ContentHash(objs)
	if err != nil {
		return err
	}
	if a.last(k) == hash {
		return nil
	}
	for _, o := range objs {
		if err := Apply(ctx, c, o); err != nil {
			return err
		}
	}
	a.remember(k, hash)
	return nil
}

// DeleteAll deletes objs for k unless that was the last thing done for it.
func (a *Applied[K]) DeleteAll(ctx context.Context, c client.Client, k K, objs ...client.Object) error {
	if a.last(k) == absent {
		return nil
	}
	for _, o := range objs {
		if err := c.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	a.remember(k, absent)
	return nil
}
