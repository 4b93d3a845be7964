package direct

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/render"
)

// ReadHealth reads back the workload among objs (its Deployment or
// CronJob) and judges it.
func ReadHealth(ctx context.Context, c client.Reader, objs render.Objects) (platformv1alpha1.PlaneHealth, string, error) {
	for _, o := range objs {
		key := client.ObjectKey{Namespace: o.GetNamespace(), Name: o.GetName()}
		switch o.GetKind() {
		case "Deployment":
			d := &appsv1.Deployment{}
			if err := c.Get(ctx, key, d); err != nil {
				return missingOr(err)
			}
			h, msg := DeploymentHealth(d)
			return h, msg, nil
		case "CronJob":
			cj := &batchv1.CronJob{}
			if err := c.Get(ctx, key, cj); err != nil {
				return missingOr(err)
			}
			h, msg := CronJobHealth(cj)
			return h, msg, nil
		}
	}
	return platformv1alpha1.HealthHealthy, "", nil
}

func missingOr(err error) (platformv1alpha1.PlaneHealth, string, error) {
	if apierrors.IsNotFound(err) {
		return platformv1alpha1.HealthProgressing, "the workload is not there yet", nil
	}
	return platformv1alpha1.HealthUnknown, "", err
}

// DeploymentHealth judges a Deployment: Healthy when the controller has
// seen its latest spec and every desired replica is updated and available.
func DeploymentHealth(d *appsv1.Deployment) (platformv1alpha1.PlaneHealth, string) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return platformv1alpha1.HealthDegraded, fmt.Sprintf("the rollout of Deployment %s stalled: %s", d.Name, c.Message)
		}
	}
	switch {
	case d.Status.ObservedGeneration < d.Generation:
		return platformv1alpha1.HealthProgressing, fmt.Sprintf("Deployment %s: the rollout has not started", d.Name)
	case want == 0:
		return platformv1alpha1.HealthSuspended, fmt.Sprintf("Deployment %s is scaled to zero", d.Name)
	case d.Status.UpdatedReplicas < want || d.Status.AvailableReplicas < want || d.Status.Replicas > d.Status.UpdatedReplicas:
		return platformv1alpha1.HealthProgressing, fmt.Sprintf("Deployment %s: %d of %d replicas updated and available",
			d.Name, min(d.Status.UpdatedReplicas, d.Status.AvailableReplicas), want)
	default:
		return platformv1alpha1.HealthHealthy, ""
	}
}

// CronJobHealth judges a CronJob: it is Healthy once it exists and is not
// suspended; each run's outcome belongs to its Job.
func CronJobHealth(cj *batchv1.CronJob) (platformv1alpha1.PlaneHealth, string) {
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return platformv1alpha1.HealthSuspended, fmt.Sprintf("CronJob %s is suspended", cj.Name)
	}
	if cj.Status.LastScheduleTime != nil {
		return platformv1alpha1.HealthHealthy, "last run scheduled at " + cj.Status.LastScheduleTime.UTC().Format("2006-01-02T15:04:05Z")
	}
	return platformv1alpha1.HealthHealthy, "not run yet"
}
