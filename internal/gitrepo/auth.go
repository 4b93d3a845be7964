package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"net"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Keys of a repository credentials Secret.
const (
	SecretKeyUsername      = "username"
	SecretKeyPassword      = "password"
	SecretKeySSHPrivateKey = "sshPrivateKey"
	SecretKeySSHKnownHosts = "sshKnownHosts"
)

// Credentials authenticate to a repository: an HTTPS token (Password, with
// an optional Username) or an SSH key with the server's known host keys.
// The zero value is no authentication.
type Credentials struct {
	Username, Password string
	SSHPrivateKey      []byte
	SSHKnownHosts      []byte
}

// CredentialsFromSecret reads the documented keys of a credentials Secret.
func CredentialsFromSecret(data map[string][]byte) (Credentials, error) {
	c := Credentials{
		Username: string(data[SecretKeyUsername]), Password: string(data[SecretKeyPassword]),
		SSHPrivateKey: data[SecretKeySSHPrivateKey], SSHKnownHosts: data[SecretKeySSHKnownHosts],
	}
	switch {
	case c.Password != "" && len(c.SSHPrivateKey) > 0:
		return c, errors.New("the credentials Secret has both a password and an SSH key: keep one")
	case len(c.SSHPrivateKey) > 0 && len(c.SSHKnownHosts) == 0:
		return c, errors.New("the credentials Secret has an SSH key but no sshKnownHosts: add the server's host keys (ssh-keyscan) so the server is verified")
	case c.Password == "" && len(c.SSHPrivateKey) == 0 && (c.Username != "" || len(c.SSHKnownHosts) > 0):
		return c, errors.New("the credentials Secret has neither a password nor an sshPrivateKey")
	}
	return c, nil
}

// authMethod turns credentials into go-git's transport authentication.
func (c Credentials) authMethod() (transport.AuthMethod, error) {
	switch {
	case c.Password != "":
		user := c.Username
		if user == "" {
			// Token-based hosts accept any non-empty user name.
			user = "git"
		}
		return &githttp.BasicAuth{Username: user, Password: c.Password}, nil
	case len(c.SSHPrivateKey) > 0:
		keys, err := gitssh.NewPublicKeys("git", c.SSHPrivateKey, "")
		if err != nil {
			return nil, fmt.Errorf("reading the SSH private key: %w", err)
		}
		cb, err := knownHostsCallback(c.SSHKnownHosts)
		if err != nil {
			return nil, err
		}
		keys.HostKeyCallback = cb
		return keys, nil
	}
	return nil, nil
}

// knownHostsCallback accepts a server only if it presents one of the keys
// of the known_hosts content. Host patterns are not matched: the Secret
// belongs to one repository.
func knownHostsCallback(content []byte) (gossh.HostKeyCallback, error) {
	var keys []gossh.PublicKey
	rest := content
	for len(bytes.TrimSpace(rest)) > 0 {
		_, _, key, _, next, err := gossh.ParseKnownHosts(rest)
		if err != nil {
			return nil, fmt.Errorf("reading sshKnownHosts: %w", err)
		}
		keys = append(keys, key)
		rest = next
	}
	if len(keys) == 0 {
		return nil, errors.New("sshKnownHosts holds no host key")
	}
	return func(host string, _ net.Addr, key gossh.PublicKey) error {
		for _, k := range keys {
			if bytes.Equal(k.Marshal(), key.Marshal()) {
				return nil
			}
		}
		return fmt.Errorf("the host key of %s is not in sshKnownHosts", host)
	}, nil
}
