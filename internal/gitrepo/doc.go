// Package gitrepo is Aileron's Git: a repository that batches the changes
// of many callers into commits and pushes them with a deadline (Repo), the
// credentials it authenticates with, the redaction of those credentials
// from every error, and ls-remote. It knows nothing of what the files
// mean: internal/delivery/gitops lays out Argo CD's directories in it, and
// build sources resolve revisions with it.
package gitrepo
