package health

import (
	"fmt"
	"strings"
	"testing"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// The ExternalSecret's conditions as the External Secrets Operator v0.16
// writes them (reasons SecretSynced and SecretSyncedError).
func TestExternalSecrets(t *testing.T) {
	es := func(generation int, status string) string {
		return fmt.Sprintf(`
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: api--shop-db, generation: %d}
spec: {refreshInterval: 1h}
%s`, generation, status)
	}
	for _, tc := range []struct {
		name, object string
		want         platformv1alpha1.PlaneHealth
		message      string
	}{
		{"synced", es(2, `status:
  syncedResourceVersion: 2-5e6fa1c0
  conditions: [{type: Ready, status: "True", reason: SecretSynced, message: secret synced}]`), platformv1alpha1.HealthHealthy, ""},
		{"not read yet", es(1, ""), platformv1alpha1.HealthProgressing, "ExternalSecret api--shop-db has not read the secret store yet"},
		{"synced for the generation before", es(3, `status:
  syncedResourceVersion: 2-5e6fa1c0
  conditions: [{type: Ready, status: "True", reason: SecretSynced, message: secret synced}]`),
			platformv1alpha1.HealthProgressing, "ExternalSecret api--shop-db has not read the secret store since it changed"},
		{"a generation whose digits begin another's", es(2, `status:
  syncedResourceVersion: 21-5e6fa1c0
  conditions: [{type: Ready, status: "True", reason: SecretSynced, message: secret synced}]`),
			platformv1alpha1.HealthProgressing, "since it changed"},
		{"the store refuses", es(2, `status:
  syncedResourceVersion: 2-5e6fa1c0
  conditions: [{type: Ready, status: "False", reason: SecretSyncedError, message: could not get secret data from provider}]`),
			platformv1alpha1.HealthDegraded, "ExternalSecret api--shop-db cannot read the secret store: SecretSyncedError: could not get secret data from provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := obj(t, tc.object)
			if !Gates(u) {
				t.Fatal("an ExternalSecret does not gate the component's health")
			}
			got, msg := Of(u)
			if got != tc.want || msg != tc.message && (tc.message == "" || !strings.Contains(msg, tc.message)) {
				t.Fatalf("got %s %q, want %s %q", got, msg, tc.want, tc.message)
			}
		})
	}
	// Another group's kind of the same name is judged as any object.
	if Gates(obj(t, "apiVersion: example.com/v1\nkind: ExternalSecret\nmetadata: {name: x}\n")) {
		t.Fatal("an ExternalSecret of another group gates the component's health")
	}
}

func TestSecretsRead(t *testing.T) {
	for _, tc := range []struct {
		name, object string
		want         []SecretKey
	}{
		{"a Deployment's variables, envFrom and volumes, optional ones left out", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        envFrom: [{secretRef: {name: migrations}}]
      containers:
      - name: main
        env:
        - {name: A, value: x}
        - {name: DB, valueFrom: {secretKeyRef: {name: shop-db, key: password}}}
        - {name: DB_AGAIN, valueFrom: {secretKeyRef: {name: shop-db, key: password}}}
        - {name: OPTIONAL, valueFrom: {secretKeyRef: {name: extras, key: x, optional: true}}}
        - {name: CONFIG, valueFrom: {configMapKeyRef: {name: api-env, key: x}}}
      volumes:
      - {name: tls, secret: {secretName: shop-tls, items: [{key: tls.key, path: k}, {key: tls.crt, path: c}]}}
      - {name: all, secret: {secretName: bundle}}
      - {name: maybe, secret: {secretName: maybe, optional: true}}
      - {name: files, configMap: {name: api-files}}
`, []SecretKey{{"bundle", ""}, {"migrations", ""}, {"shop-db", "password"}, {"shop-tls", "tls.crt"}, {"shop-tls", "tls.key"}}},
		{"a CronJob's job template", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: main
            env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: report-token, key: token}}}]
`, []SecretKey{{"report-token", "token"}}},
		{"a Deployment that reads no Secret", availableDeployment, []SecretKey{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SecretsRead(obj(t, tc.object))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
