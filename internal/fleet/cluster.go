package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// FakeNodeName is the name of the kwok node on clusters with Workloads.
const FakeNodeName = "kwok-node-0"

// Cluster is one cluster of the fleet.
type Cluster struct {
	// Name of the cluster.
	Name string
	// Config reaches the cluster's API server as an administrator.
	Config *rest.Config
	// Kubeconfig is Config as a kubeconfig file's content, with one context
	// named after the cluster.
	Kubeconfig []byte
	// KubeconfigPath is where Kubeconfig is written on disk.
	KubeconfigPath string
	// Workloads tells whether the cluster runs kube-controller-manager,
	// kube-scheduler and kwok.
	Workloads bool

	fleet     *Fleet
	port      int
	apiserver *process
	workloads []*process
}

// URL is the https address of the cluster's API server.
func (c *Cluster) URL() string { return c.Config.Host }

// apiserverGrace is how long a stopping API server may take. It waits for
// open watch connections to drain, which clients that keep retrying never
// let happen; its data lives in etcd, so cutting it short loses nothing.
const apiserverGrace = 3 * time.Second

// StopAPIServer stops the cluster's API server (SIGTERM, then SIGKILL after
// a short grace); the rest of the fleet keeps running, and the cluster's
// controller manager, scheduler and kwok retry until it is back.
func (c *Cluster) StopAPIServer() {
	c.apiserver.stop(apiserverGrace)
}

// KillAPIServer ends the cluster's API server at once, as a crash would.
func (c *Cluster) KillAPIServer() {
	c.apiserver.kill()
}

// StartAPIServer starts the cluster's API server again, on the same address
// with the same data, and waits until it is ready.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	if err := c.apiserver.start(); err != nil {
		return err
	}
	return c.waitReady(ctx)
}

// KillControlPlane ends the cluster's API server and, on a cluster with
// Workloads, its controller manager, scheduler and kwok at once: the loss
// of the host they run on.
func (c *Cluster) KillControlPlane() {
	for i := len(c.workloads) - 1; i >= 0; i-- {
		c.workloads[i].kill()
	}
	c.apiserver.kill()
}

