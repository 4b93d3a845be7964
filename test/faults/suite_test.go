// Package faults holds the resilience and security suite: the real
// manager on a real fleet, with faults injected, checked for what must
// hold whatever happens: everything converges, nothing is lost, nothing
// is duplicated, nothing churns, and the manager has no more rights than
// it needs.
package faults

import (
	"bytes"
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
	// conflicts counts the 409s injected into the manager's writes.
	conflicts atomic.Int64
	// managerLog holds every line the in-process manager logged.
	managerLog syncBuffer
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// conflictShare of the manager's writes fail with 409 Conflict, as they
// do when another writer got there first; the suite runs under it.
const conflictShare = 0.1

func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fleet of real API servers")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "faults")
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
	// A healthy plane's lastProbeTime is rewritten once per refresh (5 min
	// by default): a designed heartbeat, kept out of the stability window,
	// which looks for every other write.
	opts.PlaneStatusRefresh = time.Hour
	stop, err := bed.StartManager(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	stopManager = stop
}

func injectConflicts(c client.Client) client.Client {
	return &conflicting{Client: c, rng: rand.New(rand.NewPCG(1, 2))} //nolint:gosec // a reproducible fault pattern, not security
}

// conflicting fails a share of writes with 409 Conflict before they reach
// the API server.
type conflicting struct {
	client.Client
	mu  sync.Mutex
	rng *rand.Rand
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
	return c.Client.Create(ctx, obj, opts...)
}

func (c *conflicting) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if err := c.fail(obj); err != nil {
		return err
	}
	return c.Client.Patch(ctx, obj, patch, opts...)
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
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}
