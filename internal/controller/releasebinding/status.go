package releasebinding

import (
	"errors"
	"fmt"
	"time"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// problem is what, beyond its health, a plane's delivery waits on when
// that decides the binding's Ready reason.
type problem int

const (
	noProblem problem = iota
	// repositoryProblem: the organization's Git repository did not answer,
	// refused, or is not usable (RepositoryUnavailable).
	repositoryProblem
	// renderRefused: the plane's API server refused the render, which only
	// a change makes it accept (RenderRefused, Stalled).
	renderRefused
)

// repositoryError is a failure of the organization's Git repository. Its
// type, not its message, makes a plane's outcome a repositoryProblem.
type repositoryError struct{ err error }

func (e *repositoryError) Error() string { return "Git repository: " + e.err.Error() }
func (e *repositoryError) Unwrap() error { return e.err }

// outcome is the result of delivering a binding to one plane, or of
// removing it from a plane it left.
type outcome struct {
	status  platformv1alpha1.PlaneDeliveryStatus
	problem problem
	// retryAt is when a refused render is tried again unless it changes.
	retryAt time.Time
	// polled: the plane's health waits on what no watch reports (a Secret
	// in the cell, an ExternalSecret), so the binding looks again.
	polled bool
}

// failed is the outcome of st with health h and the message format makes
// of args; its problem is that of the error among args, by its type.
func failed(st platformv1alpha1.PlaneDeliveryStatus, h platformv1alpha1.PlaneHealth, format string, args ...any) outcome {
	st.Health, st.Message = h, fmt.Sprintf(format, args...)
	o := outcome{status: st}
	for _, a := range args {
		if err, ok := a.(error); ok {
			o.problem = problemOf(err)
		}
	}
	return o
}

func problemOf(err error) problem {
	if _, ok := errors.AsType[*repositoryError](err); ok {
		return repositoryProblem
	}
	return noProblem
}

// wait is when to look at a binding again.
type wait struct {
	after time.Duration
	// rollingOut, when set, are the planes the binding waits on only for
	// their Direct workload to roll out: while their watches run, the next
	// change comes as an event and the binding need not be polled.
	rollingOut []string
}

// summarize sets the binding's planes (outcomes, sorted by plane), its
// status.release and its conditions from what delivery found, and says
// when to look again. targets is how many planes the binding is meant to
// be on; resync is the manager's --resync-period.
func summarize(b *platformv1alpha1.ReleaseBinding, outcomes []outcome, targets int, now time.Time, resync time.Duration) wait {
	want := platformv1alpha1.HealthHealthy
	if b.Spec.State == platformv1alpha1.BindingSuspended {
		want = platformv1alpha1.HealthSuspended
	}
	b.Status.Planes = make([]platformv1alpha1.PlaneDeliveryStatus, 0, len(outcomes))
	var waiting, unreachable, refused []string
	firstMessage, repository := "", ""
	var retry time.Time
	delivered := true
	// rollingOut stays true while every plane that is not there yet has the
	// release applied and only waits for its Direct workload to roll out.
	rollingOut := true
	for _, o := range outcomes {
		st := o.status
		b.Status.Planes = append(b.Status.Planes, st)
		if st.Release != b.Spec.Release {
			delivered = false
		}
		if st.Health == want && st.Release == b.Spec.Release {
			continue
		}
		if st.Health != platformv1alpha1.HealthProgressing || st.Release != b.Spec.Release || st.Delivery != platformv1alpha1.DeliveryDirect || o.polled {
			rollingOut = false
		}
		if firstMessage == "" {
			firstMessage = st.Plane + ": " + st.Message
		}
		switch {
		case o.problem == renderRefused:
			refused = append(refused, st.Plane+": "+st.Message)
			if retry.IsZero() || o.retryAt.Before(retry) {
				retry = o.retryAt
			}
		case o.problem == repositoryProblem && repository == "":
			repository = st.Plane + ": " + st.Message
		}
		if st.Health == platformv1alpha1.HealthUnreachable {
			unreachable = append(unreachable, st.Plane)
		} else {
			waiting = append(waiting, st.Plane)
		}
	}
	switch {
	case len(refused) > 0:
		// Nothing but a change makes the plane accept the render: the
		// binding is Stalled, and looks again after the refusal's delay.
		conditions.MarkStalled(b, platformv1alpha1.ReasonRenderRefused, fmt.Sprintf("the plane refuses release %s: %s (tried again when it changes, or after a delay that doubles up to %s)",
			b.Spec.Release, conditions.SummarizeBy("; ", refused), refusalMaxDelay))
		return wait{after: max(retry.Sub(now), time.Second)}
	case repository != "":
		conditions.MarkProgressing(b, platformv1alpha1.ReasonRepositoryUnavailable, repository)
		return wait{after: unreachableRequeue}
	case len(unreachable) > 0:
		conditions.MarkProgressing(b, platformv1alpha1.ReasonPlaneUnreachable, fmt.Sprintf("waiting for unreachable plane(s) %s; %s",
			conditions.Summarize(unreachable), firstMessage))
		return wait{after: unreachableRequeue}
	case len(waiting) > 0:
		conditions.MarkProgressing(b, platformv1alpha1.ReasonWaitingForWorkload, firstMessage)
		w := wait{after: progressingRequeue}
		if rollingOut {
			w.rollingOut = waiting
		}
		return w
	}
	if delivered {
		// Every plane runs the render of this generation: the release with
		// the overrides of the spec summarized.
		b.Status.Release, b.Status.OverridesHash = b.Spec.Release, pipeline.OverridesHash(b.Spec.Overrides)
	}
	switch b.Spec.State {
	case platformv1alpha1.BindingUndeployed:
		b.Status.Release, b.Status.OverridesHash = "", ""
		conditions.MarkReady(b, "undeployed: nothing of the component runs in "+b.Spec.EnvironmentRef.Name)
	case platformv1alpha1.BindingSuspended:
		conditions.MarkReady(b, fmt.Sprintf("release %s is suspended on %d plane(s)", b.Spec.Release, targets))
	default:
		conditions.MarkReady(b, fmt.Sprintf("release %s runs on %d of %d plane(s)", b.Spec.Release, targets, targets))
	}
	return wait{after: resync}
}
