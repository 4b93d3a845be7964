package gitrepo

import "time"

// SetTimeouts shortens a repository's OperationTimeout and Patience.
func SetTimeouts(r *Repo, timeout, patience time.Duration) {
	r.timeout, r.patience = timeout, patience
}

// PushedObjects is how many objects the repository's last push sent.
func PushedObjects(r *Repo) int { return r.pushedObjects }
