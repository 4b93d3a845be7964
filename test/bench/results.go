package main

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// results are the bench's figures; the JSON file holds them as they are.
type results struct {
	Machine      machineInfo `json:"machine"`
	Params       paramsJSON  `json:"params"`
	SpokeObjects int         `json:"spokeObjects"`
	Floor        float64     `json:"floorSeconds"`
	Convergence  float64     `json:"convergenceSeconds"`
	Ratio        float64     `json:"convergenceOverFloor"`
	// FloorCPU and ConvergenceCPU are the CPU seconds each process used
	// during the floor and the convergence: on a machine this size, what
	// the fleet's processes share is the limit.
	FloorCPU       cpuTimes `json:"floorCPUSeconds"`
	ConvergenceCPU cpuTimes `json:"convergenceCPUSeconds"`
	// ConvergenceWrites are the write requests of the whole convergence,
	// the bench's own creations included.
	ConvergenceWrites writeResult   `json:"convergenceWrites"`
	Memory            memoryResult  `json:"memory"`
	Steady            writeResult   `json:"steadyStateWrites"`
	Edit              editResult    `json:"oneEdit"`
	Latency           latencyResult `json:"singleComponentLatency"`
	GitOps            *gitopsResult `json:"gitops,omitempty"`
}

type machineInfo struct {
	CPUs      int     `json:"cpus"`
	CPUModel  string  `json:"cpuModel"`
	MemoryGiB float64 `json:"memoryGiB"`
	GoVersion string  `json:"goVersion"`
}

type paramsJSON struct {
	Components   int    `json:"components"`
	Projects     int    `json:"projects"`
	Environments int    `json:"environments"`
	Planes       int    `json:"planes"`
	Concurrency  int    `json:"concurrency"`
	Steady       string `json:"steady"`
	TypedEvery   int    `json:"typedEvery"`
}

func paramsOf(p params) paramsJSON {
	return paramsJSON{p.components, p.projects, p.environments, p.planes, p.concurrency, p.steady.String(), p.typedEvery}
}

type memoryResult struct {
	PeakRSS  int64 `json:"peakRSSBytes"`
	PeakHeap int64 `json:"peakHeapInuseBytes"`
	IdleRSS  int64 `json:"idleRSSBytes"`
	IdleHeap int64 `json:"idleHeapInuseBytes"`
}

// writeResult counts write requests per cluster and per verb and resource.
type writeResult struct {
	Total      int                       `json:"total"`
	ByCluster  map[string]int            `json:"byCluster"`
	ByResource map[string]map[string]int `json:"byResource,omitempty"`
}

func writesOf(after, before map[string]writeCounts) writeResult {
	w := writeResult{ByCluster: map[string]int{}, ByResource: map[string]map[string]int{}}
	for cluster, a := range after {
		d := a.minus(before[cluster])
		n := int(d.total())
		w.ByCluster[cluster] = n
		w.Total += n
		if n > 0 {
			w.ByResource[cluster] = map[string]int{}
			for k, v := range d {
				w.ByResource[cluster][k] = int(v)
			}
		}
	}
	return w
}

type editResult struct {
	Component string      `json:"component"`
	Seconds   float64     `json:"secondsToDelivered"`
	Writes    writeResult `json:"writes"`
	// Changed are the objects whose resourceVersion moved, all of them the
	// edited component's; Foreign are any others (the target: none).
	Changed []string `json:"changedObjects"`
	Foreign []string `json:"foreignObjects"`
	// ContentChanged are the plane objects whose rendered content the edit
	// changes: the plane objects in Changed should be these and no more.
	ContentChanged []string `json:"contentChangedObjects"`
}

// planeChanged counts the changed objects that are on a plane.
func (e editResult) planeChanged() int {
	n := 0
	for _, o := range e.Changed {
		if !strings.HasPrefix(o, "hub: ") {
			n++
		}
	}
	return n
}

type latencyResult struct {
	Samples []float64 `json:"samplesSeconds"`
	P50     float64   `json:"p50Seconds"`
	P95     float64   `json:"p95Seconds"`
}

const mib = 1 << 20

