// Package gitserver serves bare Git repositories over smart HTTP for tests,
// with Git's own http-backend behind basic authentication whose password a
// test can change: a real remote that can refuse credentials.
package gitserver

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"
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

// Commit commits files (path → content, added or replaced) to branch of the
// bare repository dir, on top of the branch's head when it has one, pushes
// it, and returns the commit's hash. Tests use it as developers push.
func Commit(dir, branch string, files map[string]string, message string) (string, error) {
	repo, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		return "", err
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{dir}}); err != nil {
		return "", err
	}
	local := plumbing.NewBranchReferenceName(branch)
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", local, local))
	err = repo.Fetch(&git.FetchOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
	case errors.Is(err, transport.ErrEmptyRemoteRepository), errors.Is(err, git.NoMatchingRefSpecError{}):
		// A new repository or a new branch: the first commit has no parent.
	default:
		return "", fmt.Errorf("fetching %s: %w", branch, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", err
	}
	if _, err := repo.Reference(local, true); err == nil {
		if err := wt.Checkout(&git.CheckoutOptions{Branch: local}); err != nil {
			return "", err
		}
	} else if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, local)); err != nil {
		return "", err
	}
	for path, content := range files {
		f, err := wt.Filesystem.Create(path)
		if err != nil {
			return "", err
		}
		if _, err := f.Write([]byte(content)); err != nil {
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		if _, err := wt.Add(path); err != nil {
			return "", err
		}
	}
	sig := &object.Signature{Name: "Developer", Email: "dev@acme.example", When: time.Now()}
	hash, err := wt.Commit(message, &git.CommitOptions{Author: sig, AllowEmptyCommits: true})
	if err != nil {
		return "", err
	}
	if err := repo.Push(&git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}}); err != nil {
		return "", fmt.Errorf("pushing %s: %w", branch, err)
	}
	return hash.String(), nil
}

// Tag tags commit in the bare repository dir: annotated (a tag object
// with a message) or lightweight.
func Tag(dir, name, commit string, annotated bool) error {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return err
	}
	var opts *git.CreateTagOptions
	if annotated {
		opts = &git.CreateTagOptions{Message: "release " + name, Tagger: &object.Signature{Name: "Developer", Email: "dev@acme.example", When: time.Now()}}
	}
	_, err = repo.CreateTag(name, plumbing.NewHash(commit), opts)
	return err
}
