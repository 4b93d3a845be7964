package gitrepo

import (
	"encoding/base64"
	neturl "net/url"
	"strings"
)

// redacted replaces a credential wherever it would appear.
const redacted = "redacted"

// Redactor removes a repository's credentials from text: the password its
// URL embeds (or the token an HTTP URL gives as its user name) and the
// token or SSH key of its Secret, as they are and in the
// forms a client sends them (URL-escaped, in a basic Authorization
// header). A repository's server is chosen by its tenant and may repeat
// anything it was sent in its error messages (a Git "ERR" line, say),
// which go-git passes on: every error a Repo returns goes through its
// Redactor before it can reach a status, an event or a log.
type Redactor struct {
	secrets []string
}

// NewRedactor is the Redactor of the repository at url with creds.
func NewRedactor(url string, creds Credentials) Redactor {
	var r Redactor
	users := []string{"git", creds.Username}
	var passwords []string
	if u, err := neturl.Parse(url); err == nil && u.User != nil {
		p, hasPassword := u.User.Password()
		switch scheme := strings.ToLower(u.Scheme); {
		case hasPassword:
			users = append(users, u.User.Username())
			passwords = append(passwords, p)
		case (scheme == "http" || scheme == "https") && u.User.Username() != "":
			// A user name alone in an HTTP URL is how Git hosts take a
			// token; it is sent as the user of basic authentication.
			token := u.User.Username()
			r.add(token, neturl.QueryEscape(token), neturl.PathEscape(token), base64.StdEncoding.EncodeToString([]byte(token+":")))
		}
	}
	if creds.Password != "" {
		passwords = append(passwords, creds.Password)
	}
	for _, p := range passwords {
		r.add(p, neturl.QueryEscape(p), neturl.PathEscape(p))
		for _, u := range users {
			r.add(base64.StdEncoding.EncodeToString([]byte(u + ":" + p)))
		}
	}
	// An SSH key is shown line by line if at all: every line of its body.
	for _, line := range strings.Split(string(creds.SSHPrivateKey), "\n") {
		if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			r.add(line)
		}
	}
	return r
}

func (r *Redactor) add(secrets ...string) {
	for _, s := range secrets {
		// Too short a secret would redact ordinary words; such a password
		// is no secret anyway.
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
}

// String is s without any of the credentials.
func (r Redactor) String(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

// Error is err with a message that holds none of the credentials; it
// still unwraps to err, so errors.Is and errors.As see what happened.
func (r Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
