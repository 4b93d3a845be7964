package plane

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/controller/common"
	"github.com/aileron-dev/aileron/internal/planes"
)

// FailuresBeforeUnreachable is how many probes in a row must fail before a
// plane is marked unreachable; one refused credential is enough.
const FailuresBeforeUnreachable = 3

// object is a plane kind as the shared Reconcile skeleton handles it.
type object interface {
	platformv1alpha1.Plane
	common.Object
}

// applyProbe records one probe's outcome in the plane's status and reports
// whether the plane now counts as reachable. A probe that learns nothing new
// leaves the status exactly as it was, so an idle hub is not written to,
// whether its planes answer or one stays down: failures stop being counted
// once the plane is marked unreachable, a down plane's messages keep the
// error that brought it down (later errors of the same kind are worded
// differently, timeouts especially), and lastProbeTime is the time of the
// probe that last changed the status.
func applyProbe(p object, secret string, res planes.ProbeResult, now time.Time) bool {
	st := p.PlaneStatus()
	before := st.DeepCopy()
	if res.Err == nil {
		st.ConsecutiveProbeFailures = 0
		st.KubernetesVersion = res.KubernetesVersion
		st.NodeCount = res.Nodes
		conditions.Set(p, platformv1alpha1.ConditionReachable, metav1.ConditionTrue, platformv1alpha1.ReasonProbeSucceeded,
			fmt.Sprintf("the API server answers: Kubernetes %s, %d node(s)", res.KubernetesVersion, res.Nodes))
		conditions.MarkReady(p, "connected and reachable")
	} else {
		if !meta.IsStatusConditionFalse(*p.GetConditions(), platformv1alpha1.ConditionReachable) {
			st.ConsecutiveProbeFailures++
		}
		switch {
		case res.Unauthorized:
			msg := stableMessage(p, platformv1alpha1.ReasonUnauthorized,
				fmt.Sprintf("the plane refused the credentials of Secret %s: %v; put a valid kubeconfig in the Secret", secret, res.Err))
			conditions.Set(p, platformv1alpha1.ConditionReachable, metav1.ConditionFalse, platformv1alpha1.ReasonUnauthorized, msg)
			conditions.MarkProgressing(p, platformv1alpha1.ReasonUnauthorized, msg)
		case st.ConsecutiveProbeFailures >= FailuresBeforeUnreachable:
			msg := stableMessage(p, platformv1alpha1.ReasonProbeFailed,
				fmt.Sprintf("%d probes in a row failed; the last: %v", st.ConsecutiveProbeFailures, res.Err))
			conditions.Set(p, platformv1alpha1.ConditionReachable, metav1.ConditionFalse, platformv1alpha1.ReasonProbeFailed, msg)
			conditions.MarkProgressing(p, platformv1alpha1.ReasonPlaneUnreachable, "the plane does not answer: "+msg)
		case meta.FindStatusCondition(*p.GetConditions(), platformv1alpha1.ConditionReachable) == nil:
			conditions.Set(p, platformv1alpha1.ConditionReachable, metav1.ConditionUnknown, platformv1alpha1.ReasonProbeFailed,
				fmt.Sprintf("the first probes failed: %v", res.Err))
			conditions.MarkProgressing(p, platformv1alpha1.ReasonProbeFailed, "connecting to the plane")
		}
	}
	last := before.LastProbeTime
	before.LastProbeTime, st.LastProbeTime = nil, nil
	if !equality.Semantic.DeepEqual(before, st) || last == nil {
		st.LastProbeTime = &metav1.Time{Time: now}
	} else {
		st.LastProbeTime = last
	}
	return meta.IsStatusConditionTrue(*p.GetConditions(), platformv1alpha1.ConditionReachable)
}

// stableMessage returns the message of a plane already Reachable=False for
// reason, or msg when it is not (yet): the message says why the plane went
// down and stays as it was while the plane stays down for the same reason.
func stableMessage(p object, reason, msg string) string {
	if c := meta.FindStatusCondition(*p.GetConditions(), platformv1alpha1.ConditionReachable); c != nil &&
		c.Status == metav1.ConditionFalse && c.Reason == reason {
		return c.Message
	}
	return msg
}
