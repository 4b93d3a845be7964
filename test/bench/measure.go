package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// writeVerbs are the verbs of apiserver_request_total that write.
var writeVerbs = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true}

var requestLine = regexp.MustCompile(`^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$`)
var labelPair = regexp.MustCompile(`(\w+)="([^"]*)"`)

// writeCounts are an API server's write requests so far, by
// "VERB group/resource[/subresource]". The API servers' own leases
// (coordination.k8s.io leases, renewed by every API server every few
// seconds) are left out: they are not the manager's.
type writeCounts map[string]float64

func (w writeCounts) total() float64 {
	var n float64
	for _, v := range w {
		n += v
	}
	return n
}

// minus is what w counted since before.
func (w writeCounts) minus(before writeCounts) writeCounts {
	out := writeCounts{}
	for k, v := range w {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func scrapeWrites(ctx context.Context, cfg *rest.Config) (writeCounts, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	body, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s/metrics: %w", cfg.Host, err)
	}
	out := writeCounts{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := requestLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, p := range labelPair.FindAllStringSubmatch(m[1], -1) {
			labels[p[1]] = p[2]
		}
		if !writeVerbs[labels["verb"]] || labels["resource"] == "leases" {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		key := labels["verb"] + " " + labels["group"] + "/" + labels["resource"]
		if labels["subresource"] != "" {
			key += "/" + labels["subresource"]
		}
		out[key] += v
	}
	return out, sc.Err()
}

// scrapeAll reads the write counts of every cluster, by name.
func scrapeAll(ctx context.Context, clusters map[string]*rest.Config) (map[string]writeCounts, error) {
	out := map[string]writeCounts{}
	for name, cfg := range clusters {
		w, err := scrapeWrites(ctx, cfg)
		if err != nil {
			return nil, err
		}
		out[name] = w
	}
	return out, nil
}

// memory samples a process's resident memory (from /proc) and Go heap (from
// its metrics endpoint) until stopped, keeping the peaks.
type memory struct {
	pid        int
	metricsURL string

	mu             sync.Mutex
	peakRSS, rss   int64
	peakHeap, heap int64
	stop           chan struct{}
	done           chan struct{}
}

func sampleMemory(pid int, metricsURL string) *memory {
	m := &memory{pid: pid, metricsURL: metricsURL, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *memory) sample() {
	rss, hwm := procMemory(m.pid)
	heap := metricValue(m.metricsURL, "go_memstats_heap_inuse_bytes")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rss = rss
	m.peakRSS = max(m.peakRSS, hwm, rss)
	if heap > 0 {
		m.heap = heap
		m.peakHeap = max(m.peakHeap, heap)
	}
}

// now returns the latest and peak figures, in bytes.
func (m *memory) now() (rss, peakRSS, heap, peakHeap int64) {
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rss, m.peakRSS, m.heap, m.peakHeap
}

func (m *memory) close() {
	close(m.stop)
	<-m.done
}

// procMemory reads VmRSS and VmHWM (the peak the kernel saw) of pid.
func procMemory(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// metricValue reads one unlabelled gauge from a Prometheus endpoint; 0 when
// it cannot.
func metricValue(url, name string) int64 {
	resp, err := http.Get(url) //nolint:gosec,noctx // the bench's own local endpoint
	if err != nil {
		return 0
	}
	defer resp.Body.Close() //nolint:errcheck // read only
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int64(f)
		}
	}
	return 0
}

// kinds whose objects are compared before and after an edit.
var (
	spokeKinds = []schema.GroupVersionKind{
		{Version: "v1", Kind: "Namespace"}, {Version: "v1", Kind: "ServiceAccount"},
		{Version: "v1", Kind: "ConfigMap"}, {Version: "v1", Kind: "Service"},
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
		{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
		{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"},
	}
	hubKinds = []schema.GroupVersionKind{
		{Version: "v1", Kind: "Namespace"}, {Version: "v1", Kind: "Event"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "Organization"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "Project"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "Environment"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "DataPlane"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "Component"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "Release"},
		{Group: "platform.aileron.dev", Version: "v1alpha1", Kind: "ReleaseBinding"},
	}
)

// versions maps "Kind namespace/name" to resourceVersion, with the
// component label of the object, for every object of kinds.
type versions map[string]versionOf

type versionOf struct {
	rv        string
	component string
}

func snapshot(ctx context.Context, c client.Client, kinds []schema.GroupVersionKind) (versions, error) {
	out := versions{}
	for _, gvk := range kinds {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.List(ctx, list); err != nil {
			return nil, fmt.Errorf("listing %s: %w", gvk.Kind, err)
		}
		for _, o := range list.Items {
			key := gvk.Kind + " " + o.Namespace + "/" + o.Name
			out[key] = versionOf{rv: o.ResourceVersion, component: o.Labels["platform.aileron.dev/component"]}
		}
	}
	return out, nil
}

// changed lists the objects of after that are new or have another
// resourceVersion than in before, and whether each belongs to component
// (by label, or by name for the component itself and its releases).
func changed(before, after versions, component string) (own, others []string) {
	for key, v := range after {
		if b, ok := before[key]; ok && b.rv == v.rv {
			continue
		}
		if v.component == component || strings.Contains(key, " "+organization+"/"+component) {
			own = append(own, key)
		} else {
			others = append(others, key)
		}
	}
	return own, others
}

// cpuTimes are the CPU seconds (user and system) each process of the run
// has used so far, by role: "manager", "etcd", "apiserver <cluster>",
// "bench" and so on.
type cpuTimes map[string]float64

// clockTicks is the kernel's USER_HZ, 100 on every Linux the bench runs on.
const clockTicks = 100

func readCPU(pids []int) cpuTimes {
	out := cpuTimes{}
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The command may hold spaces: fields start after its ")".
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		out[role(pid)] += (utime + stime) / clockTicks
	}
	return out
}

// role names a process by its command line.
func role(pid int) string {
	if pid == os.Getpid() {
		return "bench"
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	name := filepath.Base(args[0])
	if name == "kube-apiserver" {
		for _, a := range args {
			if p, ok := strings.CutPrefix(a, "--etcd-prefix=/fleet/"); ok {
				return "apiserver " + p
			}
		}
	}
	if name == "argocd" {
		for _, e := range args {
			if strings.HasPrefix(e, "--namespace") {
				return "argocd"
			}
		}
	}
	return name
}

// minus is what c used since before.
func (c cpuTimes) minus(before cpuTimes) cpuTimes {
	out := cpuTimes{}
	for k, v := range c {
		out[k] = v - before[k]
	}
	return out
}

func (c cpuTimes) total() float64 {
	var n float64
	for _, v := range c {
		n += v
	}
	return n
}
