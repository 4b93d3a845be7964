package templates

import (
	"container/list"
	"sync"
)

// DefaultCacheSize is how many compiled forms a Cache keeps when its Size
// is zero: far more than the types and traits (and their revisions still
// pinned by releases) a hub has in use at once.
const DefaultCacheSize = 512

// Cache keeps compiled forms (or compile errors) by the hash of what was
// compiled: a type is compiled once per content, not once per component
// rendered from it, and two contents never share an entry, whoever wrote
// them. The least recently used entries go beyond Size.
type Cache[T any] struct {
	// Size bounds the entries; DefaultCacheSize when zero.
	Size int

	mu    sync.Mutex
	m     map[string]*list.Element
	order list.List // of *cacheEntry[T], most recently used first
}

type cacheEntry[T any] struct {
	key   string
	value T
	err   error
}

// Get returns the compiled form of the content hashed as key, compiling it
// when the cache has none.
func (c *Cache[T]) Get(key string, compile func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*cacheEntry[T])
		return e.value, e.err
	}
	v, err := compile()
	if c.m == nil {
		c.m = map[string]*list.Element{}
	}
	c.m[key] = c.order.PushFront(&cacheEntry[T]{key: key, value: v, err: err})
	size := c.Size
	if size <= 0 {
		size = DefaultCacheSize
	}
	for c.order.Len() > size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.m, oldest.Value.(*cacheEntry[T]).key)
	}
	return v, err
}

// Len is the number of entries kept.
func (c *Cache[T]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
