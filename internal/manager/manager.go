// Package manager assembles the Aileron operator: the scheme, the cache
// (Secrets only from the operator's own namespace), probes, metrics, leader
// election, and the controllers.
package manager

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/builds"
	"github.com/aileron-dev/aileron/internal/dashboard"
	"github.com/aileron-dev/aileron/internal/delivery/gitops/argocd"
	"github.com/aileron-dev/aileron/internal/stack/sveltos"
)

// The manager's own RBAC: leader election, and the reviews behind
// its authenticated metrics endpoint. Each controller's package declares
// what it needs next to the code that needs it.
//
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=aileron-system,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// LeaderElectionID names the Lease replicas of the manager compete for.
const LeaderElectionID = "aileron-manager.platform.aileron.dev"

// DefaultNamespace is the operator's namespace when neither the flag nor
// POD_NAMESPACE says otherwise.
const DefaultNamespace = "aileron-system"

// Options configure the manager. Every field has a command-line flag.
type Options struct {
	// Kubeconfig of the hub; in-cluster configuration when empty.
	Kubeconfig string
	// Namespace is the operator's own namespace: plane kubeconfig Secrets
	// live there, and it is the only namespace whose Secrets are read.
	Namespace string
	// MetricsBindAddress serves Prometheus metrics; "0" disables them.
	MetricsBindAddress string
	// SecureMetrics serves metrics over HTTPS behind Kubernetes
	// authentication and authorization.
	SecureMetrics bool
	// HealthProbeBindAddress serves /healthz and /readyz.
	HealthProbeBindAddress string
	// LeaderElect makes replicas elect one active manager.
	LeaderElect bool
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// MaxConcurrentReconciles bounds each controller's parallel reconciles.
	MaxConcurrentReconciles int
	// KubeAPIQPS and KubeAPIBurst bound the requests per second the
	// manager sends the hub, per kind (controller-runtime gives each kind
	// its own client). client-go's own default (5 per second) would make a
	// platform of thousands of components wait on the client, not on the
	// API server; the API server's priority and fairness is what protects
	// it.
	KubeAPIQPS   float32
	KubeAPIBurst int
	// PprofBindAddress serves Go's profiles (/debug/pprof); empty disables
	// them. Meant for localhost, when measuring the manager.
	PprofBindAddress string
	// PlaneProbeInterval is how often each plane is probed.
	PlaneProbeInterval time.Duration
	// ResyncPeriod is how often delivered objects are applied again even
	// when nothing changed, restoring what was edited on a plane by hand.
	ResyncPeriod time.Duration
	// SourcePollInterval is how often the repository of each component
	// built from source is asked where its revision points.
	SourcePollInterval time.Duration
	// BuildSourceSchemes are the repository URL schemes the hub fetches
	// build sources over (https and ssh by default); a component whose
	// repository uses another is refused before anything is fetched.
	BuildSourceSchemes []string
	// DashboardBindAddress serves the read-only dashboard; empty disables it.
	DashboardBindAddress string
	// DefaultStacks creates the default PlaneStacks (one per plane type,
	// delivered by Sveltos) when Sveltos is installed and they do not
	// exist; an existing stack is never overwritten.
	DefaultStacks bool
	// DefaultComponentTypes creates the built-in ComponentTypes (Service,
	// WebApplication, Worker, ScheduledTask) when they do not exist; an
	// existing type is never overwritten.
	DefaultComponentTypes bool
	// DashboardAuth is "kubernetes" (each caller sees what their bearer
	// token may list) or "none" (everything: refused unless the dashboard
	// listens on a loopback address).
	DashboardAuth string
	// ArgoCDNamespace is where Argo CD runs on the hub: GitOps delivery
	// writes its cluster Secrets, AppProjects and ApplicationSets there.
	ArgoCDNamespace string
	// GitOpsRepository is the platform-wide default repository of GitOps
	// delivery, for organizations without spec.gitOps; no URL for none.
	GitOpsRepository platformv1alpha1.GitRepository
	// GitOpsCredentialsSecret names the default repository's credentials
	// Secret in Namespace; empty for none.
	GitOpsCredentialsSecret string
	// GitOpsCacheDir is where GitOps repositories are kept while the
	// manager runs, on disk so that its memory does not grow with their
	// history: each manager makes a directory of its own in it, and
	// removes it when it stops.
	GitOpsCacheDir string
	// WrapClient, when set, wraps the client every controller uses. It has
	// no flag: fault tests use it to inject conflicts and stale reads.
	WrapClient func(client.Client) client.Client
	// CacheTransform, when set, runs on every object entering the cache
	// after managedFields are stripped. It has no flag: fault tests use it
	// to make the cache lag behind the API server.
	CacheTransform toolscache.TransformFunc
	// PlaneWatchTransform, when set, runs on every Deployment entering a
	// data plane's workload watch. It has no flag: tests use it to make
	// that watch lag behind the plane.
	PlaneWatchTransform toolscache.TransformFunc
	// Restartable lets a process build a second manager after stopping
	// the first: controller-runtime otherwise refuses the repeated
	// controller names. It has no flag: tests restart managers.
	Restartable bool
}

