package stack

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/crdtest"
)

// TestRenderedObjectsRoundTripThroughUpstreamCRDs creates everything a
// stack renders, for the default stacks and every Argo CD mode, in an API
// server serving Sveltos' and Argo CD's real CRDs (../shared/crds), and
// reads it back: nothing may be refused, and no field sent may be pruned.
func TestRenderedObjectsRoundTripThroughUpstreamCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	ctx := context.Background()
	c := crdtest.Start(t, crdtest.SharedCRDs("sveltos", 2), crdtest.SharedCRDs("argocd", 2))
	for _, ns := range []string{"aileron-system", "argocd"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	objs := map[string]runtime.Object{"appproject": AppProject("argocd")}
	add := func(o client.Object) { objs[fmt.Sprintf("%T %s", o, o.GetName())] = o }
	stacks := Defaults()
	withManifests := tenItems(platformv1alpha1.StackDeliverySveltos, platformv1alpha1.StackModeAgentless)
	withManifests.Name = "manifests"
	withManifests.Spec.Items[0].Helm = nil
	withManifests.Spec.Items[0].Manifests = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-tools\n"
	tier := int32(50)
	withManifests.Spec.Items[1].Tier = &tier
	withManifests.Spec.Items[2].Helm.RepositoryURL = "oci://registry.example/charts"
	stacks = append(stacks, withManifests)
	for _, mode := range []platformv1alpha1.StackMode{platformv1alpha1.StackModeAgentless, platformv1alpha1.StackModeMixed, platformv1alpha1.StackModeAgentBased} {
		s := tenItems(platformv1alpha1.StackDeliveryArgoCD, mode)
		s.Name = "edge-" + strings.ToLower(string(mode))
		s.Spec.Items[5].Helm.Values = "output:\n  host: ${observability.logsHost}\n"
		stacks = append(stacks, s)
	}
	for _, s := range stacks {
		profiles, configMaps := ClusterProfiles("aileron-system", s)
		for _, p := range profiles {
			add(p)
		}
		for _, cm := range configMaps {
			add(cm)
		}
		for _, set := range ApplicationSets("argocd", s) {
			add(set)
		}
	}
	p := Plane{Type: platformv1alpha1.PlaneTypeData, Name: "eu-1", Labels: map[string]string{"tier": "edge"},
		LogsURL: "https://logs.obs.example/insert/jsonline", MetricsURL: "https://metrics.obs.example/api/v1/write"}
	add(SveltosCluster("aileron-system", p))
	add(KubeconfigSecret("aileron-system", p, []byte("apiVersion: v1\nkind: Config\n")))
	if len(objs) < 30 {
		t.Fatalf("only %d objects rendered; the test must cover every default item and mode", len(objs))
	}
	crdtest.RoundTrip(ctx, t, c, objs)
}
