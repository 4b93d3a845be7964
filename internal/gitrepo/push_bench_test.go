package gitrepo

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// BenchmarkEditOnLongHistory measures one file's edit, committed and
// pushed, on a branch of 5,000 commits and 1,000 files, two ways in the
// same run: the thin push Repo makes (only the commit's new objects), and
// go-git's own push (which walks the remote's history to find what it
// lacks) as the floor it replaced. Run it with
//
//	go test ./internal/gitrepo -run '^$' -bench EditOnLongHistory -benchtime 20x
func BenchmarkEditOnLongHistory(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "platform.git")
	if _, err := git.PlainInit(dir, true); err != nil {
		b.Fatal(err)
	}
	r, err := NewRepo("file://"+dir, "main", Credentials{})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.fetchBounded(); err != nil {
		b.Fatal(err)
	}
	// The history, written locally and pushed once.
	const commits, files = 5000, 1000
	var written []plumbing.Hash
	for i := range commits {
		base := plumbing.ZeroHash
		if !r.head.IsZero() {
			c, err := r.repo.CommitObject(r.head)
			if err != nil {
				b.Fatal(err)
			}
			base = c.TreeHash
		}
		path := fmt.Sprintf("acme/p%d/dev/eu-1/c%d.yaml", i%files/10, i%files)
		tree, err := editTree(r.repo, base, map[string][]byte{path: []byte(fmt.Sprintf("v: %d\n", i))}, &written)
		if err != nil {
			b.Fatal(err)
		}
		if r.head, err = r.writeCommit(tree, fmt.Sprintf("commit %d\n", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(r.localRef(), r.head)); err != nil {
		b.Fatal(err)
	}
	spec := config.RefSpec(fmt.Sprintf("%s:%s", r.localRef(), r.localRef()))
	if err := r.repo.PushContext(context.Background(), &git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}}); err != nil {
		b.Fatal(err)
	}
	edit := 0
	next := func() Change {
		edit++
		return Change{Files: map[string][]byte{"acme/p7/dev/eu-1/c70.yaml": []byte(fmt.Sprintf("edit: %d\n", edit))}, Message: "edit"}
	}
	b.Run("thin", func(b *testing.B) {
		for range b.N {
			if _, err := r.Commit(context.Background(), next()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-git push", func(b *testing.B) {
		for range b.N {
			c, err := r.repo.CommitObject(r.head)
			if err != nil {
				b.Fatal(err)
			}
			var w []plumbing.Hash
			tree, err := editTree(r.repo, c.TreeHash, next().Files, &w)
			if err != nil {
				b.Fatal(err)
			}
			commit, err := r.writeCommit(tree, "edit\n")
			if err != nil {
				b.Fatal(err)
			}
			if err := r.repo.Storer.SetReference(plumbing.NewHashReference(r.localRef(), commit)); err != nil {
				b.Fatal(err)
			}
			if err := r.repo.PushContext(context.Background(), &git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}}); err != nil {
				b.Fatal(err)
			}
			r.head = commit
		}
	})
}
