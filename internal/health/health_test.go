package health

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	// Through JSON, as an object read from an API server: whole numbers
	// are int64.
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatal(err)
	}
	return u
}

const availableDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status:
  observedGeneration: 2
  replicas: 2
  updatedReplicas: 2
  readyReplicas: 2
  availableReplicas: 2
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
`

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		object  string
		want    platformv1alpha1.PlaneHealth
		message string // a part of the message
	}{
		{"a Deployment whose replicas are all updated and available", availableDeployment, platformv1alpha1.HealthHealthy, ""},
		{"a Deployment whose new spec its controller has not seen",
			strings.Replace(availableDeployment, "generation: 2", "generation: 3", 1), platformv1alpha1.HealthProgressing, "Deployment web: "},
		{"a Deployment with one of two replicas updated", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2}
`, platformv1alpha1.HealthProgressing, "Updated: 1/2"},
		{"a Deployment whose rollout passed its deadline", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status:
  observedGeneration: 2
  replicas: 2
  updatedReplicas: 1
  conditions:
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: "ReplicaSet web-7 has timed out progressing."}
`, platformv1alpha1.HealthDegraded, "Deployment web failed"},
		{"a Deployment scaled to zero", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 0}
`, platformv1alpha1.HealthSuspended, "Deployment web is scaled to zero"},
		{"a StatefulSet with all replicas ready and current", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-1}
`, platformv1alpha1.HealthHealthy, ""},
		{"a StatefulSet still starting its pods", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 1, currentReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-1}
`, platformv1alpha1.HealthProgressing, "StatefulSet db: "},
		{"a StatefulSet rolling to a new revision", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, readyReplicas: 2, currentReplicas: 1, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}
`, platformv1alpha1.HealthProgressing, "StatefulSet db: "},
		{"a Job that completed", `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {completions: 1}
status:
  succeeded: 1
  conditions: [{type: Complete, status: "True"}]
`, platformv1alpha1.HealthHealthy, ""},
		{"a Job that failed", `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {completions: 1}
status:
  failed: 6
  conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: "Job has reached the specified backoff limit"}]
`, platformv1alpha1.HealthDegraded, "Job migrate failed"},
		{"a Job still running", `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {completions: 1}
status: {active: 1, startTime: "2026-12-04T10:00:00Z"}
`, platformv1alpha1.HealthProgressing, "Job migrate: "},
		{"a suspended Job", `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {suspend: true}
`, platformv1alpha1.HealthSuspended, "Job migrate is suspended"},
		{"a CronJob that never ran", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec: {schedule: "0 * * * *"}
`, platformv1alpha1.HealthHealthy, "not run yet"},
		{"a CronJob that ran", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec: {schedule: "0 * * * *"}
status: {lastScheduleTime: "2026-12-04T10:00:00Z"}
`, platformv1alpha1.HealthHealthy, "last run scheduled at 2026-12-04T10:00:00Z"},
		{"a suspended CronJob", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec: {schedule: "0 * * * *", suspend: true}
`, platformv1alpha1.HealthSuspended, "CronJob report is suspended"},
		{"a claim waiting for a volume", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
status: {phase: Pending}
`, platformv1alpha1.HealthProgressing, "PersistentVolumeClaim data: "},
		{"a bound claim", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
status: {phase: Bound}
`, platformv1alpha1.HealthHealthy, ""},
		{"a custom kind that is not Ready", `
apiVersion: example.com/v1
kind: Queue
metadata: {name: jobs, generation: 1}
status:
  observedGeneration: 1
  conditions: [{type: Ready, status: "False", reason: Provisioning, message: "creating the queue"}]
`, platformv1alpha1.HealthProgressing, "Queue jobs: "},
		{"a custom kind that says it stalled", `
apiVersion: example.com/v1
kind: Queue
metadata: {name: jobs, generation: 1}
status:
  observedGeneration: 1
  conditions: [{type: Stalled, status: "True", reason: QuotaExceeded, message: "no quota left"}]
`, platformv1alpha1.HealthDegraded, "no quota left"},
		{"a kind with nothing to say", `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
`, platformv1alpha1.HealthHealthy, ""},
		{"an object being deleted", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, deletionTimestamp: "2026-12-04T10:00:00Z"}
spec: {replicas: 1}
`, platformv1alpha1.HealthProgressing, "Deployment web is being deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := Of(obj(t, tc.object))
			if got != tc.want || !strings.Contains(msg, tc.message) {
				t.Fatalf("got %s (%q), want %s with %q", got, msg, tc.want, tc.message)
			}
			if got == platformv1alpha1.HealthHealthy && tc.message == "" && msg != "" {
				t.Fatalf("a healthy object needs no message, got %q", msg)
			}
		})
	}
}
