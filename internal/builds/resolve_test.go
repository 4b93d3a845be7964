package builds

import (
	"context"
	"errors"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/test/gitserver"
)

const (
	mainHead  = "1111111111111111111111111111111111111111"
	devHead   = "2222222222222222222222222222222222222222"
	tagObject = "3333333333333333333333333333333333333333"
	tagged    = "4444444444444444444444444444444444444444"
	light     = "5555555555555555555555555555555555555555"
)

// advertised is what a server lists: a lightweight tag, an annotated tag
// (the tag object, and the commit it points at, peeled), and a tag named
// like a branch.
var advertised = []*plumbing.Reference{
	plumbing.NewSymbolicReference("HEAD", "refs/heads/main"),
	plumbing.NewReferenceFromStrings("HEAD", mainHead),
	plumbing.NewReferenceFromStrings("refs/heads/main", mainHead),
	plumbing.NewReferenceFromStrings("refs/heads/dev", devHead),
	plumbing.NewReferenceFromStrings("refs/tags/v1.0.0", tagObject),
	plumbing.NewReferenceFromStrings("refs/tags/v1.0.0^{}", tagged),
	plumbing.NewReferenceFromStrings("refs/tags/nightly", light),
	plumbing.NewReferenceFromStrings("refs/tags/dev", light),
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		revision, want string
		notFound       bool
	}{
		{revision: "main", want: mainHead},
		{revision: "refs/heads/dev", want: devHead},
		{revision: "v1.0.0", want: tagged},           // annotated: the commit, not the tag object
		{revision: "refs/tags/v1.0.0", want: tagged}, // by full name too
		{revision: "nightly", want: light},
		{revision: "dev", want: devHead}, // the branch wins over the tag
		{revision: "HEAD", want: mainHead},
		{revision: "ABCDEF0123456789abcdef0123456789ABCDEF01", want: "abcdef0123456789abcdef0123456789abcdef01"}, // a commit as it is
		{revision: "abcdef0", notFound: true}, // short commits are not resolved
		{revision: "feature/x", notFound: true},
		{revision: "refs/heads/v1.0.0", notFound: true},
	} {
		got, err := Resolve(advertised, tc.revision)
		if tc.notFound {
			if !errors.Is(err, ErrRevisionNotFound) {
				t.Errorf("%s: want not found, got %q, %v", tc.revision, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %s", tc.revision, got, err, tc.want)
		}
	}
}

// TestListRemoteOnARepository resolves branches and tags of a real
// repository on disk, as the controller does, annotated tags included.
func TestListRemoteOnARepository(t *testing.T) {
	dir, err := gitserver.InitBare(t.TempDir(), "app.git")
	if err != nil {
		t.Fatal(err)
	}
	first, err := gitserver.Commit(dir, "main", map[string]string{"main.go": "package main\n"}, "first")
	if err != nil {
		t.Fatal(err)
	}
	second, err := gitserver.Commit(dir, "main", map[string]string{"README": "hello\n"}, "second")
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatal("two commits have one hash")
	}
	if err := gitserver.Tag(dir, "v1", first, true); err != nil {
		t.Fatal(err)
	}
	if err := gitserver.Tag(dir, "v1-light", first, false); err != nil {
		t.Fatal(err)
	}
	refs, err := gitrepo.ListRemote(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	for revision, want := range map[string]string{"main": second, "v1": first, "v1-light": first} {
		if got, err := Resolve(refs, revision); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %s", revision, got, err, want)
		}
	}
	if _, err := gitrepo.ListRemote(context.Background(), "file://"+t.TempDir()+"/missing.git"); err == nil {
		t.Error("a repository that does not exist was listed")
	}
}
