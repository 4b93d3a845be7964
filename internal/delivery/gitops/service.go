package gitops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	platformv1alpha1 "github.com/aileron-dev/aileron/api/v1alpha1"
	"github.com/aileron-dev/aileron/internal/gitrepo"
)

// Settings are the platform-wide GitOps settings: the manager's flags.
type Settings struct {
	// OperatorNamespace holds the repositories' credentials Secrets.
	OperatorNamespace string
	// ArgoCDNamespace is where Argo CD runs and reads its objects.
	ArgoCDNamespace string
	// Default is the repository of organizations that name none; nil for
	// no default.
	Default *platformv1alpha1.GitRepository
	// CacheDir is where the repositories are kept, each in a directory of
	// its own; in memory when empty.
	CacheDir string
}

// Writers nobody asked for are let go, and what they kept on disk removed:
// one whose credentials were replaced (another writer for the same
// repository and branch exists) after ReplacedIdle, any other after
// IdleAfter. Two credentials in use for one repository at once (two
// organizations sharing it) each keep their writer.
const (
	ReplacedIdle = time.Minute
	IdleAfter    = 30 * time.Minute
)

// Service resolves organizations' repositories and keeps one writer per
// repository, branch and credentials, shared by every controller.
type Service struct {
	Settings

	// now is time.Now but in tests.
	now func() time.Time

	mu    sync.Mutex
	repos map[string]*held
	dirs  int
}

// held is a writer and when it was last asked for.
type held struct {
	repo        *gitrepo.Repo
	url, branch string
	used        time.Time
}

// NewService returns a service with the given settings.
func NewService(s Settings) *Service {
	return &Service{Settings: s, now: time.Now, repos: map[string]*held{}}
}

// Writers is how many repository writers the service holds.
func (s *Service) Writers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.repos)
}

// Target is an organization's repository, ready to write to.
type Target struct {
	Repository  Repository
	Credentials gitrepo.Credentials
	Repo        *gitrepo.Repo
}

// ConfigError is a problem only a person can fix: no repository
// configured, a missing or malformed credentials Secret.
type ConfigError struct{ Message string }

func (e *ConfigError) Error() string { return e.Message }

// For resolves org's repository: its own spec.gitOps, or the platform's
// default.
func (s *Service) For(ctx context.Context, c client.Reader, org *platformv1alpha1.Organization) (*Target, error) {
	spec, where := s.Default, "the manager's --gitops-repository-url"
	if org.Spec.GitOps != nil {
		spec, where = &org.Spec.GitOps.Repository, "organization "+org.Name+"'s spec.gitOps.repository"
	}
	if spec == nil || spec.URL == "" {
		return nil, &ConfigError{Message: fmt.Sprintf("no Git repository for organization %s: set its spec.gitOps.repository, or the manager's --gitops-repository-url", org.Name)}
	}
	repo := Repository{URL: spec.URL, Branch: spec.Branch, Path: spec.Path}
	if repo.Branch == "" {
		repo.Branch = "main"
	}
	var creds gitrepo.Credentials
	if spec.SecretRef != nil {
		secret := &corev1.Secret{}
		key := client.ObjectKey{Namespace: s.OperatorNamespace, Name: spec.SecretRef.Name}
		if err := c.Get(ctx, key, secret); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, &ConfigError{Message: fmt.Sprintf("the credentials Secret %s named by %s was not found", key, where)}
			}
			return nil, err
		}
		var err error
		if creds, err = gitrepo.CredentialsFromSecret(secret.Data); err != nil {
			return nil, &ConfigError{Message: fmt.Sprintf("Secret %s: %v", key, err)}
		}
	}
	r, err := s.repo(repo, creds)
	if err != nil {
		return nil, &ConfigError{Message: fmt.Sprintf("the credentials for %s: %v", repo.URL, err)}
	}
	return &Target{Repository: repo, Credentials: creds, Repo: r}, nil
}

func (s *Service) repo(repo Repository, creds gitrepo.Credentials) (*gitrepo.Repo, error) {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(repo.URL), []byte(repo.Branch), []byte(creds.Username), []byte(creds.Password), creds.SSHPrivateKey, creds.SSHKnownHosts} {
		h.Write(part)
		h.Write([]byte{0})
	}
	key := hex.EncodeToString(h.Sum(nil))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evict(key, repo, now)
	if e, ok := s.repos[key]; ok {
		e.used = now
		return e.repo, nil
	}
	var r *gitrepo.Repo
	var err error
	if s.CacheDir == "" {
		r, err = gitrepo.NewRepo(repo.URL, repo.Branch, creds)
	} else {
		// Numbered, not named after the key: a directory name says
		// nothing of the credentials.
		s.dirs++
		r, err = gitrepo.NewRepoOnDisk(filepath.Join(s.CacheDir, strconv.Itoa(s.dirs)), repo.URL, repo.Branch, creds)
	}
	if err != nil {
		return nil, err
	}
	s.repos[key] = &held{repo: r, url: repo.URL, branch: repo.Branch, used: now}
	return r, nil
}

// evict lets go of the writers, other than key's, that have not been asked
// for long enough (see IdleAfter). The caller holds s.mu.
func (s *Service) evict(key string, repo Repository, now time.Time) {
	for k, e := range s.repos {
		if k == key {
			continue
		}
		idle := now.Sub(e.used)
		replaced := e.url == repo.URL && e.branch == repo.Branch
		if idle >= IdleAfter || (replaced && idle >= ReplacedIdle) {
			delete(s.repos, k)
			// Discard waits for the writer's operation under way.
			go func() { _ = e.repo.Discard() }()
		}
	}
}

// OrganizationsUsing names the organizations whose repository credentials
// are secret: those to look at again when it changes.
func (s *Service) OrganizationsUsing(ctx context.Context, c client.Reader, secret client.Object) []string {
	if secret.GetNamespace() != s.OperatorNamespace {
		return nil
	}
	orgs := &platformv1alpha1.OrganizationList{}
	if err := c.List(ctx, orgs); err != nil {
		return nil
	}
	var out []string
	for i := range orgs.Items {
		if s.usesSecret(&orgs.Items[i], secret.GetName()) {
			out = append(out, orgs.Items[i].Name)
		}
	}
	return out
}

// usesSecret tells whether org's repository credentials are the Secret
// named name in the operator's namespace.
func (s *Service) usesSecret(org *platformv1alpha1.Organization, name string) bool {
	spec := s.Default
	if org.Spec.GitOps != nil {
		spec = &org.Spec.GitOps.Repository
	}
	return spec != nil && spec.SecretRef != nil && spec.SecretRef.Name == name
}
