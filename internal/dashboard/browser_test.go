package dashboard_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

// TestDashboardInABrowser serves the dashboard from the real manager on a
// real fleet and looks at it in headless Chromium, as a person would.
func TestDashboardInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet and a browser")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: `make test` installs Debian's chromium package")
	}
	artifacts := os.Getenv("AILERON_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("..", "..", "_artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	f, err := fleet.Start(ctx, fleet.Options{Spokes: []fleet.ClusterOptions{{Name: "eu-1", Workloads: true}, {Name: "na-1", Workloads: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	must(t, f.Hub.InstallCRDs(filepath.Join("..", "..", "config", "crd", "bases")))
	gateway, err := fleet.GatewayAPICRDs()
	must(t, err)
	hub, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	must(t, err)
	must(t, hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: manager.DefaultNamespace}}))
	for _, s := range f.Spokes {
		must(t, s.InstallCRDs(gateway))
		must(t, hub.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: manager.DefaultNamespace, Name: s.Name + "-kubeconfig"},
			Data:       map[string][]byte{"kubeconfig": s.Kubeconfig},
		}))
	}

	addr := freeAddr(t)
	opts := manager.DefaultOptions()
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.PlaneProbeInterval = 2 * time.Second
	opts.DashboardBindAddress, opts.DashboardAuth = addr, "none"
	mgr, err := manager.New(f.Hub.Config, opts)
	must(t, err)
	go func() { _ = mgr.Start(ctx) }()
	must(t, fleet.CreateManifests(ctx, hub, filepath.Join("testdata", "platform.yaml")))
	// The manager starts the dashboard with its other runnables.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard does not answer on %s: %v", addr, err)
		}
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
	)...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	base := "http://" + addr
	// Open the tab on the long-lived context: a tab belongs to the context
	// of the first action run in it, and steps below use short ones.
	if _, err := chromedp.Run(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}

	// see navigates to page and waits until every selector is visible; the
	// page refreshes itself, so a change shows up without a reload.
	see := func(t *testing.T, page, shot string, selectors ...string) string {
		t.Helper()
		step, cancel := context.WithTimeout(browser, 2*time.Minute)
		defer cancel()
		failed := func(err error) {
			body, _ := chromedp.Run(browser, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: waiting for %v: %v\nthe page says:\n%s", page, selectors, err, body)
		}
		if _, err := chromedp.Run(step, chromedp.Navigate(base+page)); err != nil {
			failed(err)
		}
		for _, s := range selectors {
			if _, err := chromedp.Run(step, chromedp.WaitVisible(chromedp.CSS(s))); err != nil {
				failed(err)
			}
		}
		text, err := chromedp.Run(step, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			failed(err)
		}
		png, err := chromedp.Run(step, chromedp.FullScreenshot(100)) // 100 makes a PNG; lower qualities make JPEG
		if err != nil {
			failed(err)
		}
		must(t, os.WriteFile(filepath.Join(artifacts, "dashboard-"+shot+".png"), png, 0o600))
		return text
	}

	t.Run("the fleet page shows every plane, reachable, with its version", func(t *testing.T) {
		text := see(t, "/", "fleet", "#plane-eu-1 .pill.reachable", "#plane-na-1 .pill.reachable")
		for _, want := range []string{"eu-1", "na-1", "v1.36.3", "Data read at"} {
			if !strings.Contains(text, want) {
				t.Errorf("the fleet page does not show %q:\n%s", want, text)
			}
		}
	})

	t.Run("a component turns healthy on the organization page after it is applied", func(t *testing.T) {
		see(t, "/orgs/acme", "org-empty", "#matrix")
		must(t, fleet.CreateManifests(ctx, hub, filepath.Join("testdata", "org.yaml")))
		text := see(t, "/orgs/acme", "org", "#matrix td.cell .pill.healthy")
		// Headers are upper-cased by the style sheet; the text is what shows.
		for _, want := range []string{"web", "development", "production", "not deployed", "1/1"} {
			if !strings.Contains(strings.ToLower(text), want) {
				t.Errorf("the organization page does not show %q:\n%s", want, text)
			}
		}
	})

	t.Run("the component page shows delivered objects, health, URLs", func(t *testing.T) {
		text := see(t, "/orgs/acme/components/web", "component", "#env-development .pill.healthy", "#plane-eu-1 .pill.Healthy")
		for _, want := range []string{"Deployment web", "HTTPRoute web", "https://web--shop--development--acme.eu-1.apps.acme.example/", "acme--shop--development"} {
			if !strings.Contains(text, want) {
				t.Errorf("the component page does not show %q:\n%s", want, text)
			}
		}
	})

	t.Run("the component page shows what an environment overrides", func(t *testing.T) {
		b := &platformv1alpha1.ReleaseBinding{}
		must(t, hub.Get(ctx, client.ObjectKey{Namespace: "acme", Name: "web--development"}, b))
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Overrides = &platformv1alpha1.BindingOverrides{
			Env:      []platformv1alpha1.EnvVar{{Name: "CHECKOUT_URL", Value: ptr.To("https://pay.dev.acme.example")}},
			Replicas: ptr.To[int32](2),
		}
		must(t, hub.Patch(ctx, b, patch))
		text := see(t, "/orgs/acme/components/web", "component-overrides", "#overrides-development")
		if !strings.Contains(text, "Overrides in development: env CHECKOUT_URL, replicas") {
			t.Errorf("the component page does not show development's overrides:\n%s", text)
		}
		// The next subtests promote from development: only a release that
		// runs Ready there is promoted, so wait until it runs with them.
		want := pipeline.OverridesHash(b.Spec.Overrides)
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
			must(t, hub.Get(ctx, client.ObjectKeyFromObject(b), b))
			if b.Status.OverridesHash == want && conditions.IsReady(b) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("development does not run with its overrides: %+v", b.Status)
			}
		}
	})

	t.Run("a promotion awaiting approval is highlighted", func(t *testing.T) {
		must(t, hub.Create(ctx, &platformv1alpha1.Promotion{
			ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "web-to-production"},
			Spec: platformv1alpha1.PromotionSpec{
				ComponentRef: platformv1alpha1.LocalObjectReference{Name: "web"}, RequestedBy: "dana",
				SourceEnvironmentRef: &platformv1alpha1.LocalObjectReference{Name: "development"},
				TargetEnvironmentRef: platformv1alpha1.LocalObjectReference{Name: "production"},
			},
		}))
		text := see(t, "/orgs/acme", "org-approval", "#approvals")
		if !strings.Contains(text, "web-to-production") || !strings.Contains(text, "dana") {
			t.Errorf("the pending approval is not shown:\n%s", text)
		}
	})

	t.Run("a plane whose API server stops is shown unreachable", func(t *testing.T) {
		f.Spoke("na-1").StopAPIServer()
		text := see(t, "/", "fleet-unreachable", "#plane-na-1 .pill.unreachable", "#plane-eu-1 .pill.reachable")
		if !strings.Contains(text, "unreachable") {
			t.Errorf("na-1 is not shown unreachable:\n%s", text)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close() //nolint:errcheck // only reserving a port number
	return l.Addr().String()
}
