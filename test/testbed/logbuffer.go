package testbed

import (
	"bytes"
	"sync"
)

// LogBuffer keeps what the in-process manager logs, for tests that search
// it (for credentials that must never appear, say); it is safe for the
// manager's goroutines to write while a test reads.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