// print writes the table; the report is built in memory and written once.
func (r *results) print(w io.Writer) error {
	var out bytes.Buffer
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)
	p := r.Params
	_, _ = fmt.Fprintf(tw, "Aileron bench: %d components, %d projects, %d environments, %d planes, concurrency %d (%d CPUs, %.0f GiB)\n",
		p.Components, p.Projects, p.Environments, p.Planes, p.Concurrency, r.Machine.CPUs, r.Machine.MemoryGiB)
	if p.TypedEvery > 0 {
		_, _ = fmt.Fprintf(tw, "1 in %d components is of the platform-defined type %s, with the trait %s\n", p.TypedEvery, benchType, benchTrait)
	}
	_, _ = fmt.Fprintln(tw, "measure\tvalue\ttarget\t")
	row := func(name, value, target string) { _, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t\n", name, value, target) }
	row("objects on the spokes", fmt.Sprint(r.SpokeObjects), "")
	row("floor (plain server-side apply)", fmt.Sprintf("%.1f s", r.Floor), "")
	row("convergence", fmt.Sprintf("%.1f s", r.Convergence), "")
	row("CPU used: floor / convergence", fmt.Sprintf("%.0f / %.0f CPU-s (manager %.0f, hub API server %.0f)",
		r.FloorCPU.total(), r.ConvergenceCPU.total(), r.ConvergenceCPU["manager"], r.ConvergenceCPU["apiserver hub"]), "")
	row("convergence / floor", fmt.Sprintf("%.2f", r.Ratio), "<= 1.25")
	row("writes while converging", fmt.Sprintf("%d %s", r.ConvergenceWrites.Total, breakdown(r.ConvergenceWrites)), "")
	row("peak RSS (until here)", fmt.Sprintf("%.0f MiB", float64(r.Memory.PeakRSS)/mib), "<= 150 MiB")
	row("peak Go heap (in use)", fmt.Sprintf("%.0f MiB", float64(r.Memory.PeakHeap)/mib), "")
	row("idle RSS / heap", fmt.Sprintf("%.0f / %.0f MiB", float64(r.Memory.IdleRSS)/mib, float64(r.Memory.IdleHeap)/mib), "")
	row("steady-state writes ("+p.Steady+")", fmt.Sprintf("%d %s", r.Steady.Total, breakdown(r.Steady)), "0")
	row("one edit: write requests", fmt.Sprintf("%d %s", r.Edit.Writes.Total, breakdown(r.Edit.Writes)), "")
	row("one edit: objects changed", fmt.Sprintf("%d own (%d on the plane, %d whose content changed), %d foreign",
		len(r.Edit.Changed), r.Edit.planeChanged(), len(r.Edit.ContentChanged), len(r.Edit.Foreign)), "plane = content, 0 foreign")
	row("single component p50 / p95", fmt.Sprintf("%.2f / %.2f s", r.Latency.P50, r.Latency.P95), "p50 <= 1 s")
	if g := r.GitOps; g != nil {
		row("gitops: render + commit, all components", fmt.Sprintf("%.1f s (%d commits, %d files)", g.Seconds, g.Commits, g.Files), "")
		row("gitops: Applications generated", fmt.Sprintf("%d for %d components x planes", g.Applications, g.ComponentsTimesPlane), "")
		row("gitops: peak RSS / heap, both platforms", fmt.Sprintf("%.0f / %.0f MiB", float64(g.PeakRSS)/mib, float64(g.PeakHeap)/mib), "")
	}
	_ = tw.Flush()
	if len(r.Edit.Changed)+len(r.Edit.Foreign) > 0 {
		_, _ = fmt.Fprintln(&out, "\nobjects the edit changed:")
		for _, o := range r.Edit.Changed {
			_, _ = fmt.Fprintln(&out, "  ", o)
		}
		for _, o := range r.Edit.Foreign {
			_, _ = fmt.Fprintln(&out, "   FOREIGN", o)
		}
		_, _ = fmt.Fprintln(&out, "whose rendered content changed:")
		for _, o := range r.Edit.ContentChanged {
			_, _ = fmt.Fprintln(&out, "  ", o)
		}
	}
	_, err := w.Write(out.Bytes())
	return err
}

func breakdown(w writeResult) string {
	var parts []string
	clusters := make([]string, 0, len(w.ByCluster))
	for c := range w.ByCluster {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	for _, c := range clusters {
		if w.ByCluster[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, w.ByCluster[c]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
