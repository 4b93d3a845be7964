package gitserver

import (
	"fmt"
	"net"
	"sync"
)

// Stalled is a server that accepts connections and never answers: a Git
// host that hangs, which no error or timeout of its own ends.
type Stalled struct {
	// URL is a repository URL on the server.
	URL string

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// StartStalled starts a stalled server. Close it when done.
func StartStalled() (*Stalled, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Stalled{URL: fmt.Sprintf("http://%s/stalled.git", ln.Addr()), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Held open, never read from or written to.
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
		}
	}()
	return s, nil
}

// Accepted is the number of connections the server has accepted.
func (s *Stalled) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops the server and drops the connections it holds.
func (s *Stalled) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
}
