package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
	gitclient "github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Change is what one caller wants of the repository: files to write
// (content) or remove (nil), and a line that says why, for the commit
// message. A change states the desired content, not a diff, so it applies
// the same on top of whatever another writer pushed meanwhile.
type Change struct {
	Files   map[string][]byte
	Message string
}

// Author signs the commits.
var Author = object.Signature{Name: "Aileron", Email: "aileron@platform.aileron.dev"}

// maxPushAttempts bounds the fetch-rebuild-push loop when other writers
// keep moving the branch.
const maxPushAttempts = 8

// Every Git call is bounded, so that a server that accepts connections and
// then stalls holds up only the callers of its own repository, and those
// only briefly: reconcile workers are shared by every organization.
const (
	// OperationTimeout bounds one fetch or push to the remote.
	OperationTimeout = time.Minute
	// Patience is how long a caller waits for its commit, or for a lookup,
	// before it is told the repository is slow. Its change stays queued:
	// it goes out with the commit under way or the next one, or fails with
	// them; the caller asks again later.
	Patience = 5 * time.Second
	// RetryAfter is how long, after an attempt that failed, callers are
	// given its error at once instead of making another.
	RetryAfter = 10 * time.Second
)

// SlowError says the repository did not answer a caller within Patience.
type SlowError struct {
	URL string
	// For is how long the operation under way has run.
	For time.Duration
}

func (e *SlowError) Error() string {
	return fmt.Sprintf("%s has not answered for %s; the commit goes on in the background", e.URL, e.For.Round(time.Second))
}

// Repo commits to one branch of one repository. Changes from concurrent
// callers are grouped: while one commit is being pushed, the next ones
// queue and go out together in the following commit. Objects are fetched
// from the remote as needed and kept in memory, or on disk (NewRepoOnDisk):
// the history grows with every commit, and on disk the manager's memory
// does not grow with it.
type Repo struct {
	url, branch string
	// display is url without credentials, for messages.
	display string
	auth    transport.AuthMethod
	// secrets redacts every error the repository returns.
	secrets Redactor

	// timeout and patience are OperationTimeout and Patience (shorter in
	// tests).
	timeout, patience time.Duration

	mu       sync.Mutex
	pending  []*request
	flushing bool
	// busySince is when the batch being committed started; zero when none
	// is.
	busySince time.Time
	// failed is the error of the last batch, and failedAt when it ended;
	// nil once a batch succeeds.
	failed   error
	failedAt time.Time

	// repoLock guards the repository and head: the flushing goroutine
	// writes them, Contains reads them. It is a channel so that a reader
	// can give up waiting.
	repoLock chan struct{}
	repo     *git.Repository
	head     plumbing.Hash
	// fetched is set once the branch has been fetched.
	fetched bool
	// dir holds the objects of a repository kept on disk; empty in memory.
	dir string
	// pushedObjects is how many objects the last push sent.
	pushedObjects int
}

type request struct {
	change Change
	done   chan result
}

type result struct {
	commit string
	err    error
}

// objectCache bounds the objects a repository kept on disk holds in memory:
// enough for the trees of a commit and the walks of a push.
const objectCache = 4 * cache.MiByte

// NewRepo returns a writer for branch of the repository at url, which keeps
// the repository's objects in memory.
func NewRepo(url, branch string, creds Credentials) (*Repo, error) {
	return newRepo(memory.NewStorage(), "", url, branch, creds)
}

// NewRepoOnDisk returns a writer for branch of the repository at url, which
// keeps the repository's objects in dir (created if need be; Discard
// removes it).
func NewRepoOnDisk(dir, url, branch string, creds Credentials) (*Repo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRU(objectCache), filesystem.Options{ExclusiveAccess: true})
	return newRepo(st, dir, url, branch, creds)
}

func newRepo(st storage.Storer, dir, url, branch string, creds Credentials) (*Repo, error) {
	auth, err := creds.authMethod()
	if err != nil {
		return nil, err
	}
	repo, err := git.Init(st, nil)
	if err != nil {
		return nil, err
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}}); err != nil {
		return nil, err
	}
	return &Repo{url: url, display: Redact(url), branch: branch, auth: auth, repo: repo, secrets: NewRedactor(url, creds),
		timeout: OperationTimeout, patience: Patience, repoLock: make(chan struct{}, 1), dir: dir}, nil
}

// Discard removes what a repository kept on disk, once the operation under
// way (if any) has ended. The writer must not be used afterwards.
func (r *Repo) Discard() error {
	if r.dir == "" {
		return nil
	}
	r.repoLock <- struct{}{}
	defer func() { <-r.repoLock }()
	return os.RemoveAll(r.dir)
}

