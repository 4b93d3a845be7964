package gitrepo

import (
	"context"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
)

// ListRemote asks the repository at url for its references, as `git
// ls-remote` does, annotated tags with the commit they point at (peeled).
// Nothing is cloned or fetched, and a server that stalls is given up on
// after Patience.
func ListRemote(ctx context.Context, url string) ([]*plumbing.Reference, error) {
	remote := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{url}})
	ctx, cancel := context.WithTimeout(ctx, Patience)
	defer cancel()
	return remote.ListContext(ctx, &git.ListOptions{PeelingOption: git.AppendPeeled})
}
