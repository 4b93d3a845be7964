package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/fleet"
	"github.com/aileron-dev/aileron/internal/manager"
	"github.com/aileron-dev/aileron/internal/names"
	"github.com/aileron-dev/aileron/test/gitserver"
	"github.com/aileron-dev/aileron/test/testbed"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, p params) (*results, error) {
	res := &results{Machine: machine(), Params: paramsOf(p)}
	pl := newPlatform(p, organization, false)
	if err := os.MkdirAll(p.profiles, 0o755); err != nil {
		return nil, err
	}

	logf("starting a hub and %d API-only spokes", p.planes)
	bed, err := testbed.StartWith(ctx, testbed.Options{APIOnly: true}, pl.planes...)
	if err != nil {
		return nil, err
	}
	defer bed.Fleet.Stop()
	clusters := map[string]*rest.Config{"hub": bed.Fleet.Hub.Config}
	spokes := map[string]*rest.Config{}
	for _, s := range bed.Fleet.Spokes {
		clusters[s.Name], spokes[s.Name] = s.Config, s.Config
	}

	logf("floor: applying the platform's rendered objects with %d workers", p.concurrency)
	cells, units, err := floorWork(pl)
	if err != nil {
		return nil, err
	}
	pids := func() []int { return append(bed.Fleet.PIDs(), os.Getpid()) }
	cpu0 := readCPU(pids())
	floor, objects, err := runFloor(ctx, spokes, p.concurrency, cells, units)
	if err != nil {
		return nil, err
	}
	res.FloorCPU = readCPU(pids()).minus(cpu0)
	res.Floor, res.SpokeObjects = floor.Seconds(), objects
	logf("floor: %d objects in %.1f s", objects, floor.Seconds())

	repoDir := ""
	if p.gitops {
		// Argo CD's kinds must be there when the manager starts; only the
		// ApplicationSet controller runs: what it generates is counted,
		// nothing is synced.
		if err := bed.Fleet.StartArgoCD(ctx, fleet.ArgoCDOptions{ApplicationSetsOnly: true}); err != nil {
			return res, err
		}
		if err := fleet.CreateManifests(ctx, bed.Hub, testbed.Repo("config", "argocd", "rbac.yaml")); err != nil {
			return res, err
		}
		if repoDir, err = gitserver.InitBare(bed.Fleet.Dir(), "platform.git"); err != nil {
			return res, err
		}
	}
	mgr, err := startManager(ctx, bed, p, repoDir)
	if err != nil {
		return nil, err
	}
	defer mgr.stop()
	mem := sampleMemory(mgr.pid(), mgr.metricsURL)
	defer mem.close()

	// The bench's own client is not rate limited: creating the platform
	// must not be what convergence waits for.
	cfg := rest.CopyConfig(bed.Fleet.Hub.Config)
	cfg.QPS = -1
	hub, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		return nil, err
	}
	tr, err := track(ctx, bed.Fleet.Hub.Config, organization, pl.bindings())
	if err != nil {
		return nil, err
	}

	logf("converging: %d components, %d projects, %d environments -> %d bindings", p.components, p.projects, p.environments, pl.bindings())
	cpu := mgr.profile(ctx, filepath.Join(p.profiles, "cpu-convergence.pprof"), "profile?seconds=60")
	initial, err := scrapeAll(ctx, clusters)
	if err != nil {
		return res, err
	}
	withManager := func() []int { return append(pids(), mgr.pid()) }
	cpu1 := readCPU(withManager())
	start := time.Now()
	if err := createAll(ctx, hub, pl, p.concurrency*2); err != nil {
		return res, err
	}
	if err := waitAll(ctx, tr, start); err != nil {
		return res, err
	}
	res.ConvergenceCPU = readCPU(withManager()).minus(cpu1)
	res.Convergence = tr.allAt.Sub(start).Seconds()
	res.Ratio = res.Convergence / res.Floor
	logf("converged in %.1f s (floor %.1f s, ratio %.2f)", res.Convergence, res.Floor, res.Ratio)
	converged, err := scrapeAll(ctx, clusters)
	if err != nil {
		return res, err
	}
	res.ConvergenceWrites = writesOf(converged, initial)
	<-cpu
	_, res.Memory.PeakRSS, _, res.Memory.PeakHeap = mem.now()
	<-mgr.profile(ctx, filepath.Join(p.profiles, "heap-converged.pprof"), "heap")

	logf("steady state: counting writes for %s", p.steady)
	before, err := scrapeAll(ctx, clusters)
	if err != nil {
		return res, err
	}
	select {
	case <-time.After(p.steady):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	after, err := scrapeAll(ctx, clusters)
	if err != nil {
		return res, err
	}
	res.Steady = writesOf(after, before)
	res.Memory.IdleRSS, _, res.Memory.IdleHeap, _ = mem.now()
	logf("steady state: %d writes", res.Steady.Total)

	logf("write amplification: editing one component")
	if res.Edit, err = editOne(ctx, hub, bed, tr, pl, clusters); err != nil {
		return res, err
	}

	logf("latency: %d new components, one at a time", p.latencyTries)
	if res.Latency, err = latency(ctx, hub, tr, pl, p.latencyTries); err != nil {
		return res, err
	}
	_, res.Memory.PeakRSS, _, res.Memory.PeakHeap = mem.now()

	if p.gitops {
		logf("gitops: the same platform again, delivered through Git")
		cpu := mgr.profile(ctx, filepath.Join(p.profiles, "cpu-gitops.pprof"), "profile?seconds=60")
		g, err := gitopsPhase(ctx, hub, bed, p, repoDir)
		<-cpu
		res.GitOps = &g
		if err != nil {
			return res, err
		}
		// Both platforms are in the manager's caches now.
		_, g.PeakRSS, _, g.PeakHeap = mem.now()
	}
	return res, nil
}

