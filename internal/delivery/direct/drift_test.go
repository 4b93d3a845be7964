package direct

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/render"
)

func TestHolds(t *testing.T) {
	live := map[string]any{
		"metadata": map[string]any{"name": "api", "uid": "1", "labels": map[string]any{"a": "1", "b": "2"}},
		"spec": map[string]any{
			"replicas": int64(2), "ports": []any{map[string]any{"port": int64(80), "protocol": "TCP"}},
			"added": "by the server",
		},
		"status": map[string]any{"ready": true},
	}
	for _, tc := range []struct {
		name string
		want map[string]any
		ok   bool
	}{
		{"the same fields", map[string]any{"spec": map[string]any{"replicas": int64(2)}}, true},
		{"a float for an integer", map[string]any{"spec": map[string]any{"replicas": float64(2)}}, true},
		{"labels a subset", map[string]any{"metadata": map[string]any{"name": "other", "labels": map[string]any{"a": "1"}}}, true},
		{"defaults the server added in a list item", map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": int64(80)}}}}, true},
		{"an empty object the server dropped", map[string]any{"spec": map[string]any{"strategy": map[string]any{}}}, true},
		{"another value", map[string]any{"spec": map[string]any{"replicas": int64(3)}}, false},
		{"a label changed", map[string]any{"metadata": map[string]any{"labels": map[string]any{"a": "2"}}}, false},
		{"a field removed", map[string]any{"spec": map[string]any{"paused": true}}, false},
		{"a list item more", map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": int64(80)}, map[string]any{"port": int64(81)}}}}, false},
		{"a string for a number", map[string]any{"spec": map[string]any{"replicas": "2"}}, false},
	} {
		if got := Holds(live, tc.want); got != tc.ok {
			t.Errorf("%s: Holds = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// TestDriftedOnARealAPIServer proves that what the API server makes of
// applied renders (defaults, normalized values) is not mistaken for drift,
// so that a resync of an unchanged platform writes nothing, and that real
// drift is found.
func TestDriftedOnARealAPIServer(t *testing.T) {
	if testing.Short() || os.Getenv(fleet.EnvKubeAssets) == "" {
		t.Skip("needs an API server")
	}
	ctx := context.Background()
	f, err := fleet.Start(ctx, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	crds, err := fleet.GatewayAPICRDs()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Hub.InstallCRDs(crds); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(f.Hub.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plane := render.Plane{Name: "eu-1", PublicHost: "eu-1.apps.acme.example", GatewayName: "gw", GatewayNamespace: "gw"}
	specs := map[string]platformv1alpha1.ComponentSpec{
		"api": {Type: platformv1alpha1.ComponentService, Replicas: ptr.To[int32](2),
			Endpoints: []platformv1alpha1.Endpoint{{Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP}},
			Container: platformv1alpha1.ContainerSpec{
				Env:       []platformv1alpha1.EnvVar{{Name: "LOG_LEVEL", Value: ptr.To("info")}},
				Files:     []platformv1alpha1.ConfigFile{{MountPath: "/etc/api/config.json", Content: `{"a": 1}`}},
				Resources: &platformv1alpha1.Resources{Requests: &platformv1alpha1.ResourceList{CPU: ptr.To(resource.MustParse("0.1")), Memory: ptr.To(resource.MustParse("128Mi"))}},
			}},
		"web": {Type: platformv1alpha1.ComponentWebApplication,
			Autoscaling: &platformv1alpha1.Autoscaling{MinReplicas: 2, MaxReplicas: 5},
			Endpoints:   []platformv1alpha1.Endpoint{{Name: "http", Port: 3000, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityPublic, Path: "/"}}},
		"report": {Type: platformv1alpha1.ComponentScheduledTask, Schedule: "0 3 * * *"},
	}
	var all render.Objects
	for name, spec := range specs {
		spec.ProjectRef.Name = "shop"
		in := render.Input{Organization: "acme", Project: "shop", Environment: "production", Plane: plane,
			Component: name, Release: name + "-0123456789", Image: "registry.acme.example/" + name + ":1", Spec: spec}
		if len(all) == 0 {
			cell, err := render.Cell(in.Organization, in.Project, in.Environment, nil)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, cell...)
		}
		objs, err := render.Component(in)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, objs...)
	}
	gens, err := Apply(ctx, c, all)
	if err != nil {
		t.Fatal(err)
	}
	// The generations returned are the API server's: created now, every
	// Deployment is at its first; a changed spec is at its second.
	var deployments render.Objects
	for _, o := range all {
		if o.GetKind() == "Deployment" {
			deployments = append(deployments, o)
		}
	}
	if len(deployments) == 0 {
		t.Fatal("the render has no Deployment")
	}
	for _, o := range deployments {
		if g := gens[GenerationKey{Kind: "Deployment", Namespace: o.GetNamespace(), Name: o.GetName()}]; g != 1 {
			t.Errorf("Deployment %s: Apply returned generation %d, want 1", o.GetName(), g)
		}
	}
	changed := deployments[0].DeepCopy()
	if err := unstructured.SetNestedField(changed.Object, int64(7), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	gens, err = Apply(ctx, c, render.Objects{changed})
	if err != nil {
		t.Fatal(err)
	}
	if g := gens[GenerationKey{Kind: "Deployment", Namespace: changed.GetNamespace(), Name: changed.GetName()}]; g != 2 {
		t.Errorf("Deployment %s changed: Apply returned generation %d, want 2", changed.GetName(), g)
	}
	if _, err := Apply(ctx, c, deployments[:1]); err != nil {
		t.Fatal(err)
	}
	drifted, err := Drifted(ctx, c, all)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range drifted {
		t.Errorf("%s %s was just applied, yet counts as drifted", o.GetKind(), o.GetName())
	}

	// Someone edits a ConfigMap by hand and deletes a Service.
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "acme--shop--production", Name: "api-env"}, cm); err != nil {
		t.Fatal(err)
	}
	cm.Data["LOG_LEVEL"] = "debug"
	if err := c.Update(ctx, cm, client.FieldOwner("kubectl-edit")); err != nil {
		t.Fatal(err)
	}
	svc := &unstructured.Unstructured{}
	svc.SetAPIVersion("v1")
	svc.SetKind("Service")
	svc.SetNamespace("acme--shop--production")
	svc.SetName("web")
	if err := c.Delete(ctx, svc); err != nil {
		t.Fatal(err)
	}
	drifted, err = Drifted(ctx, c, all)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range drifted {
		got = append(got, o.GetKind()+" "+o.GetName())
	}
	if len(got) != 2 || got[0] != "ConfigMap api-env" && got[1] != "ConfigMap api-env" {
		t.Fatalf("drifted: %v, want the edited ConfigMap api-env and the deleted Service web", got)
	}
	if _, err := Apply(ctx, c, drifted); err != nil {
		t.Fatal(err)
	}
	if drifted, err = Drifted(ctx, c, all); err != nil || len(drifted) != 0 {
		t.Fatalf("after applying what drifted, still drifted: %v (%v)", drifted, err)
	}
}
