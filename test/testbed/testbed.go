// Package testbed sets up what the end-to-end and fault suites share: a
// fleet with a hub and data planes, the CRDs and RBAC of config/, the
// planes' kubeconfig Secrets, and the manager running as its service
// account with exactly the RBAC config/rbac grants.
package testbed

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
)

// OperatorNamespace is where the manager runs and plane Secrets live.
const OperatorNamespace = manager.DefaultNamespace

// ManagerUser is the manager's service account, as RBAC names it.
const ManagerUser = "system:serviceaccount:" + OperatorNamespace + ":aileron-manager"

// Bed is a running test bed.
type Bed struct {
	Fleet  *fleet.Fleet
	Hub    client.Client
	Spokes map[string]client.Client
}

// Repo returns the path of a file of the repository.
func Repo(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", ".."}, parts...)...)
}

// Options shape a test bed.
type Options struct {
	// APIOnly runs API servers alone: no controller manager, scheduler or
	// kwok, so workloads never become available and deleted namespaces
	// never go. Benchmarks use it to measure the API, not the kubelet.
	APIOnly bool
	// APIOnlyPlanes names the planes, among those started, that run their
	// API server alone (a build plane whose workflows a test drives).
	APIOnlyPlanes []string
}

// Start starts a fleet of a hub and data planes (all running workloads),
// installs the API and RBAC, and stores a kubeconfig Secret per plane, named
// <plane>-kubeconfig, plus builder- and observer-kubeconfig pointing at the
// hub for the samples' build and observability planes.
func Start(ctx context.Context, planes ...string) (*Bed, error) {
	return StartWith(ctx, Options{}, planes...)
}

// StartWith is Start with options.
func StartWith(ctx context.Context, opts Options, planes ...string) (_ *Bed, err error) {
	spokes := make([]fleet.ClusterOptions, 0, len(planes))
	for _, p := range planes {
		spokes = append(spokes, fleet.ClusterOptions{Name: p, Workloads: !opts.APIOnly && !slices.Contains(opts.APIOnlyPlanes, p)})
	}
	// The hub runs a controller manager too, as a real one does: deleting
	// an organization deletes its namespace, which only the namespace
	// controller can finish.
	f, err := fleet.Start(ctx, fleet.Options{Hub: fleet.ClusterOptions{Workloads: !opts.APIOnly}, Spokes: spokes})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	b := &Bed{Fleet: f, Spokes: map[string]client.Client{}}
	if err := f.Hub.InstallCRDs(Repo("config", "crd", "bases")); err != nil {
		return nil, err
	}
	if b.Hub, err = client.New(f.Hub.Config, client.Options{Scheme: manager.Scheme()}); err != nil {
		return nil, err
	}
	if err := b.Hub.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: OperatorNamespace}}); err != nil {
		return nil, err
	}
	rbac := []string{"service_account.yaml", "role.yaml", "role_binding.yaml", "tenant_roles.yaml"}
	for _, file := range rbac {
		if err := fleet.CreateManifests(ctx, b.Hub, Repo("config", "rbac", file)); err != nil {
			return nil, err
		}
	}
	if err := fleet.CreateManifests(ctx, b.Hub, Repo("config", "admission", "promotion_identity.yaml"),
		Repo("config", "admission", "binding_moves.yaml"), Repo("config", "admission", "manager_scope.yaml")); err != nil {
		return nil, err
	}
	if err := awaitAdmission(ctx, b.Hub); err != nil {
		return nil, err
	}
	gateway, err := fleet.GatewayAPICRDs()
	if err != nil {
		return nil, err
	}
	for _, s := range f.Spokes {
		if err := s.InstallCRDs(gateway); err != nil {
			return nil, err
		}
		if b.Spokes[s.Name], err = client.New(s.Config, client.Options{Scheme: manager.Scheme()}); err != nil {
			return nil, err
		}
		if err := b.KubeconfigSecret(ctx, s.Name+"-kubeconfig", s.Kubeconfig); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"builder-kubeconfig", "observer-kubeconfig"} {
		if err := b.KubeconfigSecret(ctx, name, f.Hub.Kubeconfig); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// awaitAdmission returns once the hub's mutating admission policies know
// the ReleaseBinding kind. They resolve it from the API server's OpenAPI a
// moment after the CRDs are installed, and until then refuse every create
// of a binding with 503 ("There can be a delay between when
// CustomResourceDefinitions are created and when they are available"): a
// suite whose first binding came in that moment failed. A dry run goes
// through admission and stores nothing.
func awaitAdmission(ctx context.Context, hub client.Client) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := hub.Create(ctx, Binding(OperatorNamespace, "probe", "probe", "probe-0000000000"), client.DryRunAll)
		if !apierrors.IsServiceUnavailable(err) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the hub's admission policies still do not know ReleaseBindings after a minute: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// KubeconfigSecret stores a kubeconfig in a Secret of the operator's namespace.
func (b *Bed) KubeconfigSecret(ctx context.Context, name string, kubeconfig []byte) error {
	return b.Hub.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: OperatorNamespace, Name: name},
		Data:       map[string][]byte{"kubeconfig": kubeconfig},
	})
}