// URL is the repository's URL, without any credentials it embeds.
func (r *Repo) URL() string { return r.display }

// Dir is the directory that keeps the repository's objects, or "" when
// they are kept in memory.
func (r *Repo) Dir() string { return r.dir }

// Redact removes the password of a URL's user information, so that a URL
// can appear in a status or a log.
func Redact(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = neturl.UserPassword(u.User.Username(), "redacted")
	}
	return u.String()
}

// Commit applies change and pushes it, grouped with whatever other changes
// are waiting. It returns the commit that holds the change: a new one, or
// the branch's head when the content was already there (nothing is
// committed then).
//
// It waits at most Patience for the repository, counted from when the
// commit under way started: past that, the change stays queued and a
// *SlowError says so. A failed attempt fails everything queued; within
// RetryAfter of it, Commit returns its error at once and queues nothing.
func (r *Repo) Commit(ctx context.Context, change Change) (string, error) {
	req := &request{change: change, done: make(chan result, 1)}
	r.mu.Lock()
	if r.failed != nil && !r.flushing && time.Since(r.failedAt) < RetryAfter {
		err := r.failed
		r.mu.Unlock()
		return "", r.secrets.Error(err)
	}
	wait := r.patience
	if r.flushing {
		wait -= time.Since(r.busySince)
	}
	r.pending = append(r.pending, req)
	if !r.flushing {
		r.flushing, r.busySince = true, time.Now()
		go r.flush()
	}
	r.mu.Unlock()
	timer := time.NewTimer(max(wait, 0))
	defer timer.Stop()
	select {
	case res := <-req.done:
		return res.commit, r.secrets.Error(res.err)
	case <-ctx.Done():
		return "", ctx.Err()
	case <-timer.C:
		r.mu.Lock()
		busy := time.Since(r.busySince)
		r.mu.Unlock()
		return "", &SlowError{URL: r.display, For: busy}
	}
}

func (r *Repo) flush() {
	for {
		r.mu.Lock()
		batch := r.pending
		r.pending = nil
		if len(batch) == 0 {
			r.flushing, r.busySince = false, time.Time{}
			r.mu.Unlock()
			return
		}
		r.busySince = time.Now()
		r.mu.Unlock()
		r.repoLock <- struct{}{}
		commit, err := r.commitBatch(batch)
		<-r.repoLock
		r.mu.Lock()
		r.failed, r.failedAt = err, time.Now()
		if err != nil {
			// What queued meanwhile would meet the same server: it
			// fails too, and nothing is tried again for RetryAfter, so
			// that callers asking again keep no attempt going for good.
			batch = append(batch, r.pending...)
			r.pending, r.flushing, r.busySince = nil, false, time.Time{}
		}
		r.mu.Unlock()
		for _, req := range batch {
			req.done <- result{commit: commit.String(), err: err}
		}
		if err != nil {
			return
		}
	}
}

// remote bounds one operation on the remote.
func (r *Repo) remote() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.timeout)
}

