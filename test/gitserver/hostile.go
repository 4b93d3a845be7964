package gitserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// StartHostile starts a Git smart-HTTP server that refuses every request
// with a Git "ERR" line repeating the URL and the credentials it was sent
// (the basic-auth user and password, and the Authorization header): a
// server a tenant chose may say anything, and Git clients show that line
// as the server's error. Close it when done.
func StartHostile() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		service := r.URL.Query().Get("service")
		w.Header().Set("Content-Type", "application/x-"+service+"-advertisement")
		var b strings.Builder
		pkt := func(s string) { _, _ = fmt.Fprintf(&b, "%04x%s", len(s)+4, s) }
		pkt("# service=" + service + "\n")
		b.WriteString("0000")
		pkt(fmt.Sprintf("ERR cannot serve %s to %s:%s (Authorization: %s)\n", r.URL, user, pass, r.Header.Get("Authorization")))
		_, _ = w.Write([]byte(b.String()))
	}))
}
