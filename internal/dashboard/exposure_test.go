package dashboard_test

import (
	"strings"
	"testing"

	"github.com/aileron-dev/aileron/internal/dashboard"
)

// TestNoAuthOnlyOnLoopback: a dashboard that shows everything to everyone
// is refused on any address another machine could reach.
func TestNoAuthOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		mode, addr string
		refused    string // what the error says; empty when allowed
	}{
		{"none", "127.0.0.1:8080", ""},
		{"none", "127.0.0.53:8080", ""},
		{"none", "[::1]:8080", ""},
		{"none", "", ""}, // no dashboard
		{"none", ":8080", "only allowed on a loopback address"},
		{"none", "0.0.0.0:8080", "only allowed on a loopback address"},
		{"none", "[::]:8080", "only allowed on a loopback address"},
		{"none", "10.0.0.7:8080", "only allowed on a loopback address"},
		{"none", "localhost:8080", "only allowed on a loopback address"},
		{"none", "dashboard.example.com:443", "only allowed on a loopback address"},
		{"none", "127.0.0.1", "only allowed on a loopback address"}, // no port: not an address
		{"kubernetes", ":8080", ""},
		{"kubernetes", "0.0.0.0:8080", ""},
		{"oidc", "127.0.0.1:8080", "must be kubernetes or none"},
	} {
		err := dashboard.ValidateAuth(tc.mode, tc.addr)
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("--dashboard-auth=%s on %q: refused: %v", tc.mode, tc.addr, err)
		case tc.refused != "" && err == nil:
			t.Errorf("--dashboard-auth=%s on %q: allowed", tc.mode, tc.addr)
		case tc.refused != "" && !strings.Contains(err.Error(), tc.refused):
			t.Errorf("--dashboard-auth=%s on %q: %v, want it to say %q", tc.mode, tc.addr, err, tc.refused)
		}
	}
}
