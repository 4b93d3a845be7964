package common

import (
	"errors"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestOnlyConflicts(t *testing.T) {
	gr := schema.GroupResource{Group: "platform.aileron.dev", Resource: "components"}
	conflict := apierrors.NewConflict(gr, "web", errors.New("the object has been modified"))
	notFound := apierrors.NewNotFound(gr, "web")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a conflict", conflict, true},
		{"a wrapped conflict", fmt.Errorf("patching: %w", conflict), true},
		{"two conflicts joined", errors.Join(conflict, fmt.Errorf("status: %w", conflict)), true},
		{"a conflict joined with another error", errors.Join(conflict, notFound), false},
		{"a wrapped join with another error", fmt.Errorf("reconciling: %w", errors.Join(conflict, errors.New("connection refused"))), false},
		{"another API error", notFound, false},
		{"a plain error", errors.New("connection refused"), false},
	} {
		if got := OnlyConflicts(tc.err); got != tc.want {
			t.Errorf("%s: OnlyConflicts = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A failure streak as long as a hub outage must not push an object's next
// retry past MaxRetryDelay.
func TestRetryBackoffIsCapped(t *testing.T) {
	limiter := ControllerOptions(1).RateLimiter
	req := reconcile.Request{}
	var last = limiter.When(req)
	for range 40 {
		last = limiter.When(req)
	}
	if last != MaxRetryDelay {
		t.Fatalf("after 40 failures the retry waits %v, want the cap %v", last, MaxRetryDelay)
	}
	// The cap is the promise, not just a constant: an object that failed
	// all through an outage is retried within a minute of its end.
	if MaxRetryDelay > time.Minute {
		t.Fatalf("the retry cap is %v: recovery after an outage must stay within a minute", MaxRetryDelay)
	}
	limiter.Forget(req)
	if d := limiter.When(req); d > 10*time.Millisecond {
		t.Fatalf("after a success the first retry waits %v, want milliseconds", d)
	}
}
