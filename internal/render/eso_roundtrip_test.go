package render_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/crdtest"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/render"
)

// The ExternalSecrets Aileron renders are what the External Secrets
// Operator's own CRD (v0.16, external-secrets.io/v1) accepts, field for
// field: nothing is refused, nothing pruned, in every environment.
func TestExternalSecretsRoundTripThroughTheOperatorsCRD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	crds, err := fleet.ExternalSecretsCRDs()
	if err != nil {
		t.Fatal(err)
	}
	c := crdtest.Start(t, crds)
	objs := map[string]runtime.Object{}
	for _, env := range []string{"development", "production"} {
		in := render.Input{
			Organization: "acme", Project: "shop", Environment: env, Component: "api", Release: "api-0123456789",
			Image: "registry.example/api:1", State: platformv1alpha1.BindingActive,
			Plane: render.Plane{Name: "eu-1", SecretStore: "vault", GatewayName: "aileron-gateway", GatewayNamespace: "aileron-gateway"},
			Spec: platformv1alpha1.ComponentSpec{
				ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker,
				Container: platformv1alpha1.ContainerSpec{
					Env: []platformv1alpha1.EnvVar{
						{Name: "LOG_LEVEL", Value: ptr.To("info")},
						{Name: "DATABASE_PASSWORD", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-db", Key: "password"}},
					},
					Files: []platformv1alpha1.ConfigFile{{MountPath: "/etc/tls/tls.key", SecretRef: &platformv1alpha1.SecretRefKey{Name: "shop-tls", Key: "tls.key"}}},
				},
			},
			Secrets: map[string]platformv1alpha1.SecretReferenceSpec{
				"shop-db": {Data: []platformv1alpha1.SecretReferenceKey{{Key: "password", RemoteKey: "shop/db", Property: "password",
					Environments: []platformv1alpha1.EnvironmentRemoteKey{{Environment: "production", RemoteKey: "shop/production/db"}}}}},
				"shop-tls": {Data: []platformv1alpha1.SecretReferenceKey{{Key: "tls.key", RemoteKey: "shop/tls"}}},
			},
		}
		rendered, err := render.Component(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range rendered {
			if o.GetKind() == render.ExternalSecretKind {
				objs[env+"/"+o.GetName()] = o
			}
		}
		if err := c.Create(context.Background(), namespace(in.Namespace())); err != nil {
			t.Fatal(err)
		}
	}
	if len(objs) != 4 {
		t.Fatalf("%d ExternalSecrets rendered, want one per reference in each environment", len(objs))
	}
	crdtest.RoundTrip(context.Background(), t, c, objs)
}

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
