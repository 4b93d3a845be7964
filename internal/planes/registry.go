// Package planes keeps the hub's connections to its planes: one client per
// registered plane, built from the plane's kubeconfig Secret, shared by
// every controller, and rebuilt when the Secret's content changes. It also
// probes planes and remembers whether they answer, so that work for an
// unreachable plane fails fast instead of waiting on timeouts.
package planes

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
)

// Key identifies a plane: its kind's plane type and its name.
type Key struct {
	Type string
	Name string
}

func (k Key) String() string { return k.Type + "/" + k.Name }

// ErrNotConnected is returned for a plane the registry has no client for
// (yet): its controller has not read its Secret, or the Secret is invalid.
var ErrNotConnected = errors.New("plane is not connected")

// ErrUnreachable is returned for a plane whose last probes failed.
var ErrUnreachable = errors.New("plane is unreachable")

// requestTimeout bounds every request to a plane but a watch, so a plane
// that stops answering holds a worker for seconds, not minutes.
const requestTimeout = 15 * time.Second

// Plane is a connected plane.
type Plane struct {
	Key Key
	// Client reaches the plane's API server directly (no cache).
	Client client.Client
	// Clientset reaches the plane for what the controller-runtime client
	// does not cover (discovery).
	Clientset kubernetes.Interface
	// Config is the plane's connection, for callers that build their own
	// clients.
	Config *rest.Config

	kubeconfigHash string
	// stops end what watchers started for this connection.
	stops []func()
	// fenced is set once the plane's admission fence is in place for this
	// connection (see render.Fence).
	fenced atomic.Bool
}

// Fenced tells whether the plane's fence was installed through this
// connection.
func (p *Plane) Fenced() bool { return p.fenced.Load() }

// SetFenced records that the plane's fence is installed.
func (p *Plane) SetFenced() { p.fenced.Store(true) }

// A Watcher starts work that lives as long as a plane's connection, such as
// a watch of the plane's objects. It returns the function that stops it,
// called when the connection is replaced (new credentials) or removed.
type Watcher func(p *Plane) (stop func())

// Registry holds the connected planes. It is safe for concurrent use.
type Registry struct {
	scheme *runtime.Scheme

	mu          sync.RWMutex
	planes      map[Key]*Plane
	unreachable map[Key]string
	watchers    []Watcher
}

// AddWatcher runs w for every plane connected from now on, and for those
// connected already.
func (r *Registry) AddWatcher(w Watcher) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watchers = append(r.watchers, w)
	for _, p := range r.planes {
		p.stops = append(p.stops, w(p))
	}
}

func (p *Plane) stop() {
	for _, s := range p.stops {
		if s != nil {
			s()
		}
	}
}

// NewRegistry returns an empty registry whose clients use scheme.
func NewRegistry(scheme *runtime.Scheme) *Registry {
	return &Registry{scheme: scheme, planes: map[Key]*Plane{}, unreachable: map[Key]string{}}
}

// Connect registers key with the given kubeconfig. The client is rebuilt
// only when the kubeconfig changed; changed reports whether it was.
func (r *Registry) Connect(key Key, kubeconfig []byte) (p *Plane, changed bool, err error) {
	sum := sha256.Sum256(kubeconfig)
	hash := hex.EncodeToString(sum[:])
	r.mu.RLock()
	existing := r.planes[key]
	r.mu.RUnlock()
	if existing != nil && existing.kubeconfigHash == hash {
		return existing, false, nil
	}
	cfg, err := RESTConfig(kubeconfig)
	if err != nil {
		return nil, false, err
	}
	c, err := client.New(cfg, client.Options{Scheme: r.scheme})
	if err != nil {
		return nil, false, fmt.Errorf("creating a client: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, false, fmt.Errorf("creating a client: %w", err)
	}
	p = &Plane{Key: key, Client: c, Clientset: cs, Config: cfg, kubeconfigHash: hash}
	r.mu.Lock()
	old := r.planes[key]
	for _, w := range r.watchers {
		p.stops = append(p.stops, w(p))
	}
	r.planes[key] = p
	r.mu.Unlock()
	// Outside the lock: stopping must never hold up the registry.
	if old != nil {
		old.stop()
	}
	return p, true, nil
}

// RESTConfig parses a kubeconfig into a client configuration whose
// requests, but for watches, end after the registry's request timeout. The
// error says what is wrong with it, never what it contains.
func RESTConfig(kubeconfig []byte) (*rest.Config, error) {
	if len(kubeconfig) == 0 {
		return nil, errors.New("it is empty")
	}
	cc, err := clientcmd.NewClientConfigFromBytes(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("it is not a kubeconfig: %w", err)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("it cannot be used: %w", err)
	}
	// Not rest.Config.Timeout: it bounds a response's whole body, so it
	// would also end every watch (and every cache built on it) after that
	// long.
	cfg.Timeout = 0
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return deadlines{next: rt, timeout: requestTimeout} })
	cfg.QPS, cfg.Burst = 100, 200
	return cfg, nil
}

// Close stops what watchers started for every plane, when the manager
// that owns the registry stops; the registry is not used afterwards.
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.planes {
		p.stop()
	}
	r.planes = map[Key]*Plane{}
}

// Remove forgets a plane.
func (r *Registry) Remove(key Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.planes[key]; p != nil {
		p.stop()
	}
	delete(r.planes, key)
	delete(r.unreachable, key)
}

// SetReachable records the outcome of the plane's probes: reason is empty
// when it answers, otherwise why it does not. A plane that answers again
// after being unreachable gets its watches started afresh: a watch that
// lost its API server retries on a backoff of up to half a minute, and its
// cache may have missed what happened meanwhile (the plane may even come
// back from a backup), so a new one lists the plane at once.
func (r *Registry) SetReachable(key Key, reachable bool, reason string) {
	r.mu.Lock()
	if !reachable {
		r.unreachable[key] = reason
		r.mu.Unlock()
		return
	}
	_, wasDown := r.unreachable[key]
	delete(r.unreachable, key)
	var stale []func()
	if p := r.planes[key]; p != nil && wasDown {
		stale, p.stops = p.stops, nil
		for _, w := range r.watchers {
			p.stops = append(p.stops, w(p))
		}
	}
	r.mu.Unlock()
	// Outside the lock: stopping must never hold up the registry.
	for _, s := range stale {
		if s != nil {
			s()
		}
	}
}

// Get returns a connected, reachable plane, or an error wrapping
// ErrNotConnected or ErrUnreachable that names the plane.
func (r *Registry) Get(key Key) (*Plane, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p := r.planes[key]
	if p == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotConnected, key)
	}
	if reason, down := r.unreachable[key]; down {
		return nil, fmt.Errorf("%w: %s: %s", ErrUnreachable, key, reason)
	}
	if key.Type == platformv1alpha1.PlaneTypeData && !p.Fenced() {
		// Nothing is delivered through a connection before the plane's
		// fence is in place (the plane controller installs it at the
		// connection's first probe).
		return nil, fmt.Errorf("%w: %s: its admission fence is not installed yet", ErrUnreachable, key)
	}
	return p, nil
}

// Lookup returns a connected plane whether or not it is reachable: for
// cleanup that must try anyway, and for the probes themselves.
func (r *Registry) Lookup(key Key) (*Plane, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p := r.planes[key]
	return p, p != nil
}
