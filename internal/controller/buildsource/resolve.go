package buildsource

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
)

// ListRefs lists a repository's references, as `git ls-remote` does.
type ListRefs func(ctx context.Context, url string) ([]*plumbing.Reference, error)

// ListRemote asks the repository for its references, annotated tags with
// the commit they point at (peeled). Nothing is cloned or fetched.
func ListRemote(ctx context.Context, url string) ([]*plumbing.Reference, error) {
	remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
	return remote.ListContext(ctx, &git.ListOptions{PeelingOption: git.AppendPeeled})
}

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
