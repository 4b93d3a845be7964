package planes

import (
	"context"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// TestRequestToSilentServerEndsAtItsDeadline checks that a request to a
// plane whose API server accepts connections and never answers gives up
// after the request timeout instead of holding its caller forever.
func TestRequestToSilentServerEndsAtItsDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	cfg, err := RESTConfig(kubeconfig(t, "http://"+ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = cs.CoreV1().ConfigMaps("default").Get(context.Background(), "x", metav1.GetOptions{})
	took := time.Since(start)
	if err == nil {
		t.Fatal("a server that never answers answered")
	}
	if took > 15*time.Second+5*time.Second {
		t.Fatalf("the request took %s, want about 15s", took)
	}
	t.Logf("gave up after %s: %v", took.Round(time.Millisecond), err)
}

// TestPlaneWatchesLast checks, on a real API server, that a watch through a
// plane's client lives as long as the API server keeps it: an informer
// built on it establishes its watch once in two minutes, where a client-wide
// timeout would cut it and start a new one every few seconds.
func TestPlaneWatchesLast(t *testing.T) {
	if testing.Short() || os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("needs an API server (KUBEBUILDER_ASSETS)")
	}
	env := &envtest.Environment{}
	rc, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: rc.Host, CertificateAuthorityData: rc.CAData}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{ClientCertificateData: rc.CertData, ClientKeyData: rc.KeyData}
	kc.Contexts["c"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	kc.CurrentContext = "c"
	raw, err := clientcmd.Write(*kc)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := RESTConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	var watches atomic.Int32
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			if req.URL.Query().Get("watch") == "true" {
				watches.Add(1)
			}
			return rt.RoundTrip(req)
		})
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("default"))
	inf := f.Core().V1().ConfigMaps().Informer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the informer never synced")
	}
	time.Sleep(2 * time.Minute)
	n := watches.Load()
	t.Logf("%d watch requests in 2 minutes", n)
	// The first watch, and at most one restart.
	if n > 2 {
		t.Fatalf("%d watch requests in 2 minutes: the watch was cut %d times", n, n-1)
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
