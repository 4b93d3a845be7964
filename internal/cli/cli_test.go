package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/cli"
	"github.com/aileron-dev/aileron/internal/conditions"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// env is a hub with the manager running, one data plane, and kubeconfigs
// for three people: the administrator, a developer and an org admin.
type env struct {
	t          *testing.T
	f          *fleet.Fleet
	hub        client.Client
	kubeconfig map[string]string
}

// run runs the aileron command as who, and returns its output and exit code.
func (e *env) run(who string, args ...string) (string, int) {
	var out, errOut bytes.Buffer
	cmd := cli.NewRootCommand(&out, &errOut)
	cmd.SetArgs(append([]string{"--kubeconfig", e.kubeconfig[who], "--wait-timeout", "90s"}, args...))
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("error: " + err.Error() + "\n")
	}
	return out.String() + errOut.String(), cli.ExitCode(err)
}

var (
	promotionName = regexp.MustCompile(`(web-(to|rollback)-[a-z]+-)[a-z0-9]{5}`)
	timestamp     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	ageColumn     = regexp.MustCompile(`(?m)\s+(\d+[smhdy])+$`)
	ageField      = regexp.MustCompile(`"age": "(\d+[smhdy])+"`)
)

// mask replaces what changes from run to run: generated names, times, ages.
func mask(s string) string {
	s = promotionName.ReplaceAllString(s, "${1}XXXXX")
	s = timestamp.ReplaceAllString(s, "TIME")
	s = ageColumn.ReplaceAllString(s, "   AGE")
	return ageField.ReplaceAllString(s, `"age": "AGE"`)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = mask(got)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output of %s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet")
	}
	g := NewWithT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	f, err := fleet.Start(ctx, fleet.Options{Hub: fleet.ClusterOptions{Workloads: true}, Spokes: []fleet.ClusterOptions{{Name: "eu-1", Workloads: true}}})
	g.Expect(err).NotTo(HaveOccurred())
	defer f.Stop()
	root := filepath.Join("..", "..")
	g.Expect(f.Hub.InstallCRDs(filepath.Join(root, "config", "crd", "bases"))).To(Succeed())
	gw, err := fleet.GatewayAPICRDs()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.Spokes[0].InstallCRDs(gw)).To(Succeed())
	hub, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: manager.DefaultNamespace}})).To(Succeed())
	g.Expect(fleet.CreateManifests(ctx, hub, filepath.Join(root, "config", "rbac", "tenant_roles.yaml"),
		filepath.Join(root, "config", "admission", "promotion_identity.yaml"),
		filepath.Join(root, "config", "admission", "binding_moves.yaml"))).To(Succeed())

	if path := os.Getenv("AILERON_TEST_LOG"); path != "" {
		logFile, err := os.Create(path)
		g.Expect(err).NotTo(HaveOccurred())
		defer logFile.Close() //nolint:errcheck // test log
		ctrl.SetLogger(zap.New(zap.WriteTo(logFile), zap.UseDevMode(true)))
	}
	opts := manager.DefaultOptions()
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.PlaneProbeInterval = 2 * time.Second
	mgr, err := manager.New(f.Hub.Config, opts)
	g.Expect(err).NotTo(HaveOccurred())
	go func() { _ = mgr.Start(ctx) }()

	e := &env{t: t, f: f, hub: hub, kubeconfig: map[string]string{"admin": f.Hub.KubeconfigPath}}
	for user, group := range map[string]string{"dana": "acme:developers", "ada": "acme:platform"} {
		cfg, err := f.UserConfig(f.Hub, user, group)
		g.Expect(err).NotTo(HaveOccurred())
		kc, err := fleet.Kubeconfig(user, cfg)
		g.Expect(err).NotTo(HaveOccurred())
		e.kubeconfig[user] = filepath.Join(t.TempDir(), user+".kubeconfig")
		g.Expect(os.WriteFile(e.kubeconfig[user], kc, 0o600)).To(Succeed())
	}

	t.Run("plane register", func(t *testing.T) {
		out, code := e.run("admin", "plane", "register", "eu-1", "--plane-kubeconfig", f.Spokes[0].KubeconfigPath,
			"--type", "data", "--label", "topology.kubernetes.io/region=eu", "--public-host", "eu-1.apps.acme.example")
		NewWithT(t).Expect(code).To(Equal(0), out)
		golden(t, "plane-register", out)
	})

	t.Run("plane register again changes only what its flags give", func(t *testing.T) {
		g := NewWithT(t)
		// A plane of its own (the same cluster as eu-1, under a label no
		// environment selects), so the other subtests' plane is untouched.
		const name, publicHost = "edge-1", "edge-1.apps.acme.example"
		out, code := e.run("admin", "plane", "register", name, "--plane-kubeconfig", f.Spokes[0].KubeconfigPath,
			"--type", "data", "--delivery", "GitOps", "--public-host", publicHost, "--organization-host", "edge-1.internal.acme.example",
			"--label", "aileron.dev/test=reregister")
		g.Expect(code).To(Equal(0), out)
		defer func() {
			g.Expect(hub.Delete(ctx, &platformv1alpha1.DataPlane{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
			g.Eventually(func() error {
				return hub.Get(ctx, client.ObjectKey{Name: name}, &platformv1alpha1.DataPlane{})
			}).WithTimeout(time.Minute).Should(MatchError(ContainSubstring("not found")))
		}()

		// A new label and the same kubeconfig: nothing else given.
		out, code = e.run("admin", "plane", "register", name, "--plane-kubeconfig", f.Spokes[0].KubeconfigPath, "--label", "tier=edge")
		g.Expect(code).To(Equal(0), out)
		dp := &platformv1alpha1.DataPlane{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, dp)).To(Succeed())
		g.Expect(dp.Spec.Delivery).To(Equal(platformv1alpha1.DeliveryMode("GitOps")), "delivery was reset")
		g.Expect(dp.Spec.Gateway.PublicHost).To(Equal(publicHost), "the public host was cleared")
		g.Expect(dp.Spec.Gateway.OrganizationHost).To(Equal("edge-1.internal.acme.example"), "the organization host was cleared")
		g.Expect(dp.Labels).To(HaveKeyWithValue("aileron.dev/test", "reregister"))
		g.Expect(dp.Labels).To(HaveKeyWithValue("tier", "edge"))

		// What is given is changed.
		out, code = e.run("admin", "plane", "register", name, "--plane-kubeconfig", f.Spokes[0].KubeconfigPath, "--delivery", "Direct")
		g.Expect(code).To(Equal(0), out)
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: name}, dp)).To(Succeed())
		g.Expect(dp.Spec.Delivery).To(Equal(platformv1alpha1.DeliveryMode("Direct")))
		g.Expect(dp.Spec.Gateway.PublicHost).To(Equal(publicHost))
	})

	// The DataPlane in platform.yaml exists already: the CLI registered it.
	for _, file := range []string{"platform.yaml", "web.yaml"} {
		objs, err := fleet.ReadManifests(filepath.Join("testdata", file))
		g.Expect(err).NotTo(HaveOccurred())
		for _, o := range objs {
			if err := hub.Create(ctx, o); err != nil && !strings.Contains(err.Error(), "already exists") {
				t.Fatal(err)
			}
		}
	}
	waitReady(g, hub, "api", "web")

	t.Run("status", func(t *testing.T) {
		out, code := e.run("dana", "status", "-n", "acme")
		NewWithT(t).Expect(code).To(Equal(0), out)
		golden(t, "status", out)
		out, code = e.run("dana", "status", "web", "-n", "acme", "-o", "json")
		NewWithT(t).Expect(code).To(Equal(0), out)
		golden(t, "status-web-json", out)
	})

	t.Run("render offline is what direct delivery applied", func(t *testing.T) {
		g := NewWithT(t)
		out, code := e.run("dana", "render", filepath.Join("testdata", "web.yaml"), "--env", "development", "-f", filepath.Join("testdata", "platform.yaml"))
		g.Expect(code).To(Equal(0), out)
		golden(t, "render-web-development", out)
		// The operator delivered exactly this: diff against the plane finds
		// nothing to change in any object.
		out, code = e.run("admin", "diff", filepath.Join("testdata", "web.yaml"), "--env", "development", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		g.Expect(out).NotTo(MatchRegexp(`(?m)^[+~-] `), "render and delivery disagree:\n%s", out)
		golden(t, "diff-web-development", out)
	})

	t.Run("promote waits for approval, approve as another admin, history", func(t *testing.T) {
		g := NewWithT(t)
		out, code := e.run("dana", "promote", "web", "--from", "development", "--to", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		golden(t, "promote-awaiting", out)
		name := promotionName.FindString(out)
		requested := &platformv1alpha1.Promotion{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "acme", Name: name}, requested)).To(Succeed())
		g.Expect(requested.Spec.Release).To(Equal("web-fddd13d5a0"), "promote pins the release running in --from")

		out, code = e.run("dana", "approve", name, "-n", "acme")
		g.Expect(code).To(Equal(1), "a developer cannot approve:\n%s", out)
		g.Expect(out).To(ContainSubstring("forbidden"))

		out, code = e.run("ada", "approve", name, "-n", "acme", "--comment", "CHG-1042")
		g.Expect(code).To(Equal(0), out)
		golden(t, "approve", out)
		waitReady(g, hub, "web")

		out, code = e.run("dana", "history", "web", "--env", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		golden(t, "history", out)
	})

	t.Run("diff shows a change, rollback returns to the earlier release", func(t *testing.T) {
		g := NewWithT(t)
		edited := filepath.Join(t.TempDir(), "web.yaml")
		web, err := os.ReadFile(filepath.Join("testdata", "web.yaml"))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(os.WriteFile(edited, bytes.ReplaceAll(web, []byte("web:2.3.1"), []byte("web:2.4.0")), 0o600)).To(Succeed())
		out, code := e.run("admin", "diff", edited, "--env", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		golden(t, "diff-web-new-image", out)

		// An edit of the component's ComponentType, before it is applied.
		ct := &platformv1alpha1.ComponentType{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Name: "web-application"}, ct)).To(Succeed())
		var deployment map[string]any
		g.Expect(json.Unmarshal(ct.Spec.Resources[0].Template.Raw, &deployment)).To(Succeed())
		deployment["spec"].(map[string]any)["minReadySeconds"] = 10
		ct.Spec.Resources[0].Template.Raw, err = json.Marshal(deployment)
		g.Expect(err).NotTo(HaveOccurred())
		ct.TypeMeta = metav1.TypeMeta{APIVersion: platformv1alpha1.GroupVersion.String(), Kind: "ComponentType"}
		ct.ManagedFields, ct.ResourceVersion = nil, ""
		// Not under t.TempDir: the subtest's name has a comma, which
		// separates the values of a list flag.
		dir, err := os.MkdirTemp("", "types")
		g.Expect(err).NotTo(HaveOccurred())
		defer func() { _ = os.RemoveAll(dir) }()
		typeFile := filepath.Join(dir, "web-application.yaml")
		b, err := yaml.Marshal(ct)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(os.WriteFile(typeFile, b, 0o600)).To(Succeed())
		out, code = e.run("admin", "diff", filepath.Join("testdata", "web.yaml"), "--env", "production", "-n", "acme", "--types", typeFile)
		g.Expect(code).To(Equal(0), out)
		golden(t, "diff-web-type-edit", out)

		// The new image reaches production, then is rolled back.
		c := &platformv1alpha1.Component{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "acme", Name: "web"}, c)).To(Succeed())
		previous := c.Status.LatestRelease
		patch := client.MergeFrom(c.DeepCopy())
		c.Spec.Image = "registry.acme.example/shop/web:2.4.0"
		g.Expect(hub.Patch(ctx, c, patch)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(c), c)).To(Succeed())
			g.Expect(c.Status.LatestRelease).NotTo(Equal(previous))
			b := &platformv1alpha1.ReleaseBinding{}
			g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "acme", Name: "web--development"}, b)).To(Succeed())
			g.Expect(b.Status.Release).To(Equal(c.Status.LatestRelease))
			g.Expect(b.Status.Conditions).To(ContainElement(And(HaveField("Type", "Ready"), HaveField("Status", metav1.ConditionTrue),
				HaveField("ObservedGeneration", b.Generation))))
		}).WithTimeout(2*time.Minute).Should(Succeed(), "the new release runs in development")
		out, code = e.run("dana", "promote", "web", "--from", "development", "--to", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		out, code = e.run("ada", "approve", promotionName.FindString(out), "-n", "acme")
		g.Expect(code).To(Equal(0), out)

		out, code = e.run("dana", "rollback", "web", "--env", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		golden(t, "rollback-awaiting", out)
		out, code = e.run("ada", "approve", promotionName.FindString(out), "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		out, code = e.run("dana", "history", "web", "--env", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		golden(t, "history-after-rollback", out)
	})

	t.Run("diff shows an override change before it lands, status what an environment overrides", func(t *testing.T) {
		g := NewWithT(t)
		dir, err := os.MkdirTemp("", "overrides")
		g.Expect(err).NotTo(HaveOccurred())
		defer func() { _ = os.RemoveAll(dir) }()
		// Production runs the component of testdata/web.yaml again (the
		// rollback above): only the overrides differ from what runs.
		file := filepath.Join(dir, "web--production.yaml")
		g.Expect(os.WriteFile(file, []byte(`apiVersion: platform.aileron.dev/v1alpha1
kind: ReleaseBinding
metadata: {name: web--production, namespace: acme}
spec:
  componentRef: {name: web}
  environmentRef: {name: production}
  release: web-fddd13d5a0
  overrides:
    env: [{name: CHECKOUT_URL, value: "https://pay.acme.example"}]
    replicas: 3
`), 0o600)).To(Succeed())
		out, code := e.run("admin", "diff", filepath.Join("testdata", "web.yaml"), "--env", "production", "-n", "acme", "--overrides", file)
		g.Expect(code).To(Equal(0), out)
		golden(t, "diff-web-overrides", out)

		b := &platformv1alpha1.ReleaseBinding{}
		g.Expect(hub.Get(ctx, client.ObjectKey{Namespace: "acme", Name: "web--production"}, b)).To(Succeed())
		patch := client.MergeFrom(b.DeepCopy())
		b.Spec.Overrides = &platformv1alpha1.BindingOverrides{
			Env:      []platformv1alpha1.EnvVar{{Name: "CHECKOUT_URL", Value: ptr.To("https://pay.acme.example")}},
			Replicas: ptr.To[int32](3),
		}
		g.Expect(hub.Patch(ctx, b, patch)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(hub.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			g.Expect(b.Status.OverridesHash).To(Equal(pipeline.OverridesHash(b.Spec.Overrides)))
			g.Expect(b.Status.Conditions).To(ContainElement(And(HaveField("Type", "Ready"), HaveField("Status", metav1.ConditionTrue),
				HaveField("ObservedGeneration", b.Generation))))
		}).WithTimeout(2*time.Minute).Should(Succeed(), "production runs with its overrides")
		// Delivered: diff, with the environment's overrides, finds nothing.
		out, code = e.run("admin", "diff", filepath.Join("testdata", "web.yaml"), "--env", "production", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		g.Expect(out).NotTo(MatchRegexp(`(?m)^[+~-] `), "the overrides delivered differ from those rendered:\n%s", out)
		out, code = e.run("dana", "status", "web", "-n", "acme")
		g.Expect(code).To(Equal(0), out)
		golden(t, "status-overrides", out)
	})

	t.Run("works as a kubectl plugin", func(t *testing.T) {
		g := NewWithT(t)
		dir := t.TempDir()
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-aileron"), "../../cmd/aileron")
		out, err := build.CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), string(out))
		kubectl := exec.Command(filepath.Join(os.Getenv(fleet.EnvKubeAssets), "kubectl"), "aileron", "status", "api", "-n", "acme", "--kubeconfig", e.kubeconfig["dana"])
		kubectl.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err = kubectl.CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), string(out))
		direct, _ := e.run("dana", "status", "api", "-n", "acme")
		g.Expect(mask(string(out))).To(Equal(mask(direct)))
	})

	t.Run("mistakes get clear errors and exit codes", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			args []string
			code int
		}{
			{"promote-backwards", []string{"promote", "web", "--from", "production", "--to", "development", "-n", "acme"}, 1},
			{"promote-without-target", []string{"promote", "web", "--from", "development", "-n", "acme"}, 2},
			{"status-unknown-component", []string{"status", "nosuch", "-n", "acme"}, 1},
			{"render-unknown-environment", []string{"render", filepath.Join("testdata", "web.yaml"), "--env", "qa", "-f", filepath.Join("testdata", "platform.yaml")}, 1},
			{"unknown-flag", []string{"status", "--colour"}, 2},
		} {
			out, code := e.run("dana", tc.args...)
			if code != tc.code {
				t.Errorf("%s: exit code %d, want %d:\n%s", tc.name, code, tc.code, out)
			}
			golden(t, "error-"+tc.name, out)
		}
	})
}

