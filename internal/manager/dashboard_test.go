package manager_test

import (
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/aileron-dev/aileron/internal/manager"
)

// TestDashboardWithoutAuthIsRefusedOffLoopback: --dashboard-auth=none on
// an address other machines reach stops the manager at start, whether it
// is started from flags (Validate) or built directly (New, as the local
// demo does), with an error that says what to pass.
func TestDashboardWithoutAuthIsRefusedOffLoopback(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:8080", "10.1.2.3:8080"} {
		o := manager.DefaultOptions()
		o.DashboardBindAddress, o.DashboardAuth = addr, "none"
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), "--dashboard-bind-address=127.0.0.1:PORT") {
			t.Errorf("Validate with --dashboard-auth=none on %q: %v, want a refusal naming the flag to pass", addr, err)
		}
		// Nothing listens at this address: New must refuse before it
		// reaches for the API server.
		if _, err := manager.New(&rest.Config{Host: "https://127.0.0.1:1"}, o); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("New with --dashboard-auth=none on %q: %v, want a refusal", addr, err)
		}
	}
	o := manager.DefaultOptions()
	o.DashboardBindAddress, o.DashboardAuth = "127.0.0.1:8080", "none"
	if err := o.Validate(); err != nil {
		t.Errorf("--dashboard-auth=none on 127.0.0.1:8080: %v", err)
	}
}
