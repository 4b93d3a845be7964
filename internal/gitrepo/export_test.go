package gitrepo

import "time"

// SetTimeouts shortens a repository's OperationTimeout and Patience.
func SetTimeouts(r *Repo, timeout, patience time.Duration) {
	r.timeout, r.patience = timeout, patience
}
