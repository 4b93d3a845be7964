package releasebinding

import "time"

// A render a plane's API server refuses (invalid, forbidden by admission,
// too large) is refused again until the render or the plane changes:
// applying it every few seconds would only re-apply everything else. It is
// tried again at once when the render changes, and otherwise after a
// delay that doubles with each refusal.
const (
	refusalFirstDelay = 5 * time.Second
	refusalMaxDelay   = 5 * time.Minute
)

// refusal is a plane's last refusal of one render of a binding.
type refusal struct {
	hash    string
	message string
	// count is how many times in a row the render was refused.
	count int
	// next is when it is tried again, unless it changes first.
	next time.Time
}

// refusalDelay is how long to wait after the count-th refusal in a row.
func refusalDelay(count int) time.Duration {
	d := refusalFirstDelay
	for i := 1; i < count && d < refusalMaxDelay; i++ {
		d *= 2
	}
	return min(d, refusalMaxDelay)
}

// refused records that the plane refused the render hash of key.
func (r *Reconciler) refused(key, hash, message string, now time.Time) refusal {
	ref := refusal{hash: hash, message: message, count: 1}
	if last, ok := r.refusals.Load(key); ok && last.(refusal).hash == hash {
		ref.count = last.(refusal).count + 1
	}
	ref.next = now.Add(refusalDelay(ref.count))
	r.refusals.Store(key, ref)
	return ref
}

// holding returns the refusal of render hash of key that is still in
// force at now, if any.
func (r *Reconciler) holding(key, hash string, now time.Time) (refusal, bool) {
	last, ok := r.refusals.Load(key)
	if !ok {
		return refusal{}, false
	}
	ref := last.(refusal)
	return ref, ref.hash == hash && now.Before(ref.next)
}
