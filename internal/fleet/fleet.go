// Package fleet starts a local fleet of real Kubernetes clusters, a hub and
// spokes, as processes of the calling program: one etcd serving every
// cluster under its own key prefix, one kube-apiserver per cluster, and on
// the spokes that ask for it a kube-controller-manager, a kube-scheduler and
// kwok with one fake node, so that Deployments become Available and deleted
// namespaces really go away.
//
// Tests, benchmarks and the local demo use it in place of kind or a cloud:
// every binary is built from its Go module by `make tools`, nothing else is
// needed. Each cluster is reached with an admin client certificate
// (system:masters); UserConfig issues certificates for other identities.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// Environment variables naming the directories the binaries are taken from.
// The Makefile exports them for every test.
const (
	// EnvKubeAssets names the directory with kube-apiserver, etcd,
	// kube-controller-manager, kube-scheduler and kubectl.
	EnvKubeAssets = "AILERON_KUBE_ASSETS"
	// EnvKwokDir names the directory with kwok and its stages/ directory.
	EnvKwokDir = "AILERON_KWOK_DIR"
	// EnvKeep, when set to a non-empty value, keeps the fleet's directory
	// (data, certificates, logs) after Stop.
	EnvKeep = "AILERON_FLEET_KEEP"
)

// ClusterOptions describe one cluster of the fleet.
type ClusterOptions struct {
	// Name of the cluster: its etcd prefix, directory and kubeconfig context.
	Name string
	// Workloads starts kube-controller-manager, kube-scheduler and kwok with
	// one fake node, so that workloads run (as far as the API can tell) and
	// namespaces finish deleting.
	Workloads bool
}

// Options configure a fleet.
type Options struct {
	// Dir holds the fleet's data, certificates and logs. A new temporary
	// directory is used (and removed by Stop) when it is empty.
	Dir string
	// KubeAssets is the directory of the control-plane binaries; the
	// AILERON_KUBE_ASSETS or KUBEBUILDER_ASSETS environment variable when empty.
	KubeAssets string
	// KwokDir is the directory of kwok and its stages; AILERON_KWOK_DIR
	// when empty. Only needed when a cluster has Workloads.
	KwokDir string
	// Hub is the hub cluster; it is named "hub" when its name is empty.
	Hub ClusterOptions
	// Spokes are the other clusters.
	Spokes []ClusterOptions
	// StartTimeout bounds how long each process may take to become ready
	// (default 90 s: the machine may be busy).
	StartTimeout time.Duration
}

// Fleet is a running set of clusters.
type Fleet struct {
	// Hub is the hub cluster.
	Hub *Cluster
	// Spokes are the spoke clusters, in the order of Options.Spokes.
	Spokes []*Cluster

	dir       string
	removeDir bool
	pki       *pki
	etcd      *process
	etcdURL   string
	assets    string
	kwokDir   string
	// extras are processes started next to the clusters (Argo CD, Redis),
	// stopped first.
	extrasMu sync.Mutex
	extras   []*process
	timeout  time.Duration
	stopOnce sync.Once
}

// Start starts a fleet and waits until every cluster answers. On error,
// whatever was started is stopped again.
func Start(ctx context.Context, opts Options) (_ *Fleet, err error) {
	f := &Fleet{timeout: opts.StartTimeout}
	if f.timeout == 0 {
		f.timeout = 90 * time.Second
	}
	if f.assets, err = kubeAssets(opts.KubeAssets); err != nil {
		return nil, err
	}
	if f.dir = opts.Dir; f.dir == "" {
		if f.dir, err = os.MkdirTemp("", "aileron-fleet-"); err != nil {
			return nil, err
		}
		f.removeDir = os.Getenv(EnvKeep) == ""
	}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	hub := opts.Hub
	if hub.Name == "" {
		hub.Name = "hub"
	}
	all := append([]ClusterOptions{hub}, opts.Spokes...)
	if err := validateNames(all); err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Workloads {
			if f.kwokDir, err = kwokDir(opts.KwokDir); err != nil {
				return nil, err
			}
			break
		}
	}
	if f.pki, err = newPKI(); err != nil {
		return nil, fmt.Errorf("creating the fleet's certificate authority: %w", err)
	}
	if err := onFreshPorts(func() error { return f.startEtcd(ctx) }, f.etcd.portTaken, func() { f.etcd.stop(0) }); err != nil {
		return nil, err
	}

	clusters := make([]*Cluster, len(all))
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, c := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = onFreshPorts(func() error {
				var err error
				clusters[i], err = f.startCluster(ctx, c)
				return err
			}, func() bool { return clusters[i] != nil && clusters[i].portTaken() }, func() { clusters[i].stop() })
		}()
	}
	wg.Wait()
	f.Hub, f.Spokes = clusters[0], clusters[1:]
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f, nil
}

// Dir is the fleet's directory: data, certificates, kubeconfigs and logs.
func (f *Fleet) Dir() string { return f.dir }