// commitBatch writes the batch on top of the remote branch and pushes,
// starting again from the new remote head when another writer got there
// first.
func (r *Repo) commitBatch(batch []*request) (plumbing.Hash, error) {
	files := map[string][]byte{}
	var lines []string
	for _, req := range batch {
		for p, c := range req.change.Files {
			files[p] = c
		}
		lines = append(lines, req.change.Message)
	}
	if !r.fetched {
		if err := r.fetchBounded(); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	for attempt := 1; ; attempt++ {
		base := plumbing.ZeroHash
		if !r.head.IsZero() {
			c, err := r.repo.CommitObject(r.head)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			base = c.TreeHash
		}
		// written are the objects this commit adds: with those of the
		// head, which the remote has, they are all the commit needs.
		var written []plumbing.Hash
		tree, err := editTree(r.repo, base, files, &written)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if tree == base {
			return r.head, nil
		}
		if tree.IsZero() {
			// Every file removed: commit the empty tree.
			if tree, err = writeTree(r.repo, nil, &written); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		commit, err := r.writeCommit(tree, message(lines))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		err = r.push(commit, append(written, commit))
		if err == nil {
			r.head = commit
			return commit, nil
		}
		if !isRejected(err) || attempt == maxPushAttempts {
			return plumbing.ZeroHash, fmt.Errorf("pushing to %s: %w", r.display, err)
		}
		// Someone else moved the branch: rebuild on their head.
		if err := r.fetchBounded(); err != nil {
			return plumbing.ZeroHash, err
		}
	}
}

func message(lines []string) string {
	// A caller told its repository is slow asks again: its line is queued
	// once per attempt.
	sort.Strings(lines)
	lines = slices.Compact(lines)
	if len(lines) == 1 {
		return lines[0] + "\n"
	}
	return fmt.Sprintf("Aileron: %d changes\n\n%s\n", len(lines), strings.Join(lines, "\n"))
}

func (r *Repo) writeCommit(tree plumbing.Hash, msg string) (plumbing.Hash, error) {
	sig := Author
	sig.When = time.Now()
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree}
	if !r.head.IsZero() {
		c.ParentHashes = []plumbing.Hash{r.head}
	}
	obj := r.repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return r.repo.Storer.SetEncodedObject(obj)
}

func (r *Repo) localRef() plumbing.ReferenceName {
	return plumbing.NewBranchReferenceName(r.branch)
}

// push sends commit to the remote branch with objects, the objects it adds
// to the head the remote had. The pack is built from them alone: a push
// costs what the commit changed, however long the history (go-git's own
// push walks the remote's whole history to find what it lacks). When the
// remote branch is no longer at the head the commit was built on, nothing
// is sent and the push is rejected: the caller rebuilds on the new head.
func (r *Repo) push(commit plumbing.Hash, objects []plumbing.Hash) error {
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(r.localRef(), commit)); err != nil {
		return err
	}
	ctx, cancel := r.remote()
	defer cancel()
	ep, err := transport.NewEndpoint(r.url)
	if err != nil {
		return err
	}
	cl, err := gitclient.NewClient(ep)
	if err != nil {
		return err
	}
	session, err := cl.NewReceivePackSession(ep, r.auth)
	if err != nil {
		return err
	}
	defer session.Close() //nolint:errcheck // the push's outcome is the report's
	adv, err := session.AdvertisedReferencesContext(ctx)
	if err != nil && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return err
	}
	remoteHead := plumbing.ZeroHash
	if adv != nil {
		refs, err := adv.AllReferences()
		if err != nil {
			return err
		}
		if ref, ok := refs[r.localRef()]; ok {
			remoteHead = ref.Hash()
		}
	}
	if remoteHead != r.head {
		return errBranchMoved
	}
	var pack bytes.Buffer
	if _, err := packfile.NewEncoder(&pack, r.repo.Storer, false).Encode(objects, 0); err != nil {
		return fmt.Errorf("packing the commit: %w", err)
	}
	req := packp.NewReferenceUpdateRequest()
	if adv != nil {
		req = packp.NewReferenceUpdateRequestFromCapabilities(adv.Capabilities)
	}
	req.Commands = []*packp.Command{{Name: r.localRef(), Old: r.head, New: commit}}
	req.Packfile = io.NopCloser(&pack)
	report, err := session.ReceivePack(ctx, req)
	if err != nil {
		return err
	}
	if report != nil {
		if err := report.Error(); err != nil {
			return err
		}
	}
	r.pushedObjects = len(objects)
	return r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", r.branch), commit))
}

// errBranchMoved: the remote branch is not where the commit was built.
var errBranchMoved = errors.New("the remote branch moved (fetch first)")

// isRejected tells a push refused because the branch moved from any other
// failure (unreachable, credentials), which retrying cannot fix.
func isRejected(err error) bool {
	msg := err.Error()
	return errors.Is(err, errBranchMoved) || errors.Is(err, git.ErrForceNeeded) || strings.Contains(msg, "non-fast-forward") ||
		strings.Contains(msg, "fetch first") || strings.Contains(msg, "failed to update ref") || strings.Contains(msg, "reference has changed")
}

// fetch brings the remote branch's head and history, within ctx.
func (r *Repo) fetch(ctx context.Context) error {
	remoteRef := plumbing.NewRemoteReferenceName("origin", r.branch)
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", r.localRef(), remoteRef))
	err := r.repo.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}, Auth: r.auth, Force: true})
	switch {
	case errors.Is(err, transport.ErrEmptyRemoteRepository), isNoBranch(err):
		r.head, r.fetched = plumbing.ZeroHash, true
		return nil
	case err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate):
		return fmt.Errorf("fetching %s from %s: %w", r.branch, r.display, err)
	}
	ref, err := r.repo.Reference(remoteRef, true)
	if err != nil {
		return fmt.Errorf("reading %s after fetching %s: %w", r.branch, r.display, err)
	}
	r.head, r.fetched = ref.Hash(), true
	return nil
}

func (r *Repo) fetchBounded() error {
	ctx, cancel := r.remote()
	defer cancel()
	return r.fetch(ctx)
}

