// Package builds is what building from source decides, apart from the
// controllers that act on it: which commit a revision names (ls-remote
// references), which repository schemes the hub may fetch, which
// BuildPlane a component builds on, what its BuildRuns are named and which
// of them expire.
package builds
