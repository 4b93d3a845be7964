package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"k8s.io/utils/ptr"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
)

// spoke is one real API server per test process, with the Gateway API and
// External Secrets Operator CRDs a data plane has: what the renderer's output is checked against. It is
// started on first use, stopped by TestMain, and dies with the process
// (fuzz workers included).
var spoke struct {
	once  sync.Once
	fleet *fleet.Fleet
	c     client.Client
	err   error
}

// TestMain stops the spoke, and removes its directory, once the tests ran.
func TestMain(m *testing.M) {
	code := m.Run()
	if spoke.fleet != nil {
		spoke.fleet.Stop()
	}
	os.Exit(code)
}

// spokeClient returns the process's spoke, or nil when the test runs
// without API servers (-short, or no control-plane binaries).
func spokeClient(t testing.TB) client.Client {
	t.Helper()
	if testing.Short() || os.Getenv(fleet.EnvKubeAssets) == "" && os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return nil
	}
	spoke.once.Do(func() {
		f, err := fleet.Start(context.Background(), fleet.Options{})
		if err != nil {
			spoke.err = err
			return
		}
		spoke.fleet = f
		crds, err := fleet.GatewayAPICRDs()
		if err != nil {
			spoke.err = err
			return
		}
		// The External Secrets Operator's, for the ExternalSecrets of
		// components that read SecretReferences.
		eso, err := fleet.ExternalSecretsCRDs()
		if err != nil {
			spoke.err = err
			return
		}
		// Aileron's own CRDs too: the fuzzer keeps only the components the
		// hub's validation admits.
		if spoke.err = f.Hub.InstallCRDs(crds, eso, filepath.Join("..", "..", "config", "crd", "bases")); spoke.err != nil {
			return
		}
		cfg := rest.CopyConfig(f.Hub.Config)
		// Each input costs a dozen requests: no client-side throttling.
		cfg.QPS, cfg.Burst = 1000, 2000
		spoke.c, spoke.err = client.New(cfg, client.Options{})
	})
	if spoke.err != nil {
		t.Fatalf("starting the spoke API server: %v", spoke.err)
	}
	return spoke.c
}

// spokeDeadline bounds each of a fuzzed input's two conversations with
// the API server: together they stay under the 10 s after which Go kills a
// fuzzing process as hung.
const spokeDeadline = 4 * time.Second

// acceptedByHub tells whether the hub's API (CRD schema and CEL rules)
// admits a Component with spec: a dry-run create.
func acceptedByHub(c client.Client, org, name string, spec platformv1alpha1.ComponentSpec) bool {
	ctx, cancel := context.WithTimeout(context.Background(), spokeDeadline)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: org}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return false
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&platformv1alpha1.Component{
		TypeMeta:   metav1.TypeMeta{APIVersion: platformv1alpha1.GroupVersion.String(), Kind: "Component"},
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
		Spec:       spec,
	})
	if err != nil {
		return false
	}
	u := &unstructured.Unstructured{Object: obj}
	unstructured.RemoveNestedField(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	return c.Create(ctx, u, client.DryRunAll) == nil
}

// admitted checks a render on the spoke: the cell and the component are
// server-side applied for real, as direct delivery does (the cell's
// namespace enforces Pod Security "restricted"), and every pod template is
// submitted as a Pod (dry run), so Pod Security admission judges what would
// run.
func admitted(ctx context.Context, c client.Client, in Input, objs Objects) error {
	cell, err := Cell(in.Organization, in.Project, in.Environment, in.Resources)
	if err != nil {
		return err
	}
	for _, o := range cell {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying the cell's %s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	for _, o := range objs {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			return fmt.Errorf("the spoke refuses %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		var path []string
		switch o.GetKind() {
		case "Deployment":
			path = []string{"spec", "template"}
		case "CronJob":
			path = []string{"spec", "jobTemplate", "spec", "template"}
		default:
			continue
		}
		tmpl, found, err := unstructured.NestedMap(o.Object, path...)
		if err != nil || !found {
			return fmt.Errorf("%s %s has no pod template", o.GetKind(), o.GetName())
		}
		pod := &unstructured.Unstructured{Object: tmpl}
		pod.SetAPIVersion("v1")
		pod.SetKind("Pod")
		pod.SetNamespace(o.GetNamespace())
		pod.SetName(o.GetName() + "-admission-check")
		if err := c.Create(ctx, pod, client.DryRunAll); err != nil {
			return fmt.Errorf("the pod of %s %s is not admitted: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return nil
}

// TestRenderedWorkloadsAdmitted proves, on a real API server, that every
// golden render is accepted as it is and that its pods pass Pod Security
// "restricted", which the cell namespace enforces.
func TestRenderedWorkloadsAdmitted(t *testing.T) {
	c := spokeClient(t)
	if c == nil {
		t.Skip("needs an API server")
	}
	ctx := context.Background()
	for name, in := range goldenInputs() {
		objs, err := Component(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := admitted(ctx, c, in, objs); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	ns := &corev1.Namespace{}
	in := goldenInputs()["worker-dependencies"]
	if err := c.Get(ctx, client.ObjectKey{Name: in.Namespace()}, ns); err != nil {
		t.Fatal(err)
	}
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Fatalf("the cell namespace does not enforce restricted: %v", ns.Labels)
	}
	// The check has teeth: a privileged pod is refused in the same cell.
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: in.Namespace(), Name: "privileged"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}}}
	if err := c.Create(ctx, bad, client.DryRunAll); err == nil {
		t.Error("a privileged pod was admitted into a cell")
	}
}
