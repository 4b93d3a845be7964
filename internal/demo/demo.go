// Package demo runs the whole platform on one machine: a local fleet (a hub,
// three data planes, a build plane and an observability plane, all real API
// servers), the manager, and the sample organization, until interrupted.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/config"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
)

// Options configure the demo.
type Options struct {
	// Out receives progress and the final summary.
	Out io.Writer
	// DashboardAddress is where the dashboard is served (localhost).
	DashboardAddress string
	// Ready, when not nil, is called once everything is Ready, with a
	// client for the hub: the CLI prints its status table there.
	Ready func(ctx context.Context, hub client.Client) error
}

// dataPlanes are the data planes of the samples; each runs workloads.
var dataPlanes = []string{"eu-1", "na-1", "asia-1"}

// SecretStore is the ClusterSecretStore every sample data plane offers
// (config/samples/02-planes.yaml), and StoreData what it holds: the
// secrets config/samples/05-secret-references.yaml names.
const SecretStore = "platform-secrets"

// StoreData are the secrets of the samples' store, by remote key.
var StoreData = map[string]string{
	"shop/db":            `{"user":"shop","password":"development-only"}`,
	"shop/production/db": `{"user":"shop","password":"production-only"}`,
}

// StartSecretStores runs the External Secrets Operator on each of the
// samples' data planes of f, offering SecretStore.
func StartSecretStores(ctx context.Context, f *fleet.Fleet) error {
	for _, p := range dataPlanes {
		if err := f.StartExternalSecrets(ctx, f.Spoke(p), fleet.SecretStoreOptions{Store: SecretStore, Data: StoreData}); err != nil {
			return fmt.Errorf("starting the External Secrets Operator on %s: %w", p, err)
		}
	}
	return nil
}

// Run starts the platform and keeps it running until ctx ends, then stops
// every process it started.
func Run(ctx context.Context, o Options) error {
	start := time.Now()
	// Fail before starting anything when the dashboard's port is taken.
	if ln, err := net.Listen("tcp", o.DashboardAddress); err != nil {
		return fmt.Errorf("the dashboard address %s is not free: pass --dashboard-address with another port: %w", o.DashboardAddress, err)
	} else if err := ln.Close(); err != nil {
		return err
	}
	// Progress goes to a terminal; a failed write there is not worth
	// stopping the platform for.
	say := func(format string, args ...any) { _, _ = fmt.Fprintf(o.Out, "==> "+format+"\n", args...) }

	say("starting a hub and five planes (eu-1, na-1, asia-1, builder, observer)")
	spokes := []fleet.ClusterOptions{{Name: "builder"}, {Name: "observer"}}
	for _, p := range dataPlanes {
		spokes = append(spokes, fleet.ClusterOptions{Name: p, Workloads: true})
	}
	f, err := fleet.Start(ctx, fleet.Options{Hub: fleet.ClusterOptions{Workloads: true}, Spokes: spokes})
	if err != nil {
		return fmt.Errorf("starting the local fleet: %w", err)
	}
	defer f.Stop()
	say("fleet up in %s; starting the External Secrets Operator on each data plane", time.Since(start).Round(time.Second))
	if err := StartSecretStores(ctx, f); err != nil {
		return err
	}
	say("installing the API")

	hub, err := client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		return err
	}
	if err := installAPI(ctx, f, hub); err != nil {
		return err
	}
	logPath := filepath.Join(f.Dir(), "manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close() //nolint:errcheck // the demo's log
	ctrl.SetLogger(zap.New(zap.WriteTo(logFile)))
	say("starting the manager (log: %s)", logPath)
	opts := manager.DefaultOptions()
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.PlaneProbeInterval = 5 * time.Second
	// The demo's dashboard is on localhost and its user is the hub's
	// administrator: it shows everything.
	opts.DashboardBindAddress, opts.DashboardAuth = o.DashboardAddress, "none"
	mgr, err := manager.New(f.Hub.Config, opts)
	if err != nil {
		return err
	}
	mgrCtx, stopManager := context.WithCancel(ctx)
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(mgrCtx) }()
	defer func() {
		stopManager()
		if err := <-mgrDone; err != nil {
			say("the manager stopped with an error: %v", err)
		}
	}()

	say("registering the planes and applying config/samples")
	objs, err := applySamples(ctx, hub, f)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, hub, objs, func(ready, total int) { say("%d/%d objects Ready", ready, total) }); err != nil {
		return err
	}
	say("everything is Ready, %s after start", time.Since(start).Round(time.Second))
	if o.Ready != nil {
		if err := o.Ready(ctx, hub); err != nil {
			return err
		}
	}
	kubectl := "kubectl"
	if assets := os.Getenv(fleet.EnvKubeAssets); assets != "" {
		// A kubectl as new as the hub: older ones cannot read this API.
		kubectl = filepath.Join(assets, "kubectl")
	}
	_, _ = fmt.Fprintf(o.Out, `
The platform is running. The dashboard is at http://%s/
Talk to the hub with:

  export KUBECONFIG=%s
  %s get dataplanes,components,releasebindings -A
  bin/aileron status -n acme
  bin/aileron promote web --from development --to staging -n acme

Press Ctrl-C to stop everything.
`, o.DashboardAddress, f.Hub.KubeconfigPath, kubectl)
	select {
	case <-ctx.Done():
	case err := <-mgrDone:
		return fmt.Errorf("the manager stopped: %w", err)
	}
	say("stopping")
	return nil
}

