package templates

import "sync"

// Cache keeps each owner's compiled form (or compile error) for the
// owner's generation: a type is compiled once per edit, not once per
// component rendered from it.
type Cache[T any] struct {
	mu sync.Mutex
	m  map[string]cacheEntry[T]
}

type cacheEntry[T any] struct {
	generation int64
	value      T
	err        error
}

// Get returns owner's compiled form for generation, compiling it when the
// cache has none for that generation (an older one is replaced).
func (c *Cache[T]) Get(owner string, generation int64, compile func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[owner]; ok && e.generation == generation {
		return e.value, e.err
	}
	v, err := compile()
	if c.m == nil {
		c.m = map[string]cacheEntry[T]{}
	}
	c.m[owner] = cacheEntry[T]{generation: generation, value: v, err: err}
	return v, err
}

// Forget drops owner's compiled form (the owner is gone).
func (c *Cache[T]) Forget(owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, owner)
}
