package builds

import (
	"strings"
	"testing"
)

func TestSchemeRefusal(t *testing.T) {
	for url, allowed := range map[string]bool{
		"https://git.acme.example/shop/api.git":   true,
		"HTTPS://git.acme.example/shop/api.git":   true,
		"ssh://git@git.acme.example/shop/api.git": true,
		"git@git.acme.example:shop/api.git":       true,
		"http://10.0.0.1:8080/internal":           false,
		"git://git.acme.example/shop/api.git":     false,
		"file:///var/run/secrets/repo.git":        false,
		"/var/lib/repo.git":                       false,
	} {
		got := SchemeRefusal(url, DefaultSchemes)
		if (got == "") != allowed {
			t.Errorf("%s: refusal %q, want allowed=%v", url, got, allowed)
		}
		if !allowed && !strings.Contains(got, "it allows https, ssh; the manager's --build-source-schemes") {
			t.Errorf("%s: the refusal does not say what is allowed: %q", url, got)
		}
	}
	if got := SchemeRefusal("file:///srv/git/api.git", []string{"https", "ssh", "file"}); got != "" {
		t.Errorf("file allowed by the manager is refused: %q", got)
	}
	if got := SchemeRefusal("http://user:s3cret@10.0.0.1/x.git", DefaultSchemes); strings.Contains(got, "s3cret") {
		t.Errorf("the refusal quotes the password: %q", got)
	}
}

// TestRedactURL: Git's messages quote the URL as it was given, or only
// part of it, escaped or not; none of the forms may carry a credential out.
func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ url, message, secret string }{
		{"https://bot:p%40ss@git.acme.example/a.git",
			`Get "https://bot:p%40ss@git.acme.example/a.git/info/refs?service=git-upload-pack": dial tcp: lookup git.acme.example: no such host`, "p%40ss"},
		{"https://bot:p%40ss@git.acme.example/a.git", "authentication failed for bot:p@ss", "p@ss"},
		{"https://ghp_0123456789abcdef@github.com/acme/a.git", "remote: Invalid username or token ghp_0123456789abcdef", "ghp_0123456789abcdef"},
		{"https://ghp_0123456789abcdef@github.com/acme/a.git", `Get "https://ghp_0123456789abcdef@github.com/acme/a.git/info/refs": EOF`, "ghp_0123456789abcdef"},
	} {
		got := RedactURL(tc.message, tc.url)
		if strings.Contains(got, tc.secret) {
			t.Errorf("%q still holds %s", got, tc.secret)
		}
		if !strings.Contains(got, "redacted") {
			t.Errorf("%q does not say what was redacted", got)
		}
	}
	if got := RedactURL("repository not found", "ssh://git@git.acme.example/a.git"); got != "repository not found" {
		t.Errorf("nothing to redact, got %q", got)
	}
}
