// Package faults holds the resilience and security suite: the real
// manager on a real fleet, with faults injected, checked for what must
// hold whatever happens: everything converges, nothing is lost, nothing
// is duplicated, nothing churns, and the manager has no more rights than
// it needs.
package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/aileron-dev/aileron/test/testbed"
)

var (
	ctx         context.Context
	cancel      context.CancelFunc
	bed         *testbed.Bed
	hub         client.Client
	stopManager func()
	// managerReader reads through the in-process manager's cache, to tell
	// on failure whether the manager's view lags behind the API server.
	managerReader client.Reader
	// conflicts counts the 409s injected into the manager's writes.
	conflicts atomic.Int64
	// lagged counts the objects whose arrival in the manager's cache was
	// delayed; refusedStale the writes the API server refused because they
	// were computed from a copy older than the object.
	lagged, refusedStale atomic.Int64
	// managerLog holds every line the in-process manager logged.
	managerLog testbed.LogBuffer
)

// conflictShare of the manager's writes fail with 409 Conflict, as they
// do when another writer got there first; lagShare of the objects entering
// its cache arrive 50–300 ms late, and everything behind them too, as when
// a cache falls behind. The suite runs under both.
const (
	conflictShare = 0.1
	lagShare      = 0.1
)

func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers")
	}
	RegisterFailHandler(Fail)
	testbed.RunSpecs(t, "faults")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	// Everything the manager logs is kept, to check what it must never log.
	ctrl.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, &managerLog)), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(time.Second)
	var err error
	bed, err = testbed.Start(ctx, "eu-1", "na-1")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(bed.Fleet.Stop)
	DeferCleanup(cancel)
	hub = bed.Hub
	startManager()
	DeferCleanup(func() { stopManager() })
})

// startManager starts a manager whose writes fail with a conflict at the
// rate conflictShare.
func startManager() {
	opts := testbed.TestOptions()
	opts.WrapClient = injectConflicts
	opts.CacheTransform = lagCache(rand.New(rand.NewPCG(3, 4))) //nolint:gosec // a reproducible fault pattern, not security
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	stopManager = stop
}

func injectConflicts(c client.Client) client.Client {
	managerReader = c
	return &conflicting{Client: c, rng: rand.New(rand.NewPCG(1, 2))} //nolint:gosec // a reproducible fault pattern, not security
}

// conflicting fails a share of writes with 409 Conflict before they reach
// the API server, and counts the conflicts the API server returns itself.
type conflicting struct {
	client.Client
	mu  sync.Mutex
	rng *rand.Rand
}

// lagCache delays a share of the objects entering the manager's cache,
// and with them everything behind them in the same watch stream: the cache
// lags behind the API server, so a reconcile that runs right after the
// manager's own write reads the copy from before it, as happens under load.
func lagCache(rng *rand.Rand) func(obj any) (any, error) {
	var mu sync.Mutex
	return func(obj any) (any, error) {
		mu.Lock()
		lag := rng.Float64() < lagShare
		delay := time.Duration(50+rng.IntN(250)) * time.Millisecond
		mu.Unlock()
		if lag {
			lagged.Add(1)
			time.Sleep(delay)
		}
		return obj, nil
	}
}

// counted notes a write the API server refused with a conflict: computed
// from a copy the cache had not yet caught up with.
func counted(err error) error {
	if apierrors.IsConflict(err) {
		refusedStale.Add(1)
	}
	return err
}

func (c *conflicting) fail(obj client.Object) error {
	c.mu.Lock()
	hit := c.rng.Float64() < conflictShare
	c.mu.Unlock()
	if !hit {
		return nil
	}
	conflicts.Add(1)
	return apierrors.NewConflict(schema.GroupResource{Resource: fmt.Sprintf("%T", obj)}, obj.GetName(), errors.New("injected conflict"))
}

func (c *conflicting) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if err := c.fail(obj); err != nil {
		return err
	}
	return counted(c.Client.Create(ctx, obj, opts...))
}

func (c *conflicting) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if err := c.fail(obj); err != nil {
		return err
	}
	return counted(c.Client.Patch(ctx, obj, patch, opts...))
}

func (c *conflicting) Status() client.SubResourceWriter {
	return &conflictingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type conflictingStatus struct {
	client.SubResourceWriter
	c *conflicting
}

func (s *conflictingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if err := s.c.fail(obj); err != nil {
		return err
	}
	return counted(s.SubResourceWriter.Patch(ctx, obj, patch, opts...))
}