// createAll creates the foundation, then every component's work with
// workers in parallel.
func createAll(ctx context.Context, hub client.Client, pl *platform, workers int) error {
	for _, o := range pl.foundation() {
		// The organization's namespace is the manager's first work.
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			err := hub.Create(ctx, o)
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			switch o.(type) {
			case *platformv1alpha1.ComponentType, *platformv1alpha1.Trait:
				// Both platforms use the same type and trait.
				if apierrors.IsAlreadyExists(err) {
					return true, nil
				}
			}
			return err == nil, err
		})
		if err != nil {
			return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	work := make(chan *platformv1alpha1.Component)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				objs, err := pl.work(c)
				for _, o := range objs {
					if err == nil {
						err = hub.Create(ctx, o)
					}
				}
				if err != nil {
					mu.Lock()
					first = cmpOr(first, fmt.Errorf("creating component %s: %w", c.Name, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, c := range pl.components {
		work <- c
	}
	close(work)
	wg.Wait()
	return first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// waitAll waits until every binding is delivered, logging progress.
func waitAll(ctx context.Context, tr *tracker, start time.Time) error {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tr.all:
			return nil
		case <-tick.C:
			logf("  %d/%d bindings delivered after %.0f s", tr.progress(), tr.target, time.Since(start).Seconds())
		case <-ctx.Done():
			return fmt.Errorf("%d/%d bindings delivered when giving up: %w", tr.progress(), tr.target, ctx.Err())
		}
	}
}

// editOne changes one component's configuration and counts the writes and
// changed objects it causes, once its first environment runs the new
// release and the platform has settled again.
func editOne(ctx context.Context, hub client.Client, bed *testbed.Bed, tr *tracker, pl *platform, clusters map[string]*rest.Config) (editResult, error) {
	var res editResult
	c := &platformv1alpha1.Component{}
	name := pl.components[0].Name
	if err := hub.Get(ctx, client.ObjectKey{Namespace: organization, Name: name}, c); err != nil {
		return res, err
	}
	res.Component = name
	snap := func() (map[string]versions, error) {
		out := map[string]versions{}
		var err error
		if out["hub"], err = snapshot(ctx, bed.Hub, hubKinds); err != nil {
			return nil, err
		}
		for n, s := range bed.Spokes {
			if out[n], err = snapshot(ctx, s, spokeKinds); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	beforeObjs, err := snap()
	if err != nil {
		return res, err
	}
	beforeWrites, err := scrapeAll(ctx, clusters)
	if err != nil {
		return res, err
	}
	beforeIn, err := pl.renderInput(organization, c, 0)
	if err != nil {
		return res, err
	}
	c.Spec.Container.Env = append(c.Spec.Container.Env, platformv1alpha1.EnvVar{Name: "FEATURE_X", Value: ptr.To("on")})
	afterIn, err := pl.renderInput(organization, c, 0)
	if err != nil {
		return res, err
	}
	if res.ContentChanged, err = contentChanged(beforeIn, afterIn); err != nil {
		return res, err
	}
	key := organization + "/" + names.Join(name, pl.environments[0])
	var release string
	done := tr.when(key, func(b *platformv1alpha1.ReleaseBinding) bool { return release != "" && b.Spec.Release == release })
	if err := hub.Update(ctx, c); err != nil {
		return res, err
	}
	edited := time.Now()
	// The new release's name is what the binding must reach.
	r, err := newReleaseName(c)
	if err != nil {
		return res, err
	}
	tr.mu.Lock()
	release = r
	tr.mu.Unlock()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		return res, fmt.Errorf("%s did not reach release %s within 2 minutes", key, release)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.Seconds = time.Since(edited).Seconds()
	// What follows the delivery (status summaries) settles within seconds.
	time.Sleep(10 * time.Second)
	afterWrites, err := scrapeAll(ctx, clusters)
	if err != nil {
		return res, err
	}
	afterObjs, err := snap()
	if err != nil {
		return res, err
	}
	res.Writes = writesOf(afterWrites, beforeWrites)
	// Less the bench's own update of the component.
	res.Writes.Total--
	res.Writes.ByCluster["hub"]--
	if byRes := res.Writes.ByResource["hub"]; byRes != nil {
		byRes["PUT platform.aileron.dev/components"]--
	}
	for cluster, after := range afterObjs {
		own, others := changed(beforeObjs[cluster], after, name)
		for _, o := range own {
			res.Changed = append(res.Changed, cluster+": "+o)
		}
		for _, o := range others {
			res.Foreign = append(res.Foreign, cluster+": "+o)
		}
	}
	sort.Strings(res.Changed)
	sort.Strings(res.Foreign)
	return res, nil
}

// latency times, one after the other, new components from creation until
// their first environment's binding is delivered.
func latency(ctx context.Context, hub client.Client, tr *tracker, pl *platform, tries int) (latencyResult, error) {
	var res latencyResult
	for i := range tries {
		c := benchComponent(organization, fmt.Sprintf("lat-%03d", i), pl.projects[0], "1.0.0")
		done := tr.when(organization+"/"+names.Join(c.Name, pl.environments[0]), func(*platformv1alpha1.ReleaseBinding) bool { return true })
		start := time.Now()
		if err := hub.Create(ctx, c); err != nil {
			return res, err
		}
		select {
		case <-done:
		case <-time.After(time.Minute):
			return res, fmt.Errorf("component %s was not delivered within a minute", c.Name)
		case <-ctx.Done():
			return res, ctx.Err()
		}
		res.Samples = append(res.Samples, time.Since(start).Seconds())
	}
	sorted := append([]float64(nil), res.Samples...)
	sort.Float64s(sorted)
	res.P50 = percentile(sorted, 0.50)
	res.P95 = percentile(sorted, 0.95)
	return res, nil
}

// percentile of sorted samples, nearest rank.
func percentile(sorted []float64, q float64) float64 {
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// managerProcess is the manager, run as its own process so that its memory
// is its own.
type managerProcess struct {
	cmd        *exec.Cmd
	metricsURL string
	pprofURL   string
}

func startManager(ctx context.Context, bed *testbed.Bed, p params, repoDir string) (*managerProcess, error) {
	dir, err := filepath.Abs(p.profiles)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/manager")
	build.Dir = testbed.Repo()
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the manager: %w\n%s", err, out)
	}
	cfg, err := bed.ManagerConfig()
	if err != nil {
		return nil, err
	}
	kubeconfig, err := fleet.Kubeconfig("hub", cfg)
	if err != nil {
		return nil, err
	}
	kubeconfigPath := filepath.Join(dir, "manager.kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		return nil, err
	}
	metrics, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pprof, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "manager.log"))
	if err != nil {
		return nil, err
	}
	m := &managerProcess{metricsURL: "http://" + metrics + "/metrics", pprofURL: "http://" + pprof + "/debug/pprof/"}
	m.cmd = exec.Command(bin, "--kubeconfig", kubeconfigPath, "--namespace", testbed.OperatorNamespace,
		"--metrics-bind-address", metrics, "--metrics-secure=false", "--health-probe-bind-address=0",
		"--pprof-bind-address", pprof, "--max-concurrent-reconciles", strconv.Itoa(p.concurrency))
	if repoDir != "" {
		m.cmd.Args = append(m.cmd.Args, "--gitops-repository-url", "file://"+repoDir)
	}
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *managerProcess) pid() int { return m.cmd.Process.Pid }

func (m *managerProcess) stop() {
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-done
	}
}

// profile saves one of the manager's pprof profiles to path in the
// background; the channel closes when it is written (or failed, which
// is logged: profiles help, they do not decide).
func (m *managerProcess) profile(ctx context.Context, path, which string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.pprofURL+which, nil)
		if err == nil {
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				defer resp.Body.Close() //nolint:errcheck // read below
				var f *os.File
				if f, err = os.Create(path); err == nil {
					_, err = io.Copy(f, resp.Body)
					err = cmpOr(err, f.Close())
				}
			}
		}
		if err != nil {
			logf("profile %s: %v", which, err)
		}
	}()
	return done
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close() //nolint:errcheck // only the port is wanted
	return l.Addr().String(), nil
}

func machine() machineInfo {
	mi := machineInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				mi.MemoryGiB = float64(kb) / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				mi.CPUModel = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return mi
}
