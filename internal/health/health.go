// Package health judges an object read back from a plane, whatever its
// kind: kstatus (sigs.k8s.io/cli-utils) reads the generation its
// controller observed, its conditions and, for the built-in workload kinds
// (Deployment, StatefulSet, DaemonSet, Job, ReplicaSet, Pod, PVC…), their
// own rules; Aileron adds what kstatus does not say: a workload scaled to
// zero or suspended is Suspended, not Healthy, and a Job is Progressing
// until it completes.
package health

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// workloadKinds carry a component's pods: the objects whose health is the
// component's.
var workloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}

// IsWorkload tells whether kind carries pods.
func IsWorkload(kind string) bool { return slices.Contains(workloadKinds, kind) }

// Of judges u, with a message saying why unless it is Healthy.
func Of(u *unstructured.Unstructured) (platformv1alpha1.PlaneHealth, string) {
	what := u.GetKind() + " " + u.GetName()
	if replicas, found, err := unstructured.NestedInt64(u.Object, "spec", "replicas"); err == nil && found && replicas == 0 {
		return platformv1alpha1.HealthSuspended, what + " is scaled to zero"
	}
	if suspended, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); suspended {
		return platformv1alpha1.HealthSuspended, what + " is suspended"
	}
	res, err := status.Compute(u)
	if err != nil {
		return platformv1alpha1.HealthUnknown, fmt.Sprintf("%s: cannot judge its status: %v", what, err)
	}
	switch res.Status {
	case status.CurrentStatus:
		if u.GetKind() == "Job" && !complete(u) {
			// kstatus counts a started Job as current; a component whose
			// work is a Job is not done until it completes.
			return platformv1alpha1.HealthProgressing, what + ": " + res.Message
		}
		if u.GetKind() == "CronJob" {
			// Each run's outcome belongs to its Job; say when it last ran.
			if last, found, _ := unstructured.NestedString(u.Object, "status", "lastScheduleTime"); found {
				return platformv1alpha1.HealthHealthy, "last run scheduled at " + last
			}
			return platformv1alpha1.HealthHealthy, "not run yet"
		}
		return platformv1alpha1.HealthHealthy, ""
	case status.InProgressStatus:
		return platformv1alpha1.HealthProgressing, what + ": " + res.Message
	case status.FailedStatus:
		return platformv1alpha1.HealthDegraded, what + " failed: " + res.Message
	case status.TerminatingStatus:
		return platformv1alpha1.HealthProgressing, what + " is being deleted"
	case status.NotFoundStatus:
		return platformv1alpha1.HealthProgressing, what + " is not there yet"
	default:
		return platformv1alpha1.HealthUnknown, what + ": " + res.Message
	}
}

func complete(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Complete" && m["status"] == "True" {
			return true
		}
	}
	return false
}