// ManagerConfig reaches the hub as the manager's service account.
func (b *Bed) ManagerConfig() (*rest.Config, error) {
	return b.Fleet.UserConfig(b.Fleet.Hub, ManagerUser,
		"system:serviceaccounts", "system:serviceaccounts:"+OperatorNamespace, "system:authenticated")
}

// StartManager runs the manager as its service account until the
// returned stop function is called; stop waits until it has stopped.
func (b *Bed) StartManager(ctx context.Context, opts manager.Options) (stop func(), err error) {
	cfg, err := b.ManagerConfig()
	if err != nil {
		return nil, err
	}
	mgr, err := manager.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			fmt.Println("manager stopped:", err)
		}
	}, nil
}

// TestOptions are manager options for tests: no listeners, fast probes.
func TestOptions() manager.Options {
	opts := manager.DefaultOptions()
	opts.Namespace = OperatorNamespace
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.PlaneProbeInterval = 2 * time.Second
	opts.Restartable = true
	return opts
}

// Service is a Service component of project in organization org serving
// HTTP on 8080 to its project, deployed automatically to the pipeline's
// first environment.
func Service(org, project, name, image string) *platformv1alpha1.Component {
	return &platformv1alpha1.Component{
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: name},
		Spec: platformv1alpha1.ComponentSpec{
			ProjectRef: platformv1alpha1.LocalObjectReference{Name: project}, Type: platformv1alpha1.ComponentService,
			Image: image, AutoDeploy: true,
			Endpoints: []platformv1alpha1.Endpoint{{Name: "http", Port: 8080, Protocol: platformv1alpha1.ProtocolHTTP, Visibility: platformv1alpha1.VisibilityProject}},
		},
	}
}

// Binding is the ReleaseBinding <component>--<env> of organization org at
// release, as a person (or the promotion flow) creates it.
func Binding(org, component, env, release string) *platformv1alpha1.ReleaseBinding {
	return &platformv1alpha1.ReleaseBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: org, Name: component + "--" + env},
		Spec: platformv1alpha1.ReleaseBindingSpec{
			ComponentRef:   platformv1alpha1.LocalObjectReference{Name: component},
			EnvironmentRef: platformv1alpha1.LocalObjectReference{Name: env},
			Release:        release,
		},
	}
}

// RefusedKubeconfig reaches c with a bearer token nobody issued: a
// kubeconfig whose credentials the cluster refuses (401), as after a
// rotation.
func RefusedKubeconfig(c *fleet.Cluster) ([]byte, error) {
	bad := rest.CopyConfig(c.Config)
	bad.CertData, bad.KeyData, bad.BearerToken = nil, nil, "a-token-nobody-issued"
	return fleet.Kubeconfig(c.Name, bad)
}
