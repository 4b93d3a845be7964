package builds

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aileron-dev/aileron/internal/gitrepo"
)

// ListRefs lists a repository's references, as `git ls-remote` does
// (gitrepo.ListRemote).
type ListRefs func(ctx context.Context, url string) ([]*plumbing.Reference, error)

// fullCommit is a full SHA-1 commit name.
var fullCommit = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// IsCommit tells whether a revision names a commit itself, which needs no
// repository to resolve.
func IsCommit(revision string) bool { return fullCommit.MatchString(revision) }

// ErrRevisionNotFound is returned when a revision names nothing in the
// repository.
var ErrRevisionNotFound = errors.New("revision not found")

// peeledSuffix marks the commit an annotated tag points at, among the
// references a server advertises.
const peeledSuffix = "^{}"

// Resolve finds the commit a revision names among a repository's
// references: a full commit as it is, a full reference name
// (refs/heads/main), a branch, or a tag — an annotated tag by the commit it
// points at, not the tag object. A branch wins over a tag of the same
// name.
func Resolve(refs []*plumbing.Reference, revision string) (string, error) {
	if IsCommit(revision) {
		return strings.ToLower(revision), nil
	}
	hashes := map[string]string{}
	for _, r := range refs {
		if r.Type() == plumbing.HashReference {
			hashes[r.Name().String()] = r.Hash().String()
		}
	}
	var candidates []string
	if strings.HasPrefix(revision, "refs/") || revision == "HEAD" {
		candidates = []string{revision}
	} else {
		candidates = []string{"refs/heads/" + revision, "refs/tags/" + revision}
	}
	for _, name := range candidates {
		if h, ok := hashes[name+peeledSuffix]; ok {
			return h, nil
		}
		if h, ok := hashes[name]; ok {
			return h, nil
		}
	}
	return "", fmt.Errorf("%w: %q is neither a branch nor a tag of the repository: use one of those, or a full 40-hex commit", ErrRevisionNotFound, revision)
}

// DefaultSchemes are the repository URL schemes the hub fetches build
// sources over unless the manager says otherwise (--build-source-schemes):
// the ones a platform's Git hosting serves. http, git and file would let a
// tenant make the hub probe its internal network or read its disk.
var DefaultSchemes = []string{"https", "ssh"}

// KnownSchemes are the schemes the API admits in spec.build.repository.
var KnownSchemes = []string{"https", "ssh", "http", "git", "file"}

// scheme matches a URL's scheme.
var scheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// Scheme is the scheme a repository URL is fetched over: its own, ssh for
// the scp-like user@host:path, "" for anything else.
func Scheme(url string) string {
	if m := scheme.FindStringSubmatch(url); m != nil {
		return strings.ToLower(m[1])
	}
	if strings.Contains(url, "@") && strings.Contains(url, ":") {
		return "ssh"
	}
	return ""
}

// SchemeRefusal says why the hub may not fetch url, or "" when it may.
func SchemeRefusal(url string, allowed []string) string {
	s := Scheme(url)
	for _, a := range allowed {
		if s != "" && s == a {
			return ""
		}
	}
	if s == "" {
		s = "unknown"
	}
	return fmt.Sprintf("repository %s uses scheme %s, which this platform does not fetch build sources over (it allows %s; the manager's --build-source-schemes): use one of those",
		RedactURL(url, url), s, strings.Join(allowed, ", "))
}

// RedactURL removes from message what a repository URL embeds that must
// not reach a status, an event or a log (gitrepo.Redactor): the password of
// its user information, or the user name of an http(s) URL without a
// password, which Git hosts accept as a token, in every form a message may
// quote it.
func RedactURL(message, url string) string {
	return gitrepo.NewRedactor(url, gitrepo.Credentials{}).String(message)
}