// DefaultOptions returns the options a manager runs with when no flag is set.
func DefaultOptions() Options {
	ns := os.Getenv("POD_NAMESPACE")
	if ns == "" {
		ns = DefaultNamespace
	}
	return Options{
		Namespace:               ns,
		MetricsBindAddress:      ":8443",
		SecureMetrics:           true,
		HealthProbeBindAddress:  ":8081",
		LeaseDuration:           15 * time.Second,
		RenewDeadline:           10 * time.Second,
		RetryPeriod:             2 * time.Second,
		MaxConcurrentReconciles: 4,
		KubeAPIQPS:              200,
		KubeAPIBurst:            300,
		PlaneProbeInterval:      10 * time.Second,
		ResyncPeriod:            5 * time.Minute,
		SourcePollInterval:      time.Minute,
		BuildSourceSchemes:      slices.Clone(builds.DefaultSchemes),
		DashboardAuth:           "kubernetes",
		ArgoCDNamespace:         "argocd",
		DefaultStacks:           true,
		DefaultComponentTypes:   true,
		GitOpsRepository:        platformv1alpha1.GitRepository{Branch: "main"},
	}
}

// BindFlags registers a flag for every option, with o's values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to the hub's kubeconfig; in-cluster configuration when empty.")
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "The operator's namespace: where plane kubeconfig Secrets are read from (defaults to $POD_NAMESPACE).")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", o.MetricsBindAddress, "Address of the metrics endpoint; 0 disables it.")
	fs.BoolVar(&o.SecureMetrics, "metrics-secure", o.SecureMetrics, "Serve metrics over HTTPS, for callers Kubernetes authorizes to get /metrics.")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", o.HealthProbeBindAddress, "Address of the /healthz and /readyz endpoints.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Elect one active manager among replicas.")
	fs.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration, "How long a leader's lease lasts without renewal.")
	fs.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", o.RenewDeadline, "How long the leader keeps trying to renew before it steps down.")
	fs.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", o.RetryPeriod, "How often candidates try to acquire or renew the lease.")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", o.MaxConcurrentReconciles, "Reconciles each controller may run at once.")
	fs.Func("kube-api-qps", fmt.Sprintf("Requests per second the manager may send the hub, per kind (default %g).", o.KubeAPIQPS), func(v string) error {
		f, err := strconv.ParseFloat(v, 32)
		o.KubeAPIQPS = float32(f)
		return err
	})
	fs.IntVar(&o.KubeAPIBurst, "kube-api-burst", o.KubeAPIBurst, "Requests the manager may send the hub in a burst above --kube-api-qps.")
	fs.StringVar(&o.PprofBindAddress, "pprof-bind-address", o.PprofBindAddress, "Address serving Go's profiles at /debug/pprof (localhost only); empty disables them.")
	fs.DurationVar(&o.PlaneProbeInterval, "plane-probe-interval", o.PlaneProbeInterval, "How often each plane's API server is probed.")
	fs.DurationVar(&o.ResyncPeriod, "resync-period", o.ResyncPeriod, "How often delivered objects are applied again, restoring changes made on planes by hand.")
	fs.DurationVar(&o.SourcePollInterval, "source-poll-interval", o.SourcePollInterval, "How often the Git repository of each component built from source is polled for new commits.")
	fs.Func("build-source-schemes", fmt.Sprintf("Comma-separated repository URL schemes build sources are fetched over, of %s (default %s); http, git and file let tenants make the hub reach its own network or disk.",
		strings.Join(builds.KnownSchemes, ", "), strings.Join(o.BuildSourceSchemes, ",")), func(v string) error {
		o.BuildSourceSchemes = strings.Split(v, ",")
		return nil
	})
	fs.StringVar(&o.DashboardBindAddress, "dashboard-bind-address", o.DashboardBindAddress, "Address of the read-only dashboard; empty disables it.")
	fs.StringVar(&o.DashboardAuth, "dashboard-auth", o.DashboardAuth, "kubernetes: each caller sees what their bearer token may list; none: everything (only on a loopback address, such as 127.0.0.1:8080).")
	fs.BoolVar(&o.DefaultComponentTypes, "default-component-types", o.DefaultComponentTypes, "Create the built-in ComponentTypes (Service, WebApplication, Worker, ScheduledTask) when they do not exist; existing ones are never changed.")
	fs.BoolVar(&o.DefaultStacks, "default-stacks", o.DefaultStacks, "Create the default PlaneStacks (data-plane, build-plane, observability-plane) when they do not exist; existing ones are never changed.")
	fs.StringVar(&o.ArgoCDNamespace, "argocd-namespace", o.ArgoCDNamespace, "Argo CD's namespace on the hub, for GitOps delivery.")
	fs.StringVar(&o.GitOpsRepository.URL, "gitops-repository-url", o.GitOpsRepository.URL, "Default Git repository of GitOps delivery, for organizations without spec.gitOps (https://, ssh:// or file://).")
	fs.StringVar(&o.GitOpsRepository.Branch, "gitops-branch", o.GitOpsRepository.Branch, "Branch of the default GitOps repository.")
	fs.StringVar(&o.GitOpsRepository.Path, "gitops-path", o.GitOpsRepository.Path, "Directory of the default GitOps repository under which organizations are written; empty for its root.")
	fs.StringVar(&o.GitOpsCredentialsSecret, "gitops-credentials-secret", o.GitOpsCredentialsSecret, "Secret in the operator's namespace with the default repository's credentials (username/password or sshPrivateKey/sshKnownHosts).")
	fs.StringVar(&o.GitOpsCacheDir, "gitops-cache-dir", o.GitOpsCacheDir, "Directory under which GitOps repositories are kept on disk while the manager runs (the system's temporary directory when empty).")
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	var errs []error
	if o.Namespace == "" {
		errs = append(errs, errors.New("--namespace must not be empty"))
	}
	if o.KubeAPIQPS <= 0 || o.KubeAPIBurst < 1 {
		errs = append(errs, fmt.Errorf("--kube-api-qps and --kube-api-burst must be positive, not %g and %d", o.KubeAPIQPS, o.KubeAPIBurst))
	}
	if o.MaxConcurrentReconciles < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-reconciles must be at least 1, not %d", o.MaxConcurrentReconciles))
	}
	for name, d := range map[string]time.Duration{
		"--plane-probe-interval": o.PlaneProbeInterval, "--resync-period": o.ResyncPeriod,
		"--source-poll-interval": o.SourcePollInterval,
	} {
		if d < time.Second {
			errs = append(errs, fmt.Errorf("%s must be at least 1s, not %s", name, d))
		}
	}
	if len(o.BuildSourceSchemes) == 0 {
		errs = append(errs, errors.New("--build-source-schemes must name at least one scheme"))
	}
	for _, scheme := range o.BuildSourceSchemes {
		if !slices.Contains(builds.KnownSchemes, scheme) {
			errs = append(errs, fmt.Errorf("--build-source-schemes: %q is not one of %s", scheme, strings.Join(builds.KnownSchemes, ", ")))
		}
	}
	if o.ArgoCDNamespace == "" {
		errs = append(errs, errors.New("--argocd-namespace must not be empty"))
	}
	if u := o.GitOpsRepository.URL; u != "" && !gitURL.MatchString(u) {
		errs = append(errs, fmt.Errorf("--gitops-repository-url must be an https://, http://, ssh:// or file:// URL, not %q", u))
	}
	if o.GitOpsRepository.Branch == "" {
		errs = append(errs, errors.New("--gitops-branch must not be empty"))
	}
	if err := dashboard.ValidateAuth(o.DashboardAuth, o.DashboardBindAddress); err != nil {
		errs = append(errs, err)
	}
	if o.LeaderElect && (o.LeaseDuration <= o.RenewDeadline || o.RenewDeadline <= o.RetryPeriod) {
		errs = append(errs, errors.New("leader election needs lease duration > renew deadline > retry period"))
	}
	return errors.Join(errs...)
}

