package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/dashboard"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
)

// TestEachCallerSeesWhatTheirIdentityMayRead serves the dashboard with the
// Kubernetes authorizer on a real hub and calls it with real service
// account tokens.
func TestEachCallerSeesWhatTheirIdentityMayRead(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real API server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f, err := fleet.Start(ctx, fleet.Options{})
	must(t, err)
	defer f.Stop()
	must(t, f.Hub.InstallCRDs(filepath.Join("..", "..", "config", "crd", "bases")))
	hub, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	must(t, err)
	cs, err := kubernetes.NewForConfig(f.Hub.Config)
	must(t, err)
	must(t, fleet.CreateManifests(ctx, hub, filepath.Join("..", "..", "config", "rbac", "tenant_roles.yaml")))
	for _, org := range []string{"acme", "globex"} {
		must(t, hub.Create(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: org}}))
		must(t, hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: org}}))
	}
	token := func(name string) string {
		must(t, hub.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: name}}))
		tr, err := cs.CoreV1().ServiceAccounts("acme").CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		must(t, err)
		return tr.Status.Token
	}
	viewer, nobody := token("viewer"), token("nobody")
	must(t, hub.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "viewer"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "aileron-viewer"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "acme", Name: "viewer"}},
	}))

	srv := httptest.NewServer((&dashboard.Server{Reader: hub, Auth: dashboard.KubernetesAuthorizer{Clientset: cs}}).Handler())
	defer srv.Close()
	get := func(path, token string) (int, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		must(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close() //nolint:errcheck // test
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	for _, tc := range []struct {
		who, path, token string
		status           int
		shows, hides     string
	}{
		{"anonymous", "/", "", http.StatusUnauthorized, "Bearer", ""},
		{"a stranger's token", "/", "not-a-token", http.StatusUnauthorized, "", ""},
		{"acme's viewer on the fleet", "/", viewer, http.StatusForbidden, `href="/orgs/acme"`, `href="/orgs/globex"`},
		{"acme's viewer on acme", "/orgs/acme", viewer, http.StatusOK, "Organization acme", ""},
		{"acme's viewer on globex", "/orgs/globex", viewer, http.StatusNotFound, "", "Organization globex"},
		{"an identity with no role", "/orgs/acme", nobody, http.StatusNotFound, "", "Organization acme"},
	} {
		status, body := get(tc.path, tc.token)
		if status != tc.status {
			t.Errorf("%s: GET %s = %d, want %d", tc.who, tc.path, status, tc.status)
		}
		if tc.shows != "" && !strings.Contains(body, tc.shows) {
			t.Errorf("%s: GET %s does not show %q", tc.who, tc.path, tc.shows)
		}
		if tc.hides != "" && strings.Contains(body, tc.hides) {
			t.Errorf("%s: GET %s shows %q", tc.who, tc.path, tc.hides)
		}
	}
}
