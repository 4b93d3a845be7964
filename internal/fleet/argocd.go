package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// EnvArgoCDDir names the directory with the argocd binary and its crds/.
const EnvArgoCDDir = "AILERON_ARGOCD_DIR"

// ArgoCDNamespace is where the fleet's Argo CD runs on the hub.
const ArgoCDNamespace = "argocd"

// ArgoCDOptions tune the fleet's Argo CD.
type ArgoCDOptions struct {
	// Dir holds the argocd binary and crds/; $AILERON_ARGOCD_DIR if empty.
	Dir string
	// Resync is how often the application controller compares every
	// Application with Git (Argo CD's default is 3 minutes; tests want
	// seconds).
	Resync time.Duration
	// ApplicationSetsOnly leaves the application controller out: the
	// ApplicationSet controller generates Applications, nothing syncs
	// them. Benchmarks use it to count what is generated.
	ApplicationSetsOnly bool
}

// StartArgoCD runs a real Argo CD against the hub: its CRDs, its
// configuration in the argocd namespace, Redis, and three roles of the one
// argocd binary as processes: the repo server, the application controller
// and the ApplicationSet controller. They stop with the fleet.
func (f *Fleet) StartArgoCD(ctx context.Context, opts ArgoCDOptions) error {
	dir := opts.Dir
	if dir == "" {
		dir = os.Getenv(EnvArgoCDDir)
	}
	bin := filepath.Join(dir, "argocd")
	if _, err := os.Stat(bin); dir == "" || err != nil {
		return fmt.Errorf("the argocd binary was not found in %q: run 'make tools' and set %s (the Makefile does)", dir, EnvArgoCDDir)
	}
	redis, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("redis-server was not found: run 'make tools', which installs Debian's redis-server")
	}
	if opts.Resync == 0 {
		opts.Resync = 10 * time.Second
	}
	hub := f.Hub
	if err := hub.InstallCRDs(filepath.Join(dir, "crds")); err != nil {
		return err
	}
	c, err := client.New(hub.Config, client.Options{})
	if err != nil {
		return err
	}
	if err := argoCDConfig(ctx, c); err != nil {
		return err
	}
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	redisAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	repoServer := "127.0.0.1:" + strconv.Itoa(ports[1])
	logDir := filepath.Join(f.dir, "argocd")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	procs := []*process{
		{name: "redis", path: redis, logPath: filepath.Join(logDir, "redis.log"),
			args: []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}},
		{name: "argocd-repo-server", path: bin, logPath: filepath.Join(logDir, "repo-server.log"),
			// git asks the argocd binary for credentials (GIT_ASKPASS=argocd),
			// which asks the repo server over a Unix socket: at a fixed
			// /tmp path by default, which every fleet on the machine would
			// share, and the first repo server to stop would remove it from
			// under the others. A source that failed three times is not
			// generated again for an hour by default: tests fix what failed
			// within seconds.
			env: []string{"ARGOCD_BINARY_NAME=argocd-repo-server", "ARGOCD_GPG_ENABLED=false", "ARGOCD_PAUSE_GEN_AFTER_FAILED_ATTEMPTS=0",
				"ARGOCD_ASK_PASS_SOCK=" + filepath.Join(logDir, "ask-pass.sock"),
				"PATH=" + dir + ":" + os.Getenv("PATH")},
			args: []string{"--port", strconv.Itoa(ports[1]), "--metrics-port", strconv.Itoa(ports[2]),
				"--redis", redisAddr, "--disable-tls", "--loglevel", "warn",
				// A branch's head is looked up again after Resync, not 3 minutes.
				"--revision-cache-expiration", opts.Resync.String()}},
	}
	for i, p := range procs {
		if err := p.start(); err != nil {
			return err
		}
		f.extrasMu.Lock()
		f.extras = append(f.extras, p)
		f.extrasMu.Unlock()
		// Redis and the repo server must listen before their clients start.
		addr := []string{redisAddr, repoServer}[i]
		if err := waitFor(ctx, f.timeout, p, func(context.Context) error { return dial(addr) }); err != nil {
			return fmt.Errorf("%s did not start: %w", p.name, err)
		}
	}
	controllers := []func() (*process, string, error){
		func() (*process, string, error) {
			probe, err := freePort()
			if err != nil {
				return nil, "", err
			}
			metrics, err := freePort()
			if err != nil {
				return nil, "", err
			}
			// Its webhook server listens on :7000 unless told otherwise: two
			// fleets side by side (test packages run in parallel) would
			// share it, and the second controller would never reconcile.
			webhook, err := freePort()
			if err != nil {
				return nil, "", err
			}
			return &process{name: "argocd-applicationset-controller", path: bin, logPath: filepath.Join(logDir, "applicationset-controller.log"),
				env: []string{"ARGOCD_BINARY_NAME=argocd-applicationset-controller", "KUBECONFIG=" + hub.KubeconfigPath},
				args: []string{"--namespace", ArgoCDNamespace, "--argocd-repo-server", repoServer,
					"--metrics-addr", "127.0.0.1:" + strconv.Itoa(metrics), "--probe-addr", "127.0.0.1:" + strconv.Itoa(probe),
					"--webhook-addr", "127.0.0.1:" + strconv.Itoa(webhook),
					"--loglevel", "warn"}}, "127.0.0.1:" + strconv.Itoa(probe), nil
		},
	}
	if !opts.ApplicationSetsOnly {
		controllers = append(controllers, func() (*process, string, error) {
			metrics, err := freePort()
			if err != nil {
				return nil, "", err
			}
			return &process{name: "argocd-application-controller", path: bin, logPath: filepath.Join(logDir, "application-controller.log"),
				env: []string{"ARGOCD_BINARY_NAME=argocd-application-controller"},
				args: []string{"--kubeconfig", hub.KubeconfigPath, "--namespace", ArgoCDNamespace,
					"--repo-server", repoServer, "--repo-server-plaintext", "--redis", redisAddr,
					"--metrics-port", strconv.Itoa(metrics), "--app-resync", strconv.Itoa(int(opts.Resync.Seconds())),
					"--self-heal-timeout-seconds", "2", "--loglevel", "warn",
					// Diff on the API server (a dry-run apply): Argo CD v2.14's
					// built-in schemas predate fields the fleet's Kubernetes
					// reports (Deployment status.terminatingReplicas), which
					// its local structured-merge diff refuses.
					"--server-side-diff-enabled"}}, "127.0.0.1:" + strconv.Itoa(metrics), nil
		})
	}
	for _, describe := range controllers {
		if err := f.startAnswering(ctx, describe); err != nil {
			return err
		}
	}
	return nil
}

