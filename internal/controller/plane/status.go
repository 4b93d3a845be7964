package plane

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
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
// whether the plane now counts as reachable. lastProbeTime moves when
// anything else in the status changes, or once refresh has passed, so that
// a healthy fleet's statuses are not rewritten on every probe.
func applyProbe(p object, secret string, res planes.ProbeResult, now time.Time, refresh time.Duration) bool {
	st := p.PlaneStatus()
	before := st.DeepCopy()
	if res.Err == nil {
		st.ConsecutiveProbeFailures = 0
		st.KubernetesVersion = res.KubernetesVersion
		st.NodeCount = res.Nodes
		common.SetCondition(p, platformv1alpha1.ConditionReachable, metav1.ConditionTrue, platformv1alpha1.ReasonProbeSucceeded,
			fmt.Sprintf("the API server answers: Kubernetes %s, %d node(s)", res.KubernetesVersion, res.Nodes))
		common.MarkReady(p, "connected and reachable")
	} else {
		st.ConsecutiveProbeFailures++
		switch {
		case res.Unauthorized:
			msg := fmt.Sprintf("the plane refused the credentials of Secret %s: %v; put a valid kubeconfig in the Secret", secret, res.Err)
			common.SetCondition(p, platformv1alpha1.ConditionReachable, metav1.ConditionFalse, platformv1alpha1.ReasonUnauthorized, msg)
			common.MarkProgressing(p, platformv1alpha1.ReasonUnauthorized, msg)
		case st.ConsecutiveProbeFailures >= FailuresBeforeUnreachable:
			msg := fmt.Sprintf("%d probes in a row failed; the last: %v", st.ConsecutiveProbeFailures, res.Err)
			common.SetCondition(p, platformv1alpha1.ConditionReachable, metav1.ConditionFalse, platformv1alpha1.ReasonProbeFailed, msg)
			common.MarkProgressing(p, platformv1alpha1.ReasonPlaneUnreachable, "the plane does not answer: "+msg)
		case meta.FindStatusCondition(*p.GetConditions(), platformv1alpha1.ConditionReachable) == nil:
			common.SetCondition(p, platformv1alpha1.ConditionReachable, metav1.ConditionUnknown, platformv1alpha1.ReasonProbeFailed,
				fmt.Sprintf("the first probes failed: %v", res.Err))
			common.MarkProgressing(p, platformv1alpha1.ReasonProbeFailed, "connecting to the plane")
		}
	}
	last := before.LastProbeTime
	before.LastProbeTime, st.LastProbeTime = nil, nil
	if !equality.Semantic.DeepEqual(before, st) || last == nil || now.Sub(last.Time) >= refresh {
		st.LastProbeTime = &metav1.Time{Time: now}
	} else {
		st.LastProbeTime = last
	}
	return meta.IsStatusConditionTrue(*p.GetConditions(), platformv1alpha1.ConditionReachable)
}
