package planes

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// deadlines gives every request to a plane a deadline, reading its
// response included, except for streams that are meant to stay open:
// watches (their API server ends them, after --min-request-timeout and
// the timeoutSeconds the client asks for), followed logs and upgraded
// connections.
type deadlines struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (d deadlines) RoundTrip(req *http.Request) (*http.Response, error) {
	if isStream(req) {
		return d.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), d.timeout)
	resp, err := d.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// WrappedRoundTripper lets client-go reach the transport underneath, to
// cancel requests and to close idle connections.
func (d deadlines) WrappedRoundTripper() http.RoundTripper { return d.next }

func isStream(req *http.Request) bool {
	q := req.URL.Query()
	return q.Get("watch") == "true" || q.Get("watch") == "1" || q.Get("follow") == "true" ||
		strings.Contains(req.URL.Path, "/watch/") || req.Header.Get("Upgrade") != ""
}

// cancelOnClose ends a request's context when its body is closed: the
// deadline covers reading the body, and nothing outlives the response.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
