package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/dashboard"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/test/testbed"
)

// tenants are the organizations the authorization tests populate, each with
// components that are named nowhere else, so that a name on a page tells
// whose data it is.
var tenants = map[string][]string{
	"acme":   {"storefront", "checkout"},
	"globex": {"ledger", "payroll"},
}

// hub is a real API server with Aileron's CRDs and tenant roles.
type hub struct {
	t      *testing.T
	ctx    context.Context
	f      *fleet.Fleet
	client client.Client
	cs     kubernetes.Interface
}

func startHub(t *testing.T) *hub {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real API server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	f, err := fleet.Start(ctx, fleet.Options{})
	must(t, err)
	t.Cleanup(f.Stop)
	must(t, f.Hub.InstallCRDs(filepath.Join("..", "..", "config", "crd", "bases")))
	c, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	must(t, err)
	cs, err := kubernetes.NewForConfig(f.Hub.Config)
	must(t, err)
	must(t, fleet.CreateManifests(ctx, c, filepath.Join("..", "..", "config", "rbac", "tenant_roles.yaml")))
	return &hub{t: t, ctx: ctx, f: f, client: c, cs: cs}
}

// populate creates every tenant's organization, namespace, environment,
// components and bindings, and one plane of each kind.
func (h *hub) populate() {
	t, ctx, c := h.t, h.ctx, h.client
	for org, comps := range tenants {
		must(t, c.Create(ctx, &platformv1alpha1.Organization{ObjectMeta: metav1.ObjectMeta{Name: org}}))
		must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: org}}))
		must(t, c.Create(ctx, &platformv1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: "production"},
			Spec:       platformv1alpha1.EnvironmentSpec{DataPlaneRef: &platformv1alpha1.LocalObjectReference{Name: "eu-1"}},
		}))
		for _, name := range comps {
			must(t, c.Create(ctx, &platformv1alpha1.Component{
				ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
				Spec: platformv1alpha1.ComponentSpec{
					ProjectRef: platformv1alpha1.LocalObjectReference{Name: "shop"}, Type: platformv1alpha1.ComponentWorker,
					Image: "registry." + org + ".example/" + name + ":1",
				},
			}))
			must(t, c.Create(ctx, testbed.Binding(org, name, "production", releaseOf(name))))
		}
	}
	conn := platformv1alpha1.PlaneConnection{KubeconfigSecretRef: platformv1alpha1.KubeconfigSecretReference{Name: "unused-kubeconfig"}}
	for _, p := range []client.Object{
		&platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: "eu-1"}, Spec: platformv1alpha1.DataPlaneSpec{PlaneConnection: conn}},
		&platformv1alpha1.BuildPlane{ObjectMeta: metav1.ObjectMeta{Name: "builder-1"}, Spec: platformv1alpha1.BuildPlaneSpec{
			PlaneConnection: conn, Registry: platformv1alpha1.ImageRegistry{Prefix: "registry.example/builds"}}},
		&platformv1alpha1.ObservabilityPlane{ObjectMeta: metav1.ObjectMeta{Name: "observer-1"}, Spec: platformv1alpha1.ObservabilityPlaneSpec{
			PlaneConnection: conn, Logs: &platformv1alpha1.TelemetryEndpoint{IngestURL: "https://logs.example/insert"}}},
	} {
		must(t, c.Create(ctx, p))
	}
}

// releaseOf is the release a test binding of component runs: a name that
// appears on a page only where that binding is shown.
func releaseOf(component string) string { return component + "-0a1b2c3d4e" }

// identity is a service account of namespace, with a real token, bound to
// roles: ClusterRoles granted in the namespace, or cluster-wide for the
// ones in clusterRoles.
func (h *hub) identity(namespace, name string, roles, clusterRoles []string) string {
	t, ctx := h.t, h.ctx
	must(t, h.client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}))
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: name}}
	for _, role := range roles {
		must(t, h.client.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name + "-" + role},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}, Subjects: subject,
		}))
	}
	for _, role := range clusterRoles {
		must(t, h.client.Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: namespace + "-" + name + "-" + role},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}, Subjects: subject,
		}))
	}
	tr, err := h.cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	must(t, err)
	return tr.Status.Token
}

