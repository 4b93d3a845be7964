package names

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// The findings that made the scheme: names joined with a single "-" let
// two tenants' names coincide.
func TestTheCollisionsOfSingleHyphens(t *testing.T) {
	for _, tc := range []struct{ a, b []string }{
		{[]string{"acme", "shop-web", "production"}, []string{"acme-shop", "web", "production"}},
		{[]string{"web", "prod-eu"}, []string{"web-prod", "eu"}},
		{[]string{"web", "shop", "production", "acme"}, []string{"web", "shop", "production", "globex"}},
	} {
		if Join(tc.a...) == Join(tc.b...) {
			t.Errorf("Join(%q) = Join(%q) = %q", tc.a, tc.b, Join(tc.a...))
		}
	}
	if got, want := Join("acme", "shop", "production"), "acme--shop--production"; got != want {
		t.Errorf("Join = %q, want %q", got, want)
	}
}

// Every list of parts of up to three parts of up to four characters over
// {a, b, -}: all of them are joined to different names, and each name
// splits back into its parts.
func TestJoinIsInjectiveOnEverySmallList(t *testing.T) {
	var words []string
	var grow func(prefix string)
	grow = func(prefix string) {
		if prefix != "" && Part(prefix) {
			words = append(words, prefix)
		}
		if len(prefix) == 4 {
			return
		}
		for _, c := range "ab-" {
			grow(prefix + string(c))
		}
	}
	grow("")
	seen := map[string][]string{}
	var lists [][]string
	for _, a := range words {
		lists = append(lists, []string{a})
		for _, b := range words {
			lists = append(lists, []string{a, b})
			for _, c := range words {
				lists = append(lists, []string{a, b, c})
			}
		}
	}
	for _, parts := range lists {
		name := Join(parts...)
		if prev, ok := seen[name]; ok {
			t.Fatalf("Join(%q) = Join(%q) = %q", prev, parts, name)
		}
		seen[name] = parts
		back, ok := Split(name)
		if !ok || !slices.Equal(back, parts) {
			t.Fatalf("Split(Join(%q)) = %q, %v", parts, back, ok)
		}
	}
	if len(seen) < 10000 {
		t.Fatalf("only %d lists checked", len(seen))
	}
}

// Long names, shortened with a digest, generated to share long prefixes
// (the part of a shortened name that stays readable): still all
// different, all DNS labels of at most 63 characters.
func TestJoinIsInjectiveOnGeneratedLongNames(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		for {
			n := 1 + rng.IntN(max)
			b := make([]byte, n)
			for i := range b {
				b[i] = "ab0-"[rng.IntN(4)]
			}
			if Part(string(b)) {
				return string(b)
			}
		}
	}
	common := strings.Repeat("a", 30)
	seen := map[string]string{}
	for range 50000 {
		n := 1 + rng.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = word(30)
		}
		if rng.IntN(2) == 0 {
			parts[0] = common
		}
		key := strings.Join(parts, "/")
		name := Join(parts...)
		if prev, ok := seen[name]; ok && prev != key {
			t.Fatalf("Join(%s) = Join(%s) = %q", prev, key, name)
		}
		seen[name] = key
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Fatalf("Join(%s) = %q: %s", key, name, strings.Join(errs, "; "))
		}
		full := strings.Join(parts, Separator)
		if Shortened(name) != (len(full) > maxJoined) {
			t.Fatalf("Join(%s) = %q: shortened %v for a join of %d characters", key, name, Shortened(name), len(full))
		}
		if Shortened(name) && !strings.HasPrefix(name, full[:prefixLength]) {
			t.Fatalf("Join(%s) = %q does not keep the start of %q", key, name, full)
		}
	}
}

func TestPart(t *testing.T) {
	for s, want := range map[string]bool{
		"acme": true, "shop-web": true, "a": true, "0a": true, strings.Repeat("a", 63): true,
		"": false, "a--b": false, "-a": false, "a-": false, "A": false, "a_b": false, "a.b": false, strings.Repeat("a", 64): false,
	} {
		if got := Part(s); got != want {
			t.Errorf("Part(%q) = %v, want %v", s, got, want)
		}
	}
}
