// Command bench measures Aileron on a local fleet (a hub and API-only
// spokes): how long a synthetic platform takes to converge against the
// floor, what the manager's memory peaks at, how many writes the platform
// causes at rest and after one edit, and how fast one new component is
// delivered. It prints a table and writes the figures as JSON.
//
//	go run ./test/bench -components 1000 -projects 100 -environments 3 -planes 3
//
// `make bench` runs it with the defaults; BENCHMARKS.md records the figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// params are the bench's flags.
type params struct {
	components, projects, environments, planes int
	concurrency                                int
	// typedEvery makes every n-th component one of a platform-defined type.
	typedEvery    int
	steady        time.Duration
	latencyTries  int
	timeout       time.Duration
	out, profiles string
	gitops        bool
}

func main() { os.Exit(bench()) }

// bench runs the bench and returns the process's exit code.
func bench() int {
	var p params
	flag.IntVar(&p.components, "components", 1000, "components of the synthetic platform")
	flag.IntVar(&p.projects, "projects", 100, "projects the components are spread over")
	flag.IntVar(&p.environments, "environments", 3, "environments, each bound to one plane (round robin); every component runs in each")
	flag.IntVar(&p.planes, "planes", 3, "spokes (data planes), API servers only")
	flag.IntVar(&p.typedEvery, "typed-every", 4, "every n-th component is of a platform-defined ComponentType with a Trait (0: built-in types only)")
	flag.IntVar(&p.concurrency, "concurrency", 4, "the manager's --max-concurrent-reconciles, and the floor's workers")
	flag.DurationVar(&p.steady, "steady", 2*time.Minute, "how long writes are counted on the converged, idle platform")
	flag.IntVar(&p.latencyTries, "latency-tries", 20, "new components timed one after the other for the single-component latency")
	flag.BoolVar(&p.gitops, "gitops", true, "also deliver the platform through Git (a bare repository and Argo CD's ApplicationSet controller)")
	flag.DurationVar(&p.timeout, "timeout", 30*time.Minute, "gives up after this long")
	flag.StringVar(&p.out, "out", "bin/bench/results.json", "where the figures are written as JSON")
	flag.StringVar(&p.profiles, "profiles", "bin/bench", "where the manager's CPU and heap profiles are written")
	flag.Parse()
	// The bench's own watch logs nothing worth reading next to its table.
	ctrllog.SetLogger(logr.Discard())
	if err := p.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, p.timeout)
	defer cancelTimeout()
	res, err := run(ctx, p)
	if res != nil {
		err = errors.Join(err, res.print(os.Stdout), res.write(p.out))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}

func (p params) validate() error {
	switch {
	case p.components < 1 || p.projects < 1 || p.environments < 1 || p.planes < 1:
		return errors.New("-components, -projects, -environments and -planes must be at least 1")
	case p.projects > p.components:
		return errors.New("-projects must not exceed -components")
	case p.concurrency < 1:
		return errors.New("-concurrency must be at least 1")
	case p.typedEvery < 0:
		return errors.New("-typed-every must not be negative")
	case p.latencyTries < 1:
		return errors.New("-latency-tries must be at least 1")
	}
	return nil
}

func (r *results) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
