package fleet

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestFreePortsAreBelowTheEphemeralRangeAndNeverRepeat(t *testing.T) {
	low := ephemeralLow()
	seen := map[int]bool{}
	for range 200 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if port >= low {
			t.Fatalf("port %d is in the ephemeral range (from %d), where outgoing connections take theirs", port, low)
		}
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		seen[port] = true
	}
}

func TestPortTakenReadsWhyAProcessEnded(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         bool
	}{
		{"port taken", `echo 'listen tcp 127.0.0.1:4000: bind: address already in use' >&2; exit 1`, true},
		{"other failure", `echo 'no such flag' >&2; exit 1`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &process{name: "sh", path: "/bin/sh", args: []string{"-c", tc.script}, logPath: filepath.Join(t.TempDir(), "log")}
			if err := p.start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for exited, _ := p.exited(); !exited; exited, _ = p.exited() {
				if time.Now().After(deadline) {
					t.Fatal("the process did not end")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if got := p.portTaken(); got != tc.want {
				t.Fatalf("portTaken() = %v, want %v; log:\n%s", got, tc.want, p.logTail())
			}
		})
	}
	running := &process{name: "sleep", path: "/bin/sh", args: []string{"-c", "sleep 30"}, logPath: filepath.Join(t.TempDir(), "log")}
	if err := running.start(); err != nil {
		t.Fatal(err)
	}
	defer running.kill()
	if running.portTaken() {
		t.Fatal("a running process's port is not taken")
	}
}

func TestOnFreshPortsRetriesOnlyATakenPort(t *testing.T) {
	errStart := errors.New("did not start")
	for _, tc := range []struct {
		name                  string
		failures              int  // attempts that fail before one succeeds
		taken                 bool // whether a failure was a taken port
		wantStarts, wantUndos int
		wantErr               bool
	}{
		{"first attempt", 0, true, 1, 0, false},
		{"a taken port, then fresh ones", 2, true, 3, 2, false},
		{"always taken: three attempts", 5, true, 3, 3, true},
		{"another failure is not retried", 5, false, 1, 0, true},
	} {
		starts, undos := 0, 0
		err := onFreshPorts(func() error {
			starts++
			if starts <= tc.failures {
				return errStart
			}
			return nil
		}, func() bool { return tc.taken }, func() { undos++ })
		if starts != tc.wantStarts || undos != tc.wantUndos || (err != nil) != tc.wantErr {
			t.Errorf("%s: %d starts, %d undos, error %v; want %d, %d, error %v", tc.name, starts, undos, err, tc.wantStarts, tc.wantUndos, tc.wantErr)
		}
	}
}
