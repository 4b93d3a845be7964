package planes

import (
	"context"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/aileron-dev/aileron/internal/delivery/gitops"
)

// absent is what applied remembers of an object it deleted.
const absent = "absent"

// applied remembers, per plane, the hash of what was last written for it
// (or absent once deleted), so that a plane's periodic reconcile writes
// only what changed; after a restart everything is written once.
type applied struct {
	mu sync.Mutex
	m  map[Key]string
}

func (a *applied) last(k Key) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m[k]
}

func (a *applied) remember(k Key, v string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[Key]string{}
	}
	a.m[k] = v
}

// applyAll server-side applies objs for plane k unless they are what was
// last applied.
func (a *applied) applyAll(ctx context.Context, c client.Client, k Key, objs ...client.Object) error {
	hash, err := gitops.ContentHash(objs)
	if err != nil {
		return err
	}
	if a.last(k) == hash {
		return nil
	}
	for _, o := range objs {
		if err := gitops.Apply(ctx, c, o); err != nil {
			return err
		}
	}
	a.remember(k, hash)
	return nil
}

// deleteAll deletes objs for plane k unless that was the last thing done.
func (a *applied) deleteAll(ctx context.Context, c client.Client, k Key, objs ...client.Object) error {
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
