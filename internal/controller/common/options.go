package common

import (
	"time"

	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

const (
	// MaxRetryDelay caps the backoff between retries of one object. The
	// library default (1000 s) lets an object that failed through a hub
	// outage of a minute wait a quarter of an hour once the hub is back;
	// at most a minute keeps recovery bounded and costs a few requests.
	MaxRetryDelay = time.Minute
	// ConflictRetryDelay is how soon a reconcile whose write lost an
	// optimistic-concurrency race runs again. A conflict is not a failure
	// (another writer, or a cache a few milliseconds behind), so it does
	// not grow the object's backoff.
	ConflictRetryDelay = 500 * time.Millisecond
)

// ControllerOptions are the options every controller shares: its
// concurrency and a retry backoff from 5 ms to MaxRetryDelay per object,
// with the library's overall 10 qps bucket on top.
func ControllerOptions(maxConcurrentReconciles int) controller.Options {
	return controller.Options{
		MaxConcurrentReconciles: maxConcurrentReconciles,
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, MaxRetryDelay),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
		),
	}
}

// OnlyConflicts reports whether err is a 409 Conflict, and, for errors
// joined or wrapped, whether every error inside is one.
func OnlyConflicts(err error) bool {
	if err == nil {
		return false
	}
	// The outermost API error is the one to classify.
	if _, ok := err.(apierrors.APIStatus); ok {
		return apierrors.IsConflict(err)
	}
	switch e := err.(type) { //nolint:errorlint // walking the wrap tree by hand, every branch of a join
	case interface{ Unwrap() []error }:
		errs := e.Unwrap()
		for _, inner := range errs {
			if !OnlyConflicts(inner) {
				return false
			}
		}
		return len(errs) > 0
	case interface{ Unwrap() error }:
		return OnlyConflicts(e.Unwrap())
	}
	return false
}
