package demo_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemo runs `aileron dev` as a user would: it must reach Ready for
// every sample, serve the hub it prints, and on Ctrl-C stop every process
// it started.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole local platform")
	}
	bin := filepath.Join(t.TempDir(), "aileron")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/aileron").CombinedOutput(); err != nil {
		t.Fatalf("building aileron: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dashboard := freeAddr(t)
	cmd := exec.CommandContext(ctx, bin, "dev", "--dashboard-address", dashboard)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()

	kubeconfig := regexp.MustCompile(`export KUBECONFIG=(\S+)`)
	var hubKubeconfig string
	var output strings.Builder
	for hubKubeconfig == "" {
		line, ok := <-lines
		if !ok {
			t.Fatalf("aileron dev exited before it was Ready:\n%s", output.String())
		}
		output.WriteString(line + "\n")
		if m := kubeconfig.FindStringSubmatch(line); m != nil {
			hubKubeconfig = m[1]
		}
	}
	t.Logf("Ready after %s", time.Since(start).Round(time.Second))
	if !strings.Contains(output.String(), "everything is Ready") {
		t.Fatalf("no Ready line:\n%s", output.String())
	}

	status, err := exec.Command(bin, "--kubeconfig", hubKubeconfig, "status", "-n", "acme").CombinedOutput()
	if err != nil {
		t.Fatalf("aileron status against the demo hub: %v\n%s", err, status)
	}
	for _, c := range []string{"api", "web", "worker", "nightly-report"} {
		if !regexp.MustCompile(`(?m)^` + c + `\s+development\s+\S+\s+1/1`).Match(status) {
			t.Errorf("%s is not running 1/1 in development:\n%s", c, status)
		}
	}

	if !strings.Contains(output.String(), "The dashboard is at http://"+dashboard+"/") {
		t.Errorf("the demo does not print its dashboard's address:\n%s", output.String())
	}
	resp, err := http.Get("http://" + dashboard + "/")
	if err != nil {
		t.Fatalf("the dashboard does not answer: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, plane := range []string{"eu-1", "na-1", "asia-1", "builder", "observer"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="plane-`+plane+`"`) {
			t.Errorf("the dashboard's fleet page (%s) does not show plane %s", resp.Status, plane)
		}
	}

	fleetDir := filepath.Dir(filepath.Dir(hubKubeconfig))
	if len(processesMentioning(fleetDir)) == 0 {
		t.Fatalf("found no process of the fleet in %s: the check below would prove nothing", fleetDir)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for line := range lines {
		output.WriteString(line + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("aileron dev did not exit cleanly on interrupt: %v", err)
	}
	if left := processesMentioning(fleetDir); len(left) > 0 {
		t.Fatalf("processes still running after the demo stopped: %v", left)
	}
	if _, err := os.Stat(fleetDir); !os.IsNotExist(err) {
		t.Errorf("the demo left its directory %s behind", fleetDir)
	}
}

// processesMentioning lists the command lines of running processes whose
// arguments contain s.
func processesMentioning(s string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			continue
		}
		if cmdline := strings.ReplaceAll(string(b), "\x00", " "); strings.Contains(cmdline, s) {
			out = append(out, cmdline)
		}
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() //nolint:errcheck // only reserving a port number
	return l.Addr().String()
}
