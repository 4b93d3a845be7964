package dashboard

import (
	"fmt"
	"net"
)

// The dashboard's authorization modes (--dashboard-auth).
const (
	// AuthKubernetes shows each caller what their bearer token may list.
	AuthKubernetes = "kubernetes"
	// AuthNone shows everything to everyone who reaches the address.
	AuthNone = "none"
)

// ValidateAuth checks an authorization mode against the address the
// dashboard listens on (empty: no dashboard). AuthNone shows every
// organization's data to whoever can connect, so it is refused unless
// only this machine can: on a loopback IP address. A host name is refused
// too, even localhost, because what it resolves to is not the flag's to say.
func ValidateAuth(mode, addr string) error {
	switch mode {
	case AuthKubernetes:
		return nil
	case AuthNone:
		if addr == "" || isLoopback(addr) {
			return nil
		}
		return fmt.Errorf("--dashboard-auth=none shows every organization to whoever reaches the dashboard, so it is only allowed on a loopback address, not %q: "+
			"pass --dashboard-bind-address=127.0.0.1:PORT (or [::1]:PORT), or --dashboard-auth=kubernetes", addr)
	default:
		return fmt.Errorf("--dashboard-auth must be %s or %s, not %q", AuthKubernetes, AuthNone, mode)
	}
}

// isLoopback reports whether addr (host:port) is a loopback IP address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
