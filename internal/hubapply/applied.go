package hubapply

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// absent is what Applied remembers of objects it deleted.
const absent = "absent"

// Applied remembers, per key, the hash of what was last applied for it (or
// that it was deleted), so that a reconcile that runs for other reasons
// writes only what changed. Forget a key when one of its objects is changed
// by someone else, so that the next apply writes it back.
type Applied[K comparable] struct {
	// Recheck, when set, is how long an apply is trusted: past it, the
	// same content is applied again. It is for objects the manager may
	// write but not watch (the Secrets in Argo CD's namespace): one deleted
	// by hand comes back within Recheck, and applying what the server
	// already holds changes nothing there. A delete is trusted for ever.
	Recheck time.Duration

	memory Memory[K, struct{}]
}

// Forget makes the next ApplyAll or DeleteAll for k write, whatever it
// remembers.
func (a *Applied[K]) Forget(k K) {
	a.memory.Forget(k)
}

// ApplyAll server-side applies objs for k unless they are what was last
// applied for it.
func (a *Applied[K]) ApplyAll(ctx context.Context, c client.Client, k K, objs ...client.Object) error {
	hash, err := ContentHash(objs)
	if err != nil {
		return err
	}
	if a.memory.current(k, hash, a.Recheck) {
		return nil
	}
	for _, o := range objs {
		if err := Apply(ctx, c, o); err != nil {
			return err
		}
	}
	a.memory.Remember(k, hash, struct{}{})
	return nil
}

// DeleteAll deletes objs for k unless that was the last thing done for it.
// An object whose kind the hub does not serve (Argo CD not installed) is
// as good as deleted.
func (a *Applied[K]) DeleteAll(ctx context.Context, c client.Client, k K, objs ...client.Object) error {
	if r, ok := a.memory.Get(k); ok && r.Hash == absent {
		return nil
	}
	for _, o := range objs {
		if err := c.Delete(ctx, o); client.IgnoreNotFound(err) != nil && !meta.IsNoMatchError(err) {
			return err
		}
	}
	a.memory.Remember(k, absent, struct{}{})
	return nil
}
