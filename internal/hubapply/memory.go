package hubapply

import (
	"sync"
	"time"
)

// Record is what a Memory holds for a key: the hash of what was last
// applied, when, and whatever the caller keeps with it.
type Record[V any] struct {
	Hash  string
	At    time.Time
	Value V
}

// Memory remembers, per key, what was last applied and when. It is the one
// "last applied" cache of the manager: Applied is built on it for hub
// objects, and the binding controller keeps its plane renders in one. It is
// memory only: after a restart everything is applied once. Safe for
// concurrent use; the zero value is ready.
type Memory[K comparable, V any] struct {
	// Recheck, when set, is how long a record is trusted: past it, Current
	// reports false and the same content is applied again.
	Recheck time.Duration
	// now is time.Now but in tests.
	now func() time.Time

	mu sync.Mutex
	m  map[K]Record[V]
}

// Now is the memory's clock.
func (m *Memory[K, V]) Now() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// Get is the record of k, however old.
func (m *Memory[K, V]) Get(k K) (Record[V], bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.m[k]
	return r, ok
}

// Current reports whether hash is what was last applied for k, within
// Recheck.
func (m *Memory[K, V]) Current(k K, hash string) bool {
	return m.current(k, hash, m.Recheck)
}

func (m *Memory[K, V]) current(k K, hash string, recheck time.Duration) bool {
	r, ok := m.Get(k)
	return ok && r.Hash == hash && (recheck <= 0 || m.Now().Sub(r.At) < recheck)
}

// Remember records hash and v for k, now.
func (m *Memory[K, V]) Remember(k K, hash string, v V) {
	now := m.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[K]Record[V]{}
	}
	m.m[k] = Record[V]{Hash: hash, At: now, Value: v}
}

// Forget drops the record of k: the next apply for it writes.
func (m *Memory[K, V]) Forget(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, k)
}
