package stack

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Names of the default stacks, one per plane type.
const (
	DefaultDataStack          = "data-plane"
	DefaultBuildStack         = "build-plane"
	DefaultObservabilityStack = "observability-plane"
)

// Defaults are the stacks the manager creates when they do not exist (and
// never overwrites): a platform team edits them, or replaces them with its
// own, like any other PlaneStack. Versions are pinned so that every plane
// runs the same thing until someone moves them.
func Defaults() []*platformv1alpha1.PlaneStack {
	stack := func(name, planeType string, items ...platformv1alpha1.StackItem) *platformv1alpha1.PlaneStack {
		return &platformv1alpha1.PlaneStack{
			TypeMeta:   metav1.TypeMeta{APIVersion: platformv1alpha1.GroupVersion.String(), Kind: "PlaneStack"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: platformv1alpha1.PlaneStackSpec{
				PlaneType: planeType,
				Delivery:  platformv1alpha1.StackDeliverySveltos,
				Mode:      platformv1alpha1.StackModeAgentless,
				SyncMode:  platformv1alpha1.SyncModeContinuousWithDriftDetection,
				Items:     items,
			},
		}
	}
	helm := func(name string, role platformv1alpha1.StackItemRole, namespace, repo, chart, version, values string, dependsOn ...string) platformv1alpha1.StackItem {
		return platformv1alpha1.StackItem{
			Name: name, Role: role, Namespace: namespace, DependsOn: dependsOn,
			Helm: &platformv1alpha1.HelmChart{RepositoryURL: repo, Chart: chart, Version: version, Values: values},
		}
	}
	return []*platformv1alpha1.PlaneStack{
		stack(DefaultDataStack, platformv1alpha1.PlaneTypeData,
			// First: the gateway and the agents read their certificates and
			// credentials from Secrets it syncs.
			helm("external-secrets", platformv1alpha1.RoleSecrets, "external-secrets",
				"https://charts.external-secrets.io", "external-secrets", "0.17.0",
				"installCRDs: true\n"),
			// Admission policy guards the cells from the first workload on.
			helm("kyverno", platformv1alpha1.RolePolicy, "kyverno",
				"https://kyverno.github.io/kyverno/", "kyverno", "3.4.1", ""),
			// A Gateway API implementation, with the Gateway that public
			// endpoints' HTTPRoutes attach to (DataPlane spec.gateway's
			// defaults).
			helm("gateway", platformv1alpha1.RoleGateway, "aileron-gateway",
				"https://traefik.github.io/charts", "traefik", "35.0.0",
				"providers:\n  kubernetesGateway:\n    enabled: true\ngateway:\n  enabled: true\n  name: aileron-gateway\n  namespace: aileron-gateway\n",
				"external-secrets"),
			// Metrics: a Prometheus that scrapes the plane and remote-writes
			// to the observability plane's metrics store.
			helm("metrics-agent", platformv1alpha1.RoleMetricsAgent, "aileron-observability",
				"https://prometheus-community.github.io/helm-charts", "prometheus", "27.16.0",
				"alertmanager:\n  enabled: false\nprometheus-pushgateway:\n  enabled: false\nserver:\n  retention: 2h\n  remoteWrite:\n  - url: ${observability.metricsURL}\n",
				"external-secrets"),
			// Logs: fluent-bit on every node, shipping JSON lines over HTTP to
			// the observability plane's log store.
			helm("fluent-bit", platformv1alpha1.RoleLogAgent, "aileron-observability",
				"https://fluent.github.io/helm-charts", "fluent-bit", "0.49.0",
				"config:\n  outputs: |\n    [OUTPUT]\n        Name http\n        Match kube.*\n        Host ${observability.logsHost}\n        Port ${observability.logsPort}\n        URI ${observability.logsPath}\n        tls ${observability.logsTLS}\n        Format json_lines\n        Json_date_key date\n        Json_date_format iso8601\n",
				"external-secrets"),
		),
		stack(DefaultBuildStack, platformv1alpha1.PlaneTypeBuild,
			// Argo Workflows runs the builds; its controller watches the
			// build namespace (BuildPlane spec.namespace's default).
			helm("argo-workflows", platformv1alpha1.RoleBuild, "argo",
				"https://argoproj.github.io/argo-helm", "argo-workflows", "0.45.15",
				"controller:\n  workflowNamespaces:\n  - aileron-builds\nserver:\n  enabled: false\n"),
		),
		stack(DefaultObservabilityStack, platformv1alpha1.PlaneTypeObservability,
			// Single-binary stores: small, and they speak the agents' own
			// protocols (JSON lines over HTTP, Prometheus remote write).
			helm("log-store", platformv1alpha1.RoleLogStore, "aileron-observability",
				"https://victoriametrics.github.io/helm-charts/", "victoria-logs-single", "0.11.2",
				"server:\n  retentionPeriod: 14d\n  persistentVolume:\n    enabled: true\n    size: 50Gi\n"),
			helm("metrics-store", platformv1alpha1.RoleMetricsStore, "aileron-observability",
				"https://victoriametrics.github.io/helm-charts/", "victoria-metrics-single", "0.19.0",
				"server:\n  retentionPeriod: 30d\n  persistentVolume:\n    enabled: true\n    size: 50Gi\n"),
		),
	}
}

// CreateDefaults creates each default stack that does not exist yet. A
// stack a platform team changed, or deleted and replaced, stays theirs:
// nothing is overwritten, and a deleted default comes back only at the
// next start of the manager (run it with --default-stacks=false to keep
// it away).
func CreateDefaults(ctx context.Context, c client.Client) error {
	for _, s := range Defaults() {
		err := c.Create(ctx, s)
		if err == nil {
			ctrl.LoggerFrom(ctx).Info("created default plane stack", "stack", s.Name)
		}
		if client.IgnoreAlreadyExists(err) != nil {
			return fmt.Errorf("creating the default stack %s: %w", s.Name, err)
		}
	}
	return nil
}