// startAnswering starts the process describe describes and waits until it
// listens at its address. One that exits because its port was taken
// between choosing it and binding it (on a machine running several
// fleets) is described, on fresh ports, and started again.
func (f *Fleet) startAnswering(ctx context.Context, describe func() (*process, string, error)) error {
	var p *process
	err := onFreshPorts(func() error {
		var addr string
		var err error
		if p, addr, err = describe(); err != nil {
			return err
		}
		if err := p.start(); err != nil {
			return err
		}
		f.extrasMu.Lock()
		f.extras = append(f.extras, p)
		f.extrasMu.Unlock()
		return waitFor(ctx, f.timeout, p, func(context.Context) error { return dial(addr) })
	}, func() bool { return p != nil && p.portTaken() }, func() {})
	if err != nil {
		return fmt.Errorf("an Argo CD controller did not start: %w", err)
	}
	return nil
}

// dial tells whether something listens at addr.
func dial(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		_ = conn.Close()
	}
	return err
}

// argoCDConfig creates Argo CD's namespace and the configuration it reads.
// Resources are tracked by annotation, Argo CD's recommended method, so
// tracking never touches the labels Aileron renders.
func argoCDConfig(ctx context.Context, c client.Client) error {
	partOf := map[string]string{"app.kubernetes.io/part-of": "argocd"}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ArgoCDNamespace}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-cm", Namespace: ArgoCDNamespace, Labels: partOf},
			Data: map[string]string{"application.resourceTrackingMethod": "annotation", "timeout.reconciliation": "10s"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-rbac-cm", Namespace: ArgoCDNamespace, Labels: partOf}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-cmd-params-cm", Namespace: ArgoCDNamespace, Labels: partOf}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "argocd-secret", Namespace: ArgoCDNamespace, Labels: partOf},
			Data: map[string][]byte{"server.secretkey": []byte("fleet-argocd-server-key")}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating Argo CD's %T %s: %w", o, o.GetName(), err)
		}
	}
	return nil
}