// StartControlPlane starts what KillControlPlane ended, with the same data,
// and waits until the API server is ready.
func (c *Cluster) StartControlPlane(ctx context.Context) error {
	if err := c.StartAPIServer(ctx); err != nil {
		return err
	}
	for _, p := range c.workloads {
		if err := p.start(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) stop() {
	for i := len(c.workloads) - 1; i >= 0; i-- {
		c.workloads[i].stop(10 * time.Second)
	}
	if c.apiserver != nil {
		c.apiserver.stop(apiserverGrace)
	}
}

// portTaken tells whether the cluster's API server or one of its workload
// controllers ended because its port was taken.
func (c *Cluster) portTaken() bool {
	if c.apiserver != nil && c.apiserver.portTaken() {
		return true
	}
	for _, p := range c.workloads {
		if p.portTaken() {
			return true
		}
	}
	return false
}

func (f *Fleet) startCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	dir := filepath.Join(f.dir, opts.Name)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	serving, err := f.pki.servingCert()
	if err != nil {
		return nil, err
	}
	admin, err := f.pki.clientCert("fleet-admin", "system:masters")
	if err != nil {
		return nil, err
	}
	saKey, err := serviceAccountKey()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: opts.Name, Workloads: opts.Workloads, fleet: f, port: port}
	c.Config = &rest.Config{
		Host:            "https://127.0.0.1:" + strconv.Itoa(port),
		TLSClientConfig: rest.TLSClientConfig{CAData: f.pki.caCertPEM, CertData: admin.CertPEM, KeyData: admin.KeyPEM},
		QPS:             200,
		Burst:           400,
	}
	if c.Kubeconfig, err = Kubeconfig(opts.Name, c.Config); err != nil {
		return nil, err
	}
	c.KubeconfigPath = filepath.Join(dir, "kubeconfig")
	if err := writeFiles(dir, map[string][]byte{
		"ca.crt":      f.pki.caCertPEM,
		"ca.key":      f.pki.caKeyPEM,
		"serving.crt": serving.CertPEM,
		"serving.key": serving.KeyPEM,
		"sa.key":      saKey,
		"kubeconfig":  c.Kubeconfig,
	}); err != nil {
		return nil, err
	}
	c.apiserver = &process{
		name:    opts.Name + "/kube-apiserver",
		path:    filepath.Join(f.assets, "kube-apiserver"),
		logPath: filepath.Join(dir, "kube-apiserver.log"),
		args: []string{
			"--etcd-servers=" + f.etcdURL,
			// One etcd serves the whole fleet; the prefix keeps clusters apart.
			"--etcd-prefix=/fleet/" + opts.Name,
			// Watches are served from etcd, not from the API server's watch
			// cache: on this fleet, whose clusters share one etcd, a cache
			// rebuilt after a restart was seen to stop delivering events to
			// its watchers (the controller manager's and the hub's) for
			// minutes.
			"--watch-cache=false",
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + filepath.Join(dir, "serving.crt"),
			"--tls-private-key-file=" + filepath.Join(dir, "serving.key"),
			"--client-ca-file=" + filepath.Join(dir, "ca.crt"),
			"--service-account-key-file=" + filepath.Join(dir, "sa.key"),
			"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
			"--service-account-issuer=https://" + opts.Name + ".fleet.aileron.invalid",
			"--service-cluster-ip-range=10.96.0.0/16",
			"--authorization-mode=RBAC",
			"--allow-privileged=true",
			// No in-cluster client needs the kubernetes Service's endpoints,
			// and their reconciliation writes to etcd every few seconds.
			"--endpoint-reconciler-type=none",
			"--enable-priority-and-fairness=false",
			"--profiling=false",
			"--goaway-chance=0",
		},
	}
	if err := c.apiserver.start(); err != nil {
		return c, err
	}
	if err := c.waitReady(ctx); err != nil {
		return c, err
	}
	if opts.Workloads {
		if err := c.startWorkloads(ctx, dir); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (c *Cluster) waitReady(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	return waitFor(ctx, c.fleet.timeout, c.apiserver, func(ctx context.Context) error {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err
	})
}

// startWorkloads runs the controllers that turn API objects into (fake)
// running workloads: the controller manager (Deployments, ReplicaSets,
// namespace deletion, garbage collection, service accounts), the scheduler,
// and kwok, which plays the kubelet for one fake node.
func (c *Cluster) startWorkloads(ctx context.Context, dir string) error {
	f := c.fleet
	kubeconfig := filepath.Join(dir, "kubeconfig")
	kcmPort, err := freePort()
	if err != nil {
		return err
	}
	schedPort, err := freePort()
	if err != nil {
		return err
	}
	kwokPort, err := freePort()
	if err != nil {
		return err
	}
	stages, err := filepath.Glob(filepath.Join(f.kwokDir, "stages", "*.yaml"))
	if err != nil || len(stages) == 0 {
		return fmt.Errorf("no kwok stages in %s: run 'make tools'", filepath.Join(f.kwokDir, "stages"))
	}
	kwokArgs := []string{
		"--kubeconfig=" + kubeconfig,
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--server-address=127.0.0.1:" + strconv.Itoa(kwokPort),
		"--node-lease-duration-seconds=40",
	}
	for _, s := range stages {
		kwokArgs = append(kwokArgs, "--config="+s)
	}
	c.workloads = []*process{
		{
			name:    c.Name + "/kube-controller-manager",
			path:    filepath.Join(f.assets, "kube-controller-manager"),
			logPath: filepath.Join(dir, "kube-controller-manager.log"),
			args: []string{
				"--kubeconfig=" + kubeconfig,
				"--authentication-kubeconfig=" + kubeconfig,
				"--authorization-kubeconfig=" + kubeconfig,
				"--bind-address=127.0.0.1",
				"--secure-port=" + strconv.Itoa(kcmPort),
				"--leader-elect=false",
				"--service-account-private-key-file=" + filepath.Join(dir, "sa.key"),
				"--root-ca-file=" + filepath.Join(dir, "ca.crt"),
				"--cluster-signing-cert-file=" + filepath.Join(dir, "ca.crt"),
				"--cluster-signing-key-file=" + filepath.Join(dir, "ca.key"),
				"--use-service-account-credentials=false",
				"--profiling=false",
				// Kubernetes 1.36's stale-controller guard (beta, on by
				// default) makes a controller wait until its informer has
				// seen the resourceVersion of its own last write. On this
				// fleet, whose clusters share one etcd, a controller manager
				// restarted with its API server (a fault the suites inject)
				// was seen to wait on it for minutes ("read version … is not
				// as new as written version …"), its ReplicaSets never
				// scaled. The fleet's workloads must simply roll out, so the
				// guard is off.
				"--feature-gates=StaleControllerConsistencyReplicaSet=false,StaleControllerConsistencyDaemonSet=false," +
					"StaleControllerConsistencyJob=false,StaleControllerConsistencyStatefulSet=false",
			},
		},
		{
			name:    c.Name + "/kube-scheduler",
			path:    filepath.Join(f.assets, "kube-scheduler"),
			logPath: filepath.Join(dir, "kube-scheduler.log"),
			args: []string{
				"--kubeconfig=" + kubeconfig,
				"--authentication-kubeconfig=" + kubeconfig,
				"--authorization-kubeconfig=" + kubeconfig,
				"--bind-address=127.0.0.1",
				"--secure-port=" + strconv.Itoa(schedPort),
				"--leader-elect=false",
				"--profiling=false",
			},
		},
		{
			name:    c.Name + "/kwok",
			path:    filepath.Join(f.kwokDir, "kwok"),
			logPath: filepath.Join(dir, "kwok.log"),
			args:    kwokArgs,
		},
	}
	for _, p := range c.workloads {
		if err := p.start(); err != nil {
			return err
		}
	}
	// Each listens once it is up; one whose port was taken exits instead.
	for i, port := range []int{kcmPort, schedPort, kwokPort} {
		addr := "127.0.0.1:" + strconv.Itoa(port)
		if err := waitFor(ctx, f.timeout, c.workloads[i], func(context.Context) error { return dial(addr) }); err != nil {
			return err
		}
	}
	return c.createFakeNode(ctx)
}

// createFakeNode registers the node kwok manages, with room for many pods.
func (c *Cluster) createFakeNode(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("64"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("1000"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        FakeNodeName,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				"kubernetes.io/hostname": FakeNodeName,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
		},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the fake node on %s: %w", c.Name, err)
	}
	return nil
}

// Kubeconfig renders cfg as a kubeconfig with one context named name.
func Kubeconfig(name string, cfg *rest.Config) ([]byte, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters[name] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	kc.CurrentContext = name
	return clientcmd.Write(*kc)
}

// waitFor polls check until it succeeds, the process exits (an error with
// the end of its log), or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, p *process, check func(context.Context) error) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if exited, exitErr := p.exited(); exited {
			if exitErr == nil {
				exitErr = errors.New("exit status 0")
			}
			return false, fmt.Errorf("%s exited (%w); the end of its log:\n%s", p.name, exitErr, p.logTail())
		}
		last = check(ctx)
		return last == nil, nil
	})
	if err != nil && last != nil && wait.Interrupted(err) {
		return fmt.Errorf("%s was not ready after %s: %w; the end of its log:\n%s", p.name, timeout, last, p.logTail())
	}
	return err
}

func httpGet(ctx context.Context, client *http.Client, url string) error {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck // read-only probe
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}