// Spoke returns the spoke with the given name, or nil.
func (f *Fleet) Spoke(name string) *Cluster {
	for _, s := range f.Spokes {
		if s != nil && s.Name == name {
			return s
		}
	}
	return nil
}

// Clusters returns the hub followed by the spokes.
func (f *Fleet) Clusters() []*Cluster {
	out := []*Cluster{}
	if f.Hub != nil {
		out = append(out, f.Hub)
	}
	for _, s := range f.Spokes {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// UserConfig returns a rest.Config for cluster c that authenticates as user,
// member of groups, with a client certificate the cluster trusts. Access is
// then whatever RBAC grants that identity.
func (f *Fleet) UserConfig(c *Cluster, user string, groups ...string) (*rest.Config, error) {
	kp, err := f.pki.clientCert(user, groups...)
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.CertData, cfg.KeyData = kp.CertPEM, kp.KeyPEM
	return cfg, nil
}

// Stop stops every process of the fleet, spokes first, then the hub and
// etcd, and removes the fleet's directory unless it was given or
// AILERON_FLEET_KEEP is set. It is safe to call more than once.
func (f *Fleet) Stop() {
	f.stopOnce.Do(func() {
		f.extrasMu.Lock()
		for _, p := range f.extras {
			p.stop(5 * time.Second)
		}
		f.extrasMu.Unlock()
		var wg sync.WaitGroup
		for _, c := range f.Clusters() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.stop()
			}()
		}
		wg.Wait()
		if f.etcd != nil {
			f.etcd.stop(10 * time.Second)
		}
		if f.removeDir {
			_ = os.RemoveAll(f.dir)
		}
	})
}

// PIDs lists the process IDs of every process the fleet is running, so a
// test can check that none outlives Stop.
func (f *Fleet) PIDs() []int {
	var pids []int
	add := func(p *process) {
		if p != nil {
			if pid := p.pid(); pid != 0 {
				pids = append(pids, pid)
			}
		}
	}
	add(f.etcd)
	f.extrasMu.Lock()
	for _, p := range f.extras {
		add(p)
	}
	f.extrasMu.Unlock()
	for _, c := range f.Clusters() {
		add(c.apiserver)
		for _, p := range c.workloads {
			add(p)
		}
	}
	return pids
}

func (f *Fleet) startEtcd(ctx context.Context) error {
	clientPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	dir := filepath.Join(f.dir, "etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f.etcdURL = "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	f.etcd = &process{
		name:    "etcd",
		path:    filepath.Join(f.assets, "etcd"),
		logPath: filepath.Join(f.dir, "etcd.log"),
		args: []string{
			"--name=fleet",
			"--data-dir=" + filepath.Join(dir, "data"),
			"--listen-client-urls=" + f.etcdURL,
			"--advertise-client-urls=" + f.etcdURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=fleet=" + peerURL,
			// The fleet is disposable: durability buys nothing and costs
			// seconds on every write burst.
			"--unsafe-no-fsync",
			// Every API server of the fleet shares this etcd, whose revision
			// all of their writes advance. A watch on one cluster's prefix
			// learns the current revision from its own events or from a
			// progress notification (every 10 minutes by default); frequent
			// ones keep each API server's watch cache, and the informers of
			// what restarts against it, current while other clusters write.
			"--watch-progress-notify-interval=2s",
			"--quota-backend-bytes=8589934592",
			"--log-level=warn",
		},
	}
	if err := f.etcd.start(); err != nil {
		return err
	}
	return waitFor(ctx, f.timeout, f.etcd, func(ctx context.Context) error {
		return httpGet(ctx, nil, f.etcdURL+"/health")
	})
}

func validateNames(all []ClusterOptions) error {
	seen := map[string]bool{}
	for _, c := range all {
		if c.Name == "" {
			return errors.New("every spoke needs a name")
		}
		if seen[c.Name] {
			return fmt.Errorf("cluster name %q is used twice", c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

func kubeAssets(dir string) (string, error) {
	for _, d := range []string{dir, os.Getenv(EnvKubeAssets), os.Getenv("KUBEBUILDER_ASSETS")} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "kube-apiserver")); err != nil {
			return "", fmt.Errorf("no kube-apiserver in %s: run 'make tools' first", d)
		}
		return d, nil
	}
	return "", fmt.Errorf("the control-plane binaries were not found: run 'make tools' and set %s (the Makefile does)", EnvKubeAssets)
}

func kwokDir(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv(EnvKwokDir)
	}
	if dir == "" {
		return "", fmt.Errorf("kwok was not found: run 'make tools' and set %s (the Makefile does)", EnvKwokDir)
	}
	if _, err := os.Stat(filepath.Join(dir, "kwok")); err != nil {
		return "", fmt.Errorf("no kwok in %s: run 'make tools' first", dir)
	}
	return dir, nil
}
