package gitrepo_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/test/gitserver"
)

// bareRepo creates an empty bare repository on disk.
func bareRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "platform.git")
	if _, err := git.PlainInit(dir, true); err != nil {
		t.Fatal(err)
	}
	return dir
}

// files returns the remote branch's files and its number of commits.
func files(t *testing.T, dir, branch string) (map[string]string, int) {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		t.Fatal(err)
	}
	commit, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	tree, err := commit.Tree()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	if err := tree.Files().ForEach(func(f *object.File) error {
		s, err := f.Contents()
		out[f.Name] = s
		return err
	}); err != nil {
		t.Fatal(err)
	}
	log, err := repo.Log(&git.LogOptions{From: ref.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = log.ForEach(func(*object.Commit) error { n++; return nil })
	return out, n
}

func commit(t *testing.T, r *gitrepo.Repo, files map[string][]byte, msg string) string {
	t.Helper()
	sha, err := r.Commit(context.Background(), gitrepo.Change{Files: files, Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

func TestCommitsOnlyWhatChanged(t *testing.T) {
	dir := bareRepo(t)
	r, err := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	first := commit(t, r, map[string][]byte{"acme/shop/dev/eu-1/api.yaml": []byte("a: 1\n"), "acme/shop/dev/eu-1/_cell.yaml": []byte("c: 1\n")}, "deploy api")
	if again := commit(t, r, map[string][]byte{"acme/shop/dev/eu-1/api.yaml": []byte("a: 1\n")}, "deploy api again"); again != first {
		t.Errorf("an unchanged file made commit %s after %s", again, first)
	}
	if _, n := files(t, dir, "main"); n != 1 {
		t.Errorf("%d commits after one change and one no-op, want 1", n)
	}
	second := commit(t, r, map[string][]byte{"acme/shop/dev/eu-1/api.yaml": []byte("a: 2\n")}, "acme/shop/dev: api release api-2")
	if second == first {
		t.Fatal("a changed file made no commit")
	}
	got, n := files(t, dir, "main")
	if n != 2 || got["acme/shop/dev/eu-1/api.yaml"] != "a: 2\n" || got["acme/shop/dev/eu-1/_cell.yaml"] != "c: 1\n" {
		t.Errorf("after an edit: %d commits, files %v", n, got)
	}
	// Removing files removes the directories they leave empty.
	commit(t, r, map[string][]byte{"acme/shop/dev/eu-1/api.yaml": nil, "acme/shop/dev/eu-1/_cell.yaml": nil, "acme/other/dev/eu-1/x.yaml": []byte("x\n")}, "remove api")
	got, _ = files(t, dir, "main")
	if len(got) != 1 || got["acme/other/dev/eu-1/x.yaml"] != "x\n" {
		t.Errorf("after removing: %v", got)
	}
	repo, _ := git.PlainOpen(dir)
	ref, _ := repo.Reference(plumbing.NewBranchReferenceName("main"), true)
	c, _ := repo.CommitObject(ref.Hash())
	tree, _ := c.Tree()
	if _, err := tree.FindEntry("acme/shop"); err == nil {
		t.Error("the emptied directory acme/shop is still in the tree")
	}
	// A fresh writer (a restarted manager) sees the same content and
	// commits nothing.
	r2, _ := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	if sha := commit(t, r2, map[string][]byte{"acme/other/dev/eu-1/x.yaml": []byte("x\n")}, "same"); sha != ref.Hash().String() {
		t.Errorf("a restarted writer committed %s over the identical head %s", sha, ref.Hash())
	}
}

// TestRacingWritersLoseNothing races many callers on one writer (they are
// grouped into fewer commits) and a second writer on the same branch (its
// pushes are rejected as non-fast-forward and redone on the new head):
// every change lands.
func TestRacingWritersLoseNothing(t *testing.T) {
	dir := bareRepo(t)
	url := "file://" + dir
	a, _ := gitrepo.NewRepo(url, "main", gitrepo.Credentials{})
	b, _ := gitrepo.NewRepo(url, "main", gitrepo.Credentials{})
	const perWriter = 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*perWriter)
	for i := range perWriter {
		for name, r := range map[string]*gitrepo.Repo{"a": a, "b": b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := fmt.Sprintf("acme/p%d/dev/eu-1/%s.yaml", i, name)
				if _, err := r.Commit(context.Background(), gitrepo.Change{Files: map[string][]byte{p: []byte(name + "\n")}, Message: "write " + p}); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, n := files(t, dir, "main")
	if len(got) != 2*perWriter {
		t.Errorf("%d files landed, want %d", len(got), 2*perWriter)
	}
	if n > 2*perWriter {
		t.Errorf("%d commits for %d changes", n, 2*perWriter)
	}
	t.Logf("%d changes from 2 racing writers landed in %d commits", 2*perWriter, n)

	// Deterministically stale: a pushes on top of the head it knows, which
	// b has moved; a's push is refused, redone on b's head, and lands.
	commit(t, a, map[string][]byte{"stale/a1.yaml": []byte("1")}, "a1")
	commit(t, b, map[string][]byte{"stale/b1.yaml": []byte("1")}, "b1")
	commit(t, a, map[string][]byte{"stale/a2.yaml": []byte("1")}, "a2")
	got, _ = files(t, dir, "main")
	for _, f := range []string{"stale/a1.yaml", "stale/b1.yaml", "stale/a2.yaml"} {
		if _, ok := got[f]; !ok {
			t.Errorf("%s was lost by a stale writer", f)
		}
	}
}

func TestContains(t *testing.T) {
	dir := bareRepo(t)
	r, _ := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	first := commit(t, r, map[string][]byte{"a.yaml": []byte("1")}, "one")
	// A second writer moves the branch; the first learns of it on demand.
	other, _ := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	second := commit(t, other, map[string][]byte{"a.yaml": []byte("2")}, "two")
	for _, tc := range []struct {
		revision, commit string
		want             bool
	}{{first, first, true}, {second, first, true}, {first, second, false}, {"not-a-sha", first, false}} {
		got, err := r.Contains(context.Background(), tc.revision, tc.commit)
		if err != nil || got != tc.want {
			t.Errorf("Contains(%.8s, %.8s) = %v, %v; want %v", tc.revision, tc.commit, got, err, tc.want)
		}
	}
}

func TestFile(t *testing.T) {
	dir := bareRepo(t)
	r, _ := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	first := commit(t, r, map[string][]byte{"a/b.yaml": []byte("1"), "c.yaml": []byte("x")}, "one")
	// Another writer's commit is fetched when asked for.
	other, _ := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	second := commit(t, other, map[string][]byte{"a/b.yaml": nil}, "two")
	for _, tc := range []struct {
		revision, path string
		want           string
	}{
		{first, "a/b.yaml", "1"}, {first, "c.yaml", "x"}, {second, "c.yaml", "x"},
		{second, "a/b.yaml", ""}, {first, "nope.yaml", ""}, {strings.Repeat("0", 40), "c.yaml", ""}, {"main", "c.yaml", ""},
	} {
		got, err := r.File(context.Background(), tc.revision, tc.path)
		if err != nil || string(got) != tc.want {
			t.Errorf("File(%.8s, %s) = %q, %v; want %q", tc.revision, tc.path, got, err, tc.want)
		}
	}
}

func TestCredentials(t *testing.T) {
	dir := bareRepo(t)
	srv, err := gitserver.Start(filepath.Dir(dir), "aileron", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	url := srv.URL + "/platform.git"
	change := gitrepo.Change{Files: map[string][]byte{"a.yaml": []byte("a")}, Message: "a"}

	wrong, _ := gitrepo.NewRepo(url, "main", gitrepo.Credentials{Username: "aileron", Password: "wrong"})
	if _, err := wrong.Commit(context.Background(), change); err == nil || !strings.Contains(err.Error(), "authentication required") {
		t.Errorf("wrong token: %v, want an authentication error", err)
	}
	right, _ := gitrepo.NewRepo(url, "main", gitrepo.Credentials{Username: "aileron", Password: "s3cret"})
	if _, err := right.Commit(context.Background(), change); err != nil {
		t.Fatalf("right token: %v", err)
	}
	if got, _ := files(t, dir, "main"); got["a.yaml"] != "a" {
		t.Errorf("the change did not land over HTTPS: %v", got)
	}

	down, _ := gitrepo.NewRepo("http://127.0.0.1:1/platform.git", "main", gitrepo.Credentials{})
	if _, err := down.Commit(context.Background(), change); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable repository: %v, want connection refused", err)
	}
}

func TestCredentialsFromSecret(t *testing.T) {
	for _, tc := range []struct {
		name string
		data map[string][]byte
		want string
	}{
		{"none", nil, ""},
		{"token", map[string][]byte{"password": []byte("t")}, ""},
		{"both", map[string][]byte{"password": []byte("t"), "sshPrivateKey": []byte("k")}, "both a password and an SSH key"},
		{"ssh without known hosts", map[string][]byte{"sshPrivateKey": []byte("k")}, "no sshKnownHosts"},
		{"user only", map[string][]byte{"username": []byte("u")}, "neither a password nor an sshPrivateKey"},
	} {
		_, err := gitrepo.CredentialsFromSecret(tc.data)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A key that does not parse fails when the writer is built.
	if _, err := gitrepo.NewRepo("ssh://git@example.com/r.git", "main", gitrepo.Credentials{SSHPrivateKey: []byte("garbage"), SSHKnownHosts: []byte("x")}); err == nil {
		t.Error("an unparsable SSH key was accepted")
	}
}

// A server that accepts connections and never answers holds a caller up
// for Patience at most, and each attempt for OperationTimeout at most;
// after a failed attempt, callers get its error without making another.
func TestStalledServer(t *testing.T) {
	srv, err := gitserver.StartStalled()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r, err := gitrepo.NewRepo(srv.URL, "main", gitrepo.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	const timeout, patience = 3 * time.Second, 300 * time.Millisecond
	gitrepo.SetTimeouts(r, timeout, patience)
	// The test's own deadline: far past both, so that a caller held up
	// for good fails here instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	change := gitrepo.Change{Files: map[string][]byte{"a.yaml": []byte("1")}, Message: "one"}

	var slow *gitrepo.SlowError
	if _, err := r.Commit(ctx, change); !errors.As(err, &slow) {
		t.Fatalf("first commit: got %v, want a SlowError", err)
	}
	if srv.Accepted() == 0 {
		t.Fatal("the repository never connected to the server")
	}
	// While the attempt is under way, others are told at once.
	if _, err := r.Commit(ctx, change); !errors.As(err, &slow) {
		t.Fatalf("second commit: got %v, want a SlowError", err)
	}
	hash := strings.Repeat("a", 40)
	if _, err := r.Contains(ctx, hash, strings.Repeat("b", 40)); !errors.As(err, &slow) {
		t.Fatalf("Contains during the attempt: got %v, want a SlowError", err)
	}
	if ctx.Err() != nil {
		t.Fatal("callers were held up past the test's deadline")
	}
	// The attempt ends at its timeout; the next caller gets its error.
	var failure error
	for failure == nil {
		if _, err := r.Commit(ctx, change); err != nil && !errors.As(err, &slow) {
			failure = err
		} else if ctx.Err() != nil {
			t.Fatal("the attempt never ended")
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !strings.Contains(failure.Error(), "127.0.0.1") {
		t.Errorf("the failure does not name the server: %v", failure)
	}
	accepted := srv.Accepted()
	if _, err := r.Commit(ctx, change); err == nil || errors.As(err, &slow) {
		t.Errorf("right after a failed attempt: got %v, want its error again", err)
	}
	if srv.Accepted() != accepted {
		t.Error("a caller right after a failed attempt made another")
	}
}

// heapAfter commits n changes of a 16 KiB file, each different and not
// compressible, and returns the live heap after a collection.
func heapAfter(t *testing.T, r *gitrepo.Repo, from, n int) uint64 {
	t.Helper()
	blob := make([]byte, 16<<10)
	for i := from; i < from+n; i++ {
		if _, err := rand.Read(blob); err != nil {
			t.Fatal(err)
		}
		commit(t, r, map[string][]byte{"acme/shop/dev/eu-1/api.yaml": blob}, fmt.Sprintf("release %d", i))
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	// Live up to here: a writer nobody uses after the measure would be
	// collected by it.
	runtime.KeepAlive(r)
	return m.HeapAlloc
}

// TestOnDiskHistoryKeepsMemoryFlat commits 1,000 times through a writer
// that keeps the repository on disk: past the first 300 commits (by then
// its object cache is full) the live heap grows by less than a quarter of
// what each commit adds to a writer that keeps the repository in memory
// (about its 16 KiB of content).
func TestOnDiskHistoryKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("1,220 pushes")
	}
	const mib = 1 << 20
	onDisk, err := gitrepo.NewRepoOnDisk(filepath.Join(t.TempDir(), "clone"), "file://"+bareRepo(t), "main", gitrepo.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	base := heapAfter(t, onDisk, 0, 300)
	after := heapAfter(t, onDisk, 300, 700)
	diskGrowth := int64(after) - int64(base)
	t.Logf("on disk: %.1f MiB after 300 commits, %.1f MiB after 1,000", float64(base)/mib, float64(after)/mib)
	if err := onDisk.Discard(); err != nil {
		t.Fatal(err)
	}

	inMemory, err := gitrepo.NewRepo("file://"+bareRepo(t), "main", gitrepo.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	base = heapAfter(t, inMemory, 0, 20)
	after = heapAfter(t, inMemory, 20, 200)
	memGrowth := int64(after) - int64(base)
	t.Logf("in memory: %.1f MiB after 20 commits, %.1f MiB after 220", float64(base)/mib, float64(after)/mib)
	if memGrowth < 2*mib {
		t.Fatalf("in memory the heap grew by %.1f MiB over 200 commits of 16 KiB: the measure measures nothing", float64(memGrowth)/mib)
	}
	// What is left per commit on disk is bookkeeping (object names), not
	// content: a quarter of what memory keeps, or less (a tenth here).
	diskPer, memPer := float64(diskGrowth)/700, float64(memGrowth)/200
	t.Logf("per commit: %.1f KiB on disk, %.1f KiB in memory", diskPer/1024, memPer/1024)
	if diskPer*4 > memPer {
		t.Fatalf("on disk the heap grew by %.1f KiB a commit over 700 commits, in memory by %.1f KiB: not a quarter of it", diskPer/1024, memPer/1024)
	}
}

// TestPushesOnlyWhatTheCommitAdds: on a branch with a long history and a
// wide tree, a push sends the changed file's blob, the trees on its path
// and the commit, nothing else; and the remote, checked by git itself, is
// whole.
func TestPushesOnlyWhatTheCommitAdds(t *testing.T) {
	dir := bareRepo(t)
	r, err := gitrepo.NewRepo("file://"+dir, "main", gitrepo.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	const history = 150
	for i := range history {
		commit(t, r, map[string][]byte{fmt.Sprintf("acme/p%d/dev/eu-1/x.yaml", i): []byte(fmt.Sprintf("v: %d\n", i))}, fmt.Sprintf("p%d", i))
	}
	commit(t, r, map[string][]byte{"acme/p7/dev/eu-1/x.yaml": []byte("v: edited\n")}, "edit p7")
	// The blob, the trees of acme/p7/dev/eu-1, acme/p7/dev, acme/p7,
	// acme and the root, and the commit.
	if got := gitrepo.PushedObjects(r); got != 1+5+1 {
		t.Errorf("the push of a one-file edit sent %d objects, want 7", got)
	}
	got, n := files(t, dir, "main")
	if n != history+1 || len(got) != history || got["acme/p7/dev/eu-1/x.yaml"] != "v: edited\n" || got["acme/p8/dev/eu-1/x.yaml"] != "v: 8\n" {
		t.Errorf("after the edit: %d commits, %d files", n, len(got))
	}
	if gitBin, err := exec.LookPath("git"); err == nil {
		if out, err := exec.Command(gitBin, "--git-dir", dir, "fsck", "--full", "--strict").CombinedOutput(); err != nil {
			t.Errorf("git fsck of the remote: %v\n%s", err, out)
		}
	}
}
