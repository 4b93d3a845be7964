package templates

import "sync"

// Cache keeps each owner's compiled Program (or compile error) for the
// owner's generation: a type is compiled once per edit, not once per
// component rendered from it.
type Cache struct {
	mu sync.Mutex
	m  map[string]cacheEntry
}

type cacheEntry struct {
	generation int64
	program    *Program
	err        error
}

// Get returns owner's program for generation, compiling it when the cache
// has none for that generation (an older one is replaced).
func (c *Cache) Get(owner string, generation int64, compile func() (*Program, error)) (*Program, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[owner]; ok && e.generation == generation {
		return e.program, e.err
	}
	p, err := compile()
	if c.m == nil {
		c.m = map[string]cacheEntry{}
	}
	c.m[owner] = cacheEntry{generation: generation, program: p, err: err}
	return p, err
}

// Forget drops owner's program (the owner is gone).
func (c *Cache) Forget(owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, owner)
}
