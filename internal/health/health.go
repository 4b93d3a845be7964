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
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// workloadKinds carry a component's pods: the objects whose health is the
// component's.
var workloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}

// IsWorkload tells whether kind carries pods.
func IsWorkload(kind string) bool { return slices.Contains(workloadKinds, kind) }

// Gates tells whether the component's health waits on u besides its
// workloads: an ExternalSecret, whose Secret the pods read (on a real
// cluster they do not start without it, and a failure to read the store
// is said there, not on the pods).
func Gates(u *unstructured.Unstructured) bool {
	return u.GetKind() == "ExternalSecret" && u.GroupVersionKind().Group == "external-secrets.io"
}

// Of judges u, with a message saying why unless it is Healthy.
func Of(u *unstructured.Unstructured) (platformv1alpha1.PlaneHealth, string) {
	what := u.GetKind() + " " + u.GetName()
	if replicas, found, err := unstructured.NestedInt64(u.Object, "spec", "replicas"); err == nil && found && replicas == 0 {
		return platformv1alpha1.HealthSuspended, what + " is scaled to zero"
	}
	if suspended, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); suspended {
		return platformv1alpha1.HealthSuspended, what + " is suspended"
	}
	if Gates(u) {
		return externalSecret(u)
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
	c := condition(u, "Complete")
	return c != nil && c["status"] == "True"
}

// externalSecret judges an ExternalSecret by its Ready condition, as the
// External Secrets Operator sets it: kstatus reads only Reconciling and
// Stalled. A Ready of an older generation (status.syncedResourceVersion is
// "<generation>-<hash>") is not yet the answer for this one.
func externalSecret(u *unstructured.Unstructured) (platformv1alpha1.PlaneHealth, string) {
	what := u.GetKind() + " " + u.GetName()
	ready := condition(u, "Ready")
	switch {
	case ready == nil:
		return platformv1alpha1.HealthProgressing, what + " has not read the secret store yet"
	case ready["status"] != "True":
		return platformv1alpha1.HealthDegraded, fmt.Sprintf("%s cannot read the secret store: %v: %v", what, ready["reason"], ready["message"])
	}
	synced, _, _ := unstructured.NestedString(u.Object, "status", "syncedResourceVersion")
	if !strings.HasPrefix(synced, strconv.FormatInt(u.GetGeneration(), 10)+"-") {
		return platformv1alpha1.HealthProgressing, what + " has not read the secret store since it changed"
	}
	return platformv1alpha1.HealthHealthy, ""
}

// condition is u's status condition of type t, or nil.
func condition(u *unstructured.Unstructured, t string) map[string]any {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == t {
			return m
		}
	}
	return nil
}
