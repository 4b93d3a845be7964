package gitops

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aileron-dev/aileron/internal/gitrepo"
)

// TestServiceLetsGoOfUnusedWriters rotates a repository's credentials 20
// times: the service ends with one writer and one directory, not 21. Two
// credentials in use at once keep a writer each, and a writer unused for
// IdleAfter goes too.
func TestServiceLetsGoOfUnusedWriters(t *testing.T) {
	cache := t.TempDir()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewService(Settings{CacheDir: cache})
	s.now = func() time.Time { return now }
	repo := Repository{URL: "https://git.example/platform.git", Branch: "main"}
	token := func(i int) gitrepo.Credentials {
		return gitrepo.Credentials{Username: "aileron", Password: "token-" + string(rune('a'+i))}
	}
	use := func(r Repository, c gitrepo.Credentials) {
		t.Helper()
		if _, err := s.repo(r, c); err != nil {
			t.Fatal(err)
		}
	}
	dirs := func() int {
		entries, err := os.ReadDir(cache)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	// Discarding runs in the background, once the writer is idle.
	expectDirs := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for dirs() != want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := dirs(); got != want {
			t.Fatalf("%d directories under the cache, want %d", got, want)
		}
	}

	for i := range 21 {
		use(repo, token(i))
		now = now.Add(2 * time.Minute)
	}
	use(repo, token(20))
	if got := s.Writers(); got != 1 {
		t.Fatalf("after 20 rotations the service holds %d writers, want 1", got)
	}
	expectDirs(1)

	// Two credentials for the same repository, both in use (two
	// organizations sharing it): each keeps its writer.
	for range 5 {
		use(repo, token(20))
		use(repo, token(21))
		now = now.Add(30 * time.Second)
	}
	if got := s.Writers(); got != 2 {
		t.Fatalf("two credentials in use: %d writers, want 2", got)
	}

	// Another repository; the first goes unused for IdleAfter.
	other := Repository{URL: "https://git.example/other.git", Branch: "main"}
	use(other, gitrepo.Credentials{})
	now = now.Add(IdleAfter)
	use(other, gitrepo.Credentials{})
	if got := s.Writers(); got != 1 {
		t.Fatalf("after %s unused: %d writers, want 1", IdleAfter, got)
	}
	expectDirs(1)
	for _, e := range s.repos {
		if filepath.Dir(e.repo.Dir()) != cache || e.url != other.URL {
			t.Fatalf("the writer kept is %s in %s, want %s under %s", e.url, e.repo.Dir(), other.URL, cache)
		}
		if _, err := os.Stat(e.repo.Dir()); err != nil {
			t.Fatalf("the directory of the writer in use is gone: %v", err)
		}
	}
}
