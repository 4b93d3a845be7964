// Package names derives the names of what Aileron creates (cell
// namespaces, hosts, bindings, Argo CD objects, Sveltos objects, build
// namespaces) from the names users and platform teams chose.
//
// # The scheme
//
// Every derived name is a Join of its parts: the parts in a fixed order,
// separated by "--". The API server admits no name with "--" in it for any
// kind whose name becomes a part (organizations, projects, environments,
// components, planes, stacks), and a DNS label neither starts nor ends
// with "-". So in a joined name every "--" is a separator and nothing
// else: Split recovers the parts, and two different lists of parts never
// join to the same name, whatever their lengths.
//
// A name is a DNS label, so at most 63 characters. A join that would be
// longer than 62 is cut to its first 46 characters and suffixed with "-"
// and 16 hex digits of the SHA-256 of its parts: exactly 63 characters,
// so a shortened name never equals one that was not shortened. Two
// shortened names are equal only if their parts' digests agree in 64 bits,
// which no tenant can arrange on purpose (a second preimage costs about
// 2^64 hashes).
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	// Separator joins the parts of a derived name.
	Separator = "--"
	// MaxLength is the length of a DNS label, and so of a derived name.
	MaxLength = 63
	// maxJoined is the longest name left as it is: a shortened name is
	// always MaxLength long, one more.
	maxJoined = MaxLength - 1
	// digestLength is the hex digits of the digest a shortened name ends with.
	digestLength = 16
	// prefixLength is what a shortened name keeps of the joined parts.
	prefixLength = MaxLength - 1 - digestLength
)

// Join is the derived name of parts (see the package documentation). Each
// part must be a Part: the API server guarantees it for the names users
// choose, and Aileron's own parts are constants that are.
func Join(parts ...string) string {
	full := strings.Join(parts, Separator)
	if len(full) <= maxJoined {
		return full
	}
	// The digest is of the parts, not of the joined name, with a byte no
	// part holds between them.
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return full[:prefixLength] + "-" + hex.EncodeToString(sum[:])[:digestLength]
}

// Shortened tells whether name is a Join that was cut and suffixed with a
// digest, and so cannot be split.
func Shortened(name string) bool {
	return len(name) == MaxLength
}

// Split is the inverse of Join for a name that was not shortened: its
// parts, or false when name is shortened.
func Split(name string) ([]string, bool) {
	if Shortened(name) || name == "" {
		return nil, false
	}
	return strings.Split(name, Separator), true
}

// Part tells whether s may be a part of a derived name: a DNS label
// (lowercase letters, digits and "-", starting and ending with a letter
// or digit, at most 63 characters) with no "--". It is the rule the API
// server applies to the names of Aileron's kinds.
func Part(s string) bool {
	if s == "" || len(s) > MaxLength || strings.Contains(s, Separator) {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}
