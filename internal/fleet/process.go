package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one binary of the fleet, run as a child of the test (or demo)
// process. It is started in its own process group and is sent SIGKILL if
// its parent dies, so an aborted test leaves nothing behind.
type process struct {
	name string
	path string
	args []string
	// env is added to the test process's environment.
	env     []string
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
}

func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is already running", p.name)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(logFile, "==== %s starting at %s: %s %s\n", p.name, time.Now().Format(time.RFC3339), p.path, strings.Join(p.args, " "))
	cmd := exec.Command(p.path, p.args...)
	if len(p.env) > 0 {
		cmd.Env = append(os.Environ(), p.env...)
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.exitErr = cmd, done, nil
	go func() {
		err := cmd.Wait()
		_ = logFile.Close()
		p.mu.Lock()
		p.exitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// exited reports whether the process has ended by itself, and how.
func (p *process) exited() (bool, error) {
	p.mu.Lock()
	done, err := p.done, p.exitErr
	p.mu.Unlock()
	if done == nil {
		return true, nil
	}
	select {
	case <-done:
		p.mu.Lock()
		err = p.exitErr
		p.mu.Unlock()
		return true, err
	default:
		return false, err
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// kill ends the process at once, as a crash would.
func (p *process) kill() {
	p.stop(0)
}

func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// logTail returns the end of the process's log, for error messages.
func (p *process) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	const keep = 3000
	if len(data) > keep {
		data = data[len(data)-keep:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

// freePort returns a loopback port that nothing listens on, chosen at
// random below the kernel's ephemeral range. The kernel's own choice
// (listening on port 0) comes from that range, which is also where every
// outgoing connection on the machine takes its local port: between choosing
// a port and the fleet's process binding it, a connection of any test
// running beside it could take it. Below the range only another fleet
// choosing at the same moment can, which onFreshPorts covers. A port is never handed out twice by one test process.
func freePort() (int, error) {
	ports.mu.Lock()
	defer ports.mu.Unlock()
	if ports.given == nil {
		ports.given = map[int]bool{}
		ports.low, ports.high = 10000, ephemeralLow()
	}
	for range 1000 {
		port := ports.low + rand.IntN(ports.high-ports.low)
		if ports.given[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		_ = l.Close()
		ports.given[port] = true
		return port, nil
	}
	return 0, errors.New("no free loopback port below the ephemeral range")
}

var ports struct {
	mu        sync.Mutex
	given     map[int]bool
	low, high int
}

// ephemeralLow is the lowest port the kernel gives outgoing connections;
// 32768 when it cannot be read.
func ephemeralLow() int {
	const fallback = 32768
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallback
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return fallback
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= 11000 {
		return fallback
	}
	return low
}

// onFreshPorts runs start, which chooses its ports and starts what binds
// them, and runs it again, twice at most, while it fails because one of
// those ports was taken before it was bound (taken); undo stops what the
// failed attempt left running.
func onFreshPorts(start func() error, taken func() bool, undo func()) error {
	var err error
	for range 3 {
		if err = start(); err == nil || !taken() {
			return err
		}
		undo()
	}
	return err
}

// portTaken tells whether p ended because its port was taken.
func (p *process) portTaken() bool {
	if exited, _ := p.exited(); !exited {
		return false
	}
	return strings.Contains(p.logTail(), "address already in use")
}