// installAPI installs the CRDs, tenant roles and admission policy on the
// hub, and the Gateway API on the data planes.
func installAPI(ctx context.Context, f *fleet.Fleet, hub client.Client) error {
	var crds []*apiextensionsv1.CustomResourceDefinition
	files, err := fs.Glob(config.Files, "crd/bases/*.yaml")
	if err != nil {
		return err
	}
	for _, file := range files {
		objs, err := embedded(file)
		if err != nil {
			return err
		}
		for _, o := range objs {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, crd); err != nil {
				return err
			}
			crds = append(crds, crd)
		}
	}
	if _, err := envtest.InstallCRDs(f.Hub.Config, envtest.CRDInstallOptions{CRDs: crds, MaxTime: fleet.CRDServeTimeout}); err != nil {
		return fmt.Errorf("installing the CRDs: %w", err)
	}
	for _, file := range []string{"rbac/tenant_roles.yaml", "admission/promotion_identity.yaml", "admission/binding_moves.yaml"} {
		if err := createEmbedded(ctx, hub, file); err != nil {
			return err
		}
	}
	gateway, err := fleet.GatewayAPICRDs()
	if err != nil {
		return err
	}
	for _, p := range dataPlanes {
		if err := f.Spoke(p).InstallCRDs(gateway); err != nil {
			return err
		}
	}
	return nil
}

// applySamples stores each plane's kubeconfig in a Secret, then creates the
// samples, the organization first, and returns what it created.
func applySamples(ctx context.Context, hub client.Client, f *fleet.Fleet) ([]*unstructured.Unstructured, error) {
	if err := hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: manager.DefaultNamespace}}); err != nil {
		return nil, err
	}
	for _, s := range f.Spokes {
		if err := hub.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: manager.DefaultNamespace, Name: s.Name + "-kubeconfig"},
			Data:       map[string][]byte{"kubeconfig": s.Kubeconfig},
		}); err != nil {
			return nil, err
		}
	}
	files, err := fs.Glob(config.Files, "samples/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []*unstructured.Unstructured
	for i, file := range files {
		if err := createEmbedded(ctx, hub, file); err != nil {
			return nil, err
		}
		objs, err := embedded(file)
		if err != nil {
			return nil, err
		}
		all = append(all, objs...)
		if i == 0 {
			// Everything after the organization goes into its namespace.
			if err := waitFor(ctx, func() bool {
				return hub.Get(ctx, client.ObjectKey{Name: "acme"}, &corev1.Namespace{}) == nil
			}); err != nil {
				return nil, errors.New("the organization's namespace did not appear")
			}
		}
	}
	return all, nil
}

// waitReady waits until every object is Ready, reporting progress when it
// changes.
func waitReady(ctx context.Context, hub client.Client, objs []*unstructured.Unstructured, progress func(ready, total int)) error {
	last := -1
	return waitFor(ctx, func() bool {
		ready := 0
		for _, o := range objs {
			cur := o.DeepCopy()
			if hub.Get(ctx, client.ObjectKeyFromObject(cur), cur) != nil {
				continue
			}
			conds, _, _ := unstructured.NestedSlice(cur.Object, "status", "conditions")
			for _, c := range conds {
				m, _ := c.(map[string]any)
				if m["type"] == "Ready" && m["status"] == "True" {
					ready++
				}
			}
		}
		if ready != last {
			progress(ready, len(objs))
			last = ready
		}
		return ready == len(objs)
	})
}

func waitFor(ctx context.Context, done func() bool) error {
	deadline := time.After(5 * time.Minute)
	for !done() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return errors.New("not Ready after 5 minutes")
		case <-time.After(time.Second):
		}
	}
	return nil
}

func embedded(file string) ([]*unstructured.Unstructured, error) {
	data, err := config.Files.ReadFile(file)
	if err != nil {
		return nil, err
	}
	objs, err := fleet.DecodeManifests(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return objs, nil
}

func createEmbedded(ctx context.Context, c client.Client, file string) error {
	objs, err := embedded(file)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s %s from %s: %w", o.GetKind(), o.GetName(), filepath.Base(file), err)
		}
	}
	return nil
}
