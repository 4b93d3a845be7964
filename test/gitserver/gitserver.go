// Package gitserver serves bare Git repositories over smart HTTP for tests,
// with Git's own http-backend behind basic authentication whose password a
// test can change: a real remote that can refuse credentials.
package gitserver

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"

	git "github.com/go-git/go-git/v5"
)

// Backend is Git's smart HTTP server, from Debian's git package.
const Backend = "/usr/lib/git-core/git-http-backend"

// Server serves every bare repository under Root at URL/<name>.
type Server struct {
	URL  string
	Root string

	mu             sync.Mutex
	user, password string
	srv            *httptest.Server
}

// Start serves root's repositories, accepting user and password.
func Start(root, user, password string) (*Server, error) {
	if _, err := os.Stat(Backend); err != nil {
		return nil, fmt.Errorf("git's http-backend is needed (Debian package git): %w", err)
	}
	s := &Server{Root: root, user: user, password: password}
	h := &cgi.Handler{Path: Backend, Env: []string{
		"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true",
	}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		s.mu.Lock()
		allowed := ok && u == s.user && p == s.password
		s.mu.Unlock()
		if !allowed {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, req)
	}))
	s.URL = s.srv.URL
	return s, nil
}

// SetPassword changes the password the server accepts.
func (s *Server) SetPassword(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.password = p
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// InitBare creates an empty bare repository named name under root and
// returns its directory.
func InitBare(root, name string) (string, error) {
	dir := filepath.Join(root, name)
	if _, err := git.PlainInit(dir, true); err != nil {
		return "", err
	}
	return dir, nil
}
