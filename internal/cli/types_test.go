package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/aileron-dev/aileron/internal/cli"
)

// offline runs the aileron command without a cluster.
func offline(args ...string) (string, int) {
	var out, errOut bytes.Buffer
	cmd := cli.NewRootCommand(&out, &errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("error: " + err.Error() + "\n")
	}
	return out.String() + errOut.String(), cli.ExitCode(err)
}

// TestTypesOffline lists and explains the sample type and trait from
// files, with the built-in types beside them.
func TestTypesOffline(t *testing.T) {
	samples := filepath.Join("..", "..", "config", "samples", "types")
	for name, args := range map[string][]string{
		"types-samples":         {"types", "-f", samples},
		"explain-stateful":      {"explain", "StatefulService", "-f", samples},
		"explain-trait":         {"explain", "trait/pod-annotations", "-f", samples},
		"explain-builtin":       {"explain", "Worker", "-f", samples},
		"error-explain-unknown": {"explain", "Queue", "-f", samples},
	} {
		t.Run(name, func(t *testing.T) {
			out, code := offline(args...)
			if want := map[bool]int{true: 1, false: 0}[name == "error-explain-unknown"]; code != want {
				t.Fatalf("exit code %d, want %d:\n%s", code, want, out)
			}
			golden(t, name, out)
		})
	}
}