func waitReady(g *WithT, hub client.Client, names ...string) {
	for _, n := range names {
		g.Eventually(func(g Gomega) {
			c := &platformv1alpha1.Component{}
			g.Expect(hub.Get(context.Background(), client.ObjectKey{Namespace: "acme", Name: n}, c)).To(Succeed())
			g.Expect(c.Status.Conditions).To(ContainElement(And(HaveField("Type", "Ready"), HaveField("Status", metav1.ConditionTrue))))
			g.Expect(c.Status.ObservedGeneration).To(Equal(c.Generation))
		}).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(Succeed(), func() string { return "component " + n + " Ready; " + dump(hub) })
	}
}

// dump summarises the Ready condition of the organization's objects, for
// failure messages.
func dump(hub client.Client) string {
	var b strings.Builder
	for _, list := range []client.ObjectList{&platformv1alpha1.DeploymentPipelineList{}, &platformv1alpha1.ProjectList{}, &platformv1alpha1.EnvironmentList{}, &platformv1alpha1.ReleaseBindingList{}} {
		_ = hub.List(context.Background(), list, client.InNamespace("acme"))
		items, _ := meta.ExtractList(list)
		for _, it := range items {
			o := it.(conditions.Object)
			for _, c := range *o.GetConditions() {
				if c.Type == "Ready" {
					fmt.Fprintf(&b, "\n  %T %s: %s %s", o, o.GetName(), c.Status, c.Message)
				}
			}
		}
	}
	return b.String()
}