func isNoBranch(err error) bool {
	var nm git.NoMatchingRefSpecError
	return err != nil && (errors.As(err, &nm) || strings.Contains(err.Error(), "couldn't find remote ref"))
}

// Contains tells whether revision includes commit: it is commit or a
// descendant of it. Unknown revisions are fetched once. It waits at most
// Patience, for a commit under way or for the fetch.
func (r *Repo) Contains(ctx context.Context, revision, commit string) (bool, error) {
	if revision == commit {
		return true, nil
	}
	if !plumbing.IsHash(revision) || !plumbing.IsHash(commit) {
		return false, nil
	}
	var ok bool
	err := r.read(ctx, revision, func(rev *object.Commit) error {
		c, err := r.repo.CommitObject(plumbing.NewHash(commit))
		if err != nil {
			return nil
		}
		ok, err = c.IsAncestor(rev)
		return err
	})
	return ok, err
}

// File returns the content of path at revision; nil when revision or the
// file is unknown. It waits as Contains does.
func (r *Repo) File(ctx context.Context, revision, path string) ([]byte, error) {
	if !plumbing.IsHash(revision) {
		return nil, nil
	}
	var content []byte
	err := r.read(ctx, revision, func(rev *object.Commit) error {
		f, err := rev.File(path)
		if errors.Is(err, object.ErrFileNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		s, err := f.Contents()
		content = []byte(s)
		return err
	})
	return content, err
}

// read calls f with commit revision, fetched first when it is not known
// (another writer pushed it); f is not called when the remote does not
// have it either. It waits at most Patience for the repository.
func (r *Repo) read(ctx context.Context, revision string, f func(*object.Commit) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.patience)
	defer cancel()
	err := r.readLocked(ctx, revision, f)
	if ctx.Err() != nil {
		err = &SlowError{URL: r.display, For: r.patience}
	}
	return r.secrets.Error(err)
}

func (r *Repo) readLocked(ctx context.Context, revision string, f func(*object.Commit) error) error {
	select {
	case r.repoLock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.repoLock }()
	rev, err := r.repo.CommitObject(plumbing.NewHash(revision))
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		if err := r.fetch(ctx); err != nil {
			return err
		}
		rev, err = r.repo.CommitObject(plumbing.NewHash(revision))
	}
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return f(rev)
}

// editTree returns the tree that is base with files written or removed.
// Only the trees on the changed paths are rewritten; a directory left empty
// disappears, as Git has no empty directories.
func editTree(repo *git.Repository, base plumbing.Hash, files map[string][]byte, written *[]plumbing.Hash) (plumbing.Hash, error) {
	entries := map[string]object.TreeEntry{}
	if !base.IsZero() {
		t, err := repo.TreeObject(base)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		for _, e := range t.Entries {
			entries[e.Name] = e
		}
	}
	sub := map[string]map[string][]byte{}
	for p, content := range files {
		dir, rest, nested := strings.Cut(p, "/")
		if nested {
			if sub[dir] == nil {
				sub[dir] = map[string][]byte{}
			}
			sub[dir][rest] = content
			continue
		}
		if content == nil {
			delete(entries, p)
			continue
		}
		blob := repo.Storer.NewEncodedObject()
		blob.SetType(plumbing.BlobObject)
		w, err := blob.Writer()
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if _, err := w.Write(content); err != nil {
			return plumbing.ZeroHash, err
		}
		if err := w.Close(); err != nil {
			return plumbing.ZeroHash, err
		}
		h, err := repo.Storer.SetEncodedObject(blob)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		*written = append(*written, h)
		entries[p] = object.TreeEntry{Name: p, Mode: filemode.Regular, Hash: h}
	}
	for dir, changes := range sub {
		old := plumbing.ZeroHash
		if e, ok := entries[dir]; ok && e.Mode == filemode.Dir {
			old = e.Hash
		}
		h, err := editTree(repo, old, changes, written)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if h.IsZero() {
			delete(entries, dir)
		} else {
			entries[dir] = object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h}
		}
	}
	if len(entries) == 0 {
		return plumbing.ZeroHash, nil
	}
	list := make([]object.TreeEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	// Git orders entries by name, a directory as if it ended in "/".
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
	return writeTree(repo, list, written)
}

func writeTree(repo *git.Repository, list []object.TreeEntry, written *[]plumbing.Hash) (plumbing.Hash, error) {
	tree := &object.Tree{Entries: list}
	obj := repo.Storer.NewEncodedObject()
	if err := tree.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := repo.Storer.SetEncodedObject(obj)
	if err == nil {
		*written = append(*written, h)
	}
	return h, err
}
