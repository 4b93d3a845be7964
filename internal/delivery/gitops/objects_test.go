package gitops_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/crdtest"
	"github.com/aileron-dev/aileron/internal/delivery/gitops"
	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/internal/golden"
	"github.com/aileron-dev/aileron/internal/hubapply"
)

var (
	repository = gitops.Repository{URL: "https://git.acme.example/platform.git", Branch: "main", Path: "clusters"}
	cell       = gitops.Cell{Organization: "acme", Project: "shop", Environment: "production"}
	plane      = &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-1", Labels: map[string]string{platformv1alpha1.LabelRegion: "eu"}}}
	planeCfg   = &rest.Config{Host: "https://eu-1.example:6443", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("ca"), CertData: []byte("cert"), KeyData: []byte("key")}}
)

// rendered is every kind of hub object GitOps delivery writes.
func rendered(t *testing.T) map[string]client.Object {
	t.Helper()
	secret, err := gitops.ClusterSecret("argocd", plane, planeCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]client.Object{
		"appproject":        gitops.AppProject("argocd", "acme", repository, []gitops.Destination{{Server: "https://na-1.example:6443", Namespace: cell.Namespace()}, {Server: planeCfg.Host, Namespace: cell.Namespace()}}),
		"applicationset":    gitops.ApplicationSet("argocd", cell, repository, []string{"na-1", "eu-1"}),
		"cluster-secret":    secret,
		"repository-secret": gitops.RepositorySecret("argocd", "acme", repository, gitrepo.Credentials{Password: "token"}),
	}
}

// TestGolden pins the rendered Argo CD objects: a change to them is a
// change to every GitOps fleet, and shows in review.
func TestGolden(t *testing.T) {
	for name, obj := range rendered(t) {
		u, err := hubapply.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		got, err := yaml.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, name+".yaml", got)
	}
}

func TestClusterSecretRefusesWhatArgoCDCannotUse(t *testing.T) {
	for name, cfg := range map[string]*rest.Config{
		"exec plugin": {Host: "https://x", ExecProvider: &clientcmdapi.ExecConfig{Command: "aws"}},
		"token file":  {Host: "https://x", BearerTokenFile: "/var/run/token"},
		"cert files":  {Host: "https://x", TLSClientConfig: rest.TLSClientConfig{CertFile: "/etc/cert.pem", KeyFile: "/etc/key.pem"}},
	} {
		if _, err := gitops.ClusterSecret("argocd", plane, cfg, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestRoundTripThroughUpstreamCRDs creates every rendered object in an API
// server that serves Argo CD's real CRDs (../shared/crds/argocd) and reads
// it back: a field the schema does not know would be pruned, and show as a
// difference.
func TestRoundTripThroughUpstreamCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	ctx := context.Background()
	c := crdtest.Start(t, crdtest.SharedCRDs("argocd", 3))
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "argocd"}}); err != nil {
		t.Fatal(err)
	}
	objs := map[string]runtime.Object{}
	for name, obj := range rendered(t) {
		objs[name] = obj
	}
	crdtest.RoundTrip(ctx, t, c, objs)
}
