package gitrepo_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aileron-dev/aileron/internal/gitrepo"
	"github.com/aileron-dev/aileron/test/gitserver"
)

// A repository server a tenant chose may answer anything: this one answers
// every request with an error that repeats the request's URL and the
// credentials it was sent. What Aileron reports of it (the error that
// reaches a status, an event or a log) must hold neither the password of
// the URL nor the Secret's token, in any encoding.
func TestGitErrorsNeverShowCredentials(t *testing.T) {
	hostile := gitserver.StartHostile()
	defer hostile.Close()
	const urlSecret, tokenSecret, userToken = "url-secret-6d1f0c", "token-secret-91ab3e", "ghp-user-token-44c2"
	host := strings.TrimPrefix(hostile.URL, "http://")
	for _, tc := range []struct {
		name  string
		url   string
		creds gitrepo.Credentials
	}{
		{"a password in the URL", "http://alice:" + urlSecret + "@" + host + "/shop.git", gitrepo.Credentials{}},
		{"a token in the Secret", "http://" + host + "/shop.git", gitrepo.Credentials{Username: "alice", Password: tokenSecret}},
		{"both", "http://alice:" + urlSecret + "@" + host + "/shop.git", gitrepo.Credentials{Password: tokenSecret}},
		{"a token as the URL's user", "http://" + userToken + "@" + host + "/shop.git", gitrepo.Credentials{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := gitrepo.NewRepo(tc.url, "main", tc.creds)
			if err != nil {
				t.Fatal(err)
			}
			_, commitErr := r.Commit(context.Background(), gitrepo.Change{Files: map[string][]byte{"a.yaml": []byte("a")}, Message: "a"})
			_, containsErr := r.Contains(context.Background(), strings.Repeat("a", 40), strings.Repeat("b", 40))
			for _, err := range []error{commitErr, containsErr} {
				if err == nil {
					t.Fatal("a server that refuses every request was not an error")
				}
				msg := err.Error()
				for _, secret := range []string{urlSecret, tokenSecret, userToken} {
					for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte("alice:" + secret)), base64.StdEncoding.EncodeToString([]byte("git:" + secret)), base64.StdEncoding.EncodeToString([]byte(secret + ":"))} {
						if strings.Contains(msg, form) {
							t.Errorf("the error shows a credential (%q): %s", form, msg)
						}
					}
				}
			}
			t.Log(commitErr)
		})
	}
}