// Scheme returns a scheme with the Kubernetes built-in kinds and Aileron's.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(platformv1alpha1.AddToScheme(s))
	utilruntime.Must(argocd.AddToScheme(s))
	utilruntime.Must(sveltos.AddToScheme(s))
	return s
}

// Run starts the manager and blocks until ctx ends or the manager fails.
func Run(ctx context.Context, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = o.KubeAPIQPS, o.KubeAPIBurst
	mgr, err := New(cfg, o)
	if err != nil {
		return err
	}
	ctrl.LoggerFrom(ctx).Info("starting manager", "namespace", o.Namespace, "leaderElection", o.LeaderElect)
	return mgr.Start(ctx)
}

// New builds a manager with its probes, metrics, cache and controllers.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	// Checked here too, not only by Validate: the local demo and tests
	// build the manager directly, and the dashboard must never serve
	// everything on an open address whoever starts it.
	if err := dashboard.ValidateAuth(o.DashboardAuth, o.DashboardBindAddress); err != nil {
		return nil, err
	}
	metrics := metricsserver.Options{BindAddress: o.MetricsBindAddress, SecureServing: o.SecureMetrics}
	if o.SecureMetrics {
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	argoCD, err := argoCDInstalled(cfg)
	if err != nil {
		return nil, err
	}
	svelt, err := sveltosInstalled(cfg)
	if err != nil {
		return nil, err
	}
	byObject := map[client.Object]cache.ByObject{
		&corev1.Secret{}: {Namespaces: map[string]cache.Config{o.Namespace: {}}},
		// Only the stacks' manifests ConfigMaps are read, in the operator's
		// namespace.
		&corev1.ConfigMap{}: {Namespaces: map[string]cache.Config{o.Namespace: {}}},
	}
	if svelt {
		// Planes' SveltosClusters, and Sveltos' reports on them, live in
		// the operator's namespace.
		for _, obj := range []client.Object{&sveltos.SveltosCluster{}, &sveltos.ClusterSummary{}} {
			byObject[obj] = cache.ByObject{Namespaces: map[string]cache.Config{o.Namespace: {}}}
		}
	}
	if argoCD {
		// Argo CD's objects are read only in its namespace.
		for _, obj := range []client.Object{&argocd.Application{}, &argocd.ApplicationSet{}, &argocd.AppProject{}} {
			byObject[obj] = cache.ByObject{Namespaces: map[string]cache.Config{o.ArgoCDNamespace: {}}}
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  Scheme(),
		Metrics:                 metrics,
		HealthProbeBindAddress:  o.HealthProbeBindAddress,
		PprofBindAddress:        o.PprofBindAddress,
		LeaderElection:          o.LeaderElect,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: o.Namespace,
		LeaseDuration:           &o.LeaseDuration,
		RenewDeadline:           &o.RenewDeadline,
		RetryPeriod:             &o.RetryPeriod,
		// Stepping down must not wait for in-flight reconciles: the next
		// leader starts as soon as the lease is released.
		LeaderElectionReleaseOnCancel: true,
		Controller:                    ctrlconfig.Controller{SkipNameValidation: &o.Restartable},
		NewClient: func(cfg *rest.Config, opts client.Options) (client.Client, error) {
			c, err := client.New(cfg, opts)
			if err != nil || o.WrapClient == nil {
				return c, err
			}
			return o.WrapClient(c), nil
		},
		Cache: cache.Options{
			// Least privilege: plane credentials live in the operator's
			// namespace, and no other Secret is ever cached or read.
			ByObject: byObject,
			// Nothing reads the hub's managedFields; dropping them
			// keeps a large platform's cache a fraction of the size.
			DefaultTransform: chainTransforms(cache.TransformStripManagedFields(), o.CacheTransform),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := setupControllers(mgr, o, argoCD, svelt); err != nil {
		return nil, err
	}
	if o.DashboardBindAddress != "" {
		var auth dashboard.Authorizer = dashboard.AllowAll{}
		if o.DashboardAuth != dashboard.AuthNone {
			cs, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return nil, err
			}
			auth = dashboard.NewKubernetesAuthorizer(cs, dashboard.CacheOptions{})
		}
		if err := mgr.Add(&dashboard.Server{Reader: mgr.GetClient(), Auth: auth, Addr: o.DashboardBindAddress}); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		return ctrl.GetConfig()
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("reading kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}

// gitURL is what --gitops-repository-url accepts: the API's pattern.
var gitURL = regexp.MustCompile(`^(https?|ssh|file)://[^\s]+$`)

// argoCDInstalled tells whether the hub serves Argo CD's Application,
// ApplicationSet and AppProject kinds: GitOps delivery needs them, and
// watching a kind the hub does not serve would stop the manager from
// starting.
func argoCDInstalled(cfg *rest.Config) (bool, error) {
	return serves(cfg, "Argo CD", map[string][]string{argocd.GroupVersion.String(): {"Application", "ApplicationSet", "AppProject"}})
}

// sveltosInstalled tells whether the hub serves the Sveltos kinds stacks
// are delivered through: SveltosCluster, ClusterProfile and ClusterSummary.
func sveltosInstalled(cfg *rest.Config) (bool, error) {
	return serves(cfg, "Sveltos", map[string][]string{
		sveltos.LibGroupVersion.String():    {"SveltosCluster"},
		sveltos.ConfigGroupVersion.String(): {"ClusterProfile", "ClusterSummary"},
	})
}

// serves tells whether the hub serves every kind of kinds (by group
// version); what names the system in errors.
func serves(cfg *rest.Config, what string, kinds map[string][]string) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, err
	}
	for gv, want := range kinds {
		res, err := dc.ServerResourcesForGroupVersion(gv)
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("discovering %s on the hub: %w", what, err)
		}
		found := map[string]bool{}
		for _, r := range res.APIResources {
			found[r.Kind] = true
		}
		for _, k := range want {
			if !found[k] {
				return false, nil
			}
		}
	}
	return true, nil
}

// chainTransforms runs first, then next when it is set.
func chainTransforms(first, next toolscache.TransformFunc) toolscache.TransformFunc {
	if next == nil {
		return first
	}
	return func(obj any) (any, error) {
		obj, err := first(obj)
		if err != nil {
			return nil, err
		}
		return next(obj)
	}
}