// planeReader is a ClusterRole that may list the given plane kinds.
func (h *hub) planeReader(name string, resources ...string) string {
	must(h.t, h.client.Create(h.ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{platformv1alpha1.GroupVersion.Group}, Resources: resources, Verbs: []string{"list"}}},
	}))
	return name
}

// get calls the dashboard at url with token.
func (h *hub) get(url, token string) (int, string) {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodGet, url, nil)
	must(h.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	must(h.t, err)
	defer resp.Body.Close() //nolint:errcheck // test
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestEachCallerSeesWhatTheirIdentityMayRead serves the dashboard with the
// Kubernetes authorizer on a real hub holding two organizations with data,
// and calls it with real service account tokens: each organization's
// viewer sees its own components and releases, and none of the other's,
// and the fleet page shows each plane kind only to whoever may list it.
func TestEachCallerSeesWhatTheirIdentityMayRead(t *testing.T) {
	h := startHub(t)
	h.populate()
	viewer := map[string]string{}
	for org := range tenants {
		viewer[org] = h.identity(org, "viewer", []string{"aileron-viewer"}, nil)
	}
	nobody := h.identity("acme", "nobody", nil, nil)
	dataOnly := h.identity("acme", "data-planes", nil, []string{h.planeReader("list-data-planes", "dataplanes")})
	allPlanes := h.identity("acme", "all-planes", nil, []string{h.planeReader("list-all-planes", "dataplanes", "buildplanes", "observabilityplanes")})
	buildOnly := h.identity("acme", "build-planes", nil, []string{h.planeReader("list-build-planes", "buildplanes")})

	srv := httptest.NewServer((&dashboard.Server{Reader: h.client, Auth: dashboard.NewKubernetesAuthorizer(h.cs, dashboard.CacheOptions{})}).Handler())
	defer srv.Close()

	type call struct {
		who, path, token string
		status           int
		shows, hides     []string
	}
	calls := []call{
		{"anonymous", "/", "", http.StatusUnauthorized, []string{"Bearer"}, nil},
		{"a stranger's token", "/", "not-a-token", http.StatusUnauthorized, nil, nil},
		{"an identity with no role", "/orgs/acme", nobody, http.StatusNotFound, nil, []string{"Organization acme", "storefront"}},
		// Plane kinds, each shown only to whoever may list it.
		{"a reader of data planes", "/", dataOnly, http.StatusOK, []string{`id="plane-eu-1"`}, []string{"builder-1", "observer-1"}},
		{"a reader of build planes", "/", buildOnly, http.StatusOK, []string{`id="plane-builder-1"`}, []string{`id="plane-eu-1"`, "observer-1"}},
		{"a reader of every plane", "/", allPlanes, http.StatusOK, []string{`id="plane-eu-1"`, `id="plane-builder-1"`, `id="plane-observer-1"`}, nil},
	}
	for org, comps := range tenants {
		var own, others []string
		for _, c := range comps {
			own = append(own, c, releaseOf(c))
		}
		for other, theirs := range tenants {
			if other == org {
				continue
			}
			others = append(others, `href="/orgs/`+other+`"`)
			for _, c := range theirs {
				others = append(others, c, releaseOf(c))
			}
			// Another organization's pages are not found, and say nothing
			// of what is in it.
			calls = append(calls,
				call{org + "'s viewer on " + other, "/orgs/" + other, viewer[org], http.StatusNotFound, nil, append([]string{"Organization " + other}, others...)},
				call{org + "'s viewer on a component of " + other, "/orgs/" + other + "/components/" + theirs[0], viewer[org], http.StatusNotFound, nil, others})
		}
		calls = append(calls,
			call{org + "'s viewer on the fleet", "/", viewer[org], http.StatusForbidden, []string{`href="/orgs/` + org + `"`}, append([]string{"eu-1"}, others...)},
			call{org + "'s viewer on " + org, "/orgs/" + org, viewer[org], http.StatusOK, append([]string{"Organization " + org}, own...), others},
			call{org + "'s viewer on its component " + comps[0], "/orgs/" + org + "/components/" + comps[0], viewer[org], http.StatusOK, []string{releaseOf(comps[0])}, others})
	}
	for _, tc := range calls {
		status, body := h.get(srv.URL+tc.path, tc.token)
		if status != tc.status {
			t.Errorf("%s: GET %s = %d, want %d", tc.who, tc.path, status, tc.status)
		}
		for _, s := range tc.shows {
			if !strings.Contains(body, s) {
				t.Errorf("%s: GET %s does not show %q", tc.who, tc.path, s)
			}
		}
		for _, s := range tc.hides {
			if strings.Contains(body, s) {
				t.Errorf("%s: GET %s shows %q", tc.who, tc.path, s)
			}
		}
	}
}

// reviewCounter counts the TokenReviews and SubjectAccessReviews that
// reach the API server through a client.
type reviewCounter struct {
	tokenReviews, accessReviews atomic.Int64
	next                        http.RoundTripper
}

func (c *reviewCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	switch {
	case strings.HasSuffix(req.URL.Path, "/tokenreviews"):
		c.tokenReviews.Add(1)
	case strings.HasSuffix(req.URL.Path, "/subjectaccessreviews"):
		c.accessReviews.Add(1)
	}
	return c.next.RoundTrip(req)
}

// TestReviewsAreCachedForAShortTime calls the dashboard repeatedly with
// the same token and counts the reviews that reach a real API server: none
// within the cache's TTL, the same again once it has passed.
func TestReviewsAreCachedForAShortTime(t *testing.T) {
	h := startHub(t)
	h.populate()
	viewer := h.identity("acme", "viewer", []string{"aileron-viewer"}, nil)
	other := h.identity("globex", "viewer", []string{"aileron-viewer"}, nil)

	counter := &reviewCounter{}
	cfg := rest.CopyConfig(h.f.Hub.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter })
	cs, err := kubernetes.NewForConfig(cfg)
	must(t, err)
	clock := clocktesting.NewFakeClock(time.Now())
	const ttl = 10 * time.Second
	auth := dashboard.NewKubernetesAuthorizer(cs, dashboard.CacheOptions{TTL: ttl, Clock: clock})
	srv := httptest.NewServer((&dashboard.Server{Reader: h.client, Auth: auth}).Handler())
	defer srv.Close()

	counts := func() (int64, int64) { return counter.tokenReviews.Load(), counter.accessReviews.Load() }
	page := func(token string) {
		t.Helper()
		if status, body := h.get(srv.URL+"/orgs/acme", token); status != http.StatusOK && token == viewer {
			t.Fatalf("GET /orgs/acme = %d: %s", status, body)
		}
	}

	page(viewer)
	tokens, access := counts()
	// One TokenReview, and one access review per organization listed.
	if tokens != 1 || access != int64(len(tenants)) {
		t.Fatalf("the first request made %d TokenReviews and %d SubjectAccessReviews, want 1 and %d", tokens, access, len(tenants))
	}
	for range 5 {
		clock.Step(ttl / 10)
		page(viewer)
	}
	if t2, a2 := counts(); t2 != tokens || a2 != access {
		t.Errorf("repeated requests within %s made %d TokenReviews and %d SubjectAccessReviews more, want none", ttl, t2-tokens, a2-access)
	}
	// Another caller is reviewed on its own.
	page(other)
	if t2, a2 := counts(); t2 != tokens+1 || a2 != access+int64(len(tenants)) {
		t.Errorf("another token made %d TokenReviews and %d SubjectAccessReviews, want 1 and %d", t2-tokens, a2-access, len(tenants))
	}
	tokens, access = counts()
	// Once the TTL has passed, the answers are asked for again.
	clock.Step(ttl)
	page(viewer)
	if t2, a2 := counts(); t2 != tokens+1 || a2 != access+int64(len(tenants)) {
		t.Errorf("a request after the TTL made %d TokenReviews and %d SubjectAccessReviews, want 1 and %d", t2-tokens, a2-access, len(tenants))
	}
}
