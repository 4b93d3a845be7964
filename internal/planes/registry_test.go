package planes

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func kubeconfig(t *testing.T, server string) []byte {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: server}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["c"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	cfg.CurrentContext = "c"
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWatchersFollowConnections checks that what a watcher starts for a
// plane lives exactly as long as the plane's connection: replaced with new
// credentials, removed, or closed with the manager.
func TestWatchersFollowConnections(t *testing.T) {
	r := NewRegistry(runtime.NewScheme())
	running := map[string]int{}
	started := 0
	watch := func(p *Plane) func() {
		started++
		id := fmt.Sprintf("%s#%d", p.Key.Name, started)
		running[id]++
		return func() { running[id]-- }
	}
	live := func() int {
		n := 0
		for _, v := range running {
			n += v
		}
		return n
	}
	eu := Key{Type: "data", Name: "eu-1"}
	if _, _, err := r.Connect(eu, kubeconfig(t, "https://eu-1.example")); err != nil {
		t.Fatal(err)
	}
	r.AddWatcher(watch)
	if started != 1 || live() != 1 {
		t.Fatalf("a watcher added late starts for connected planes: %d started, %d live", started, live())
	}
	if _, changed, _ := r.Connect(eu, kubeconfig(t, "https://eu-1.example")); changed || started != 1 {
		t.Fatal("the same kubeconfig must keep the connection and its watch")
	}
	if _, _, err := r.Connect(eu, kubeconfig(t, "https://eu-1-rotated.example")); err != nil {
		t.Fatal(err)
	}
	if started != 2 || live() != 1 {
		t.Fatalf("new credentials replace the watch: %d started, %d live", started, live())
	}
	r.SetReachable(eu, true, "")
	if started != 2 {
		t.Fatal("a plane that stays reachable keeps its watch")
	}
	r.SetReachable(eu, false, "connection refused")
	if started != 2 || live() != 1 {
		t.Fatalf("an unreachable plane keeps its watch, which retries: %d started, %d live", started, live())
	}
	r.SetReachable(eu, true, "")
	if started != 3 || live() != 1 {
		t.Fatalf("a plane back from unreachable gets a fresh watch: %d started, %d live", started, live())
	}
	na := Key{Type: "data", Name: "na-1"}
	if _, _, err := r.Connect(na, kubeconfig(t, "https://na-1.example")); err != nil {
		t.Fatal(err)
	}
	r.Remove(eu)
	if live() != 1 {
		t.Fatalf("a removed plane's watch stops: %d live", live())
	}
	r.Close()
	if live() != 0 {
		t.Fatalf("closing stops every watch: %d live", live())
	}
}
