package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasHelpWithExamples walks the command tree.
func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Name() != "help" && c.Name() != "completion" {
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%q has no examples", c.CommandPath())
			}
			if c.Short == "" {
				t.Errorf("%q has no short description", c.CommandPath())
			}
			var out bytes.Buffer
			root := NewRootCommand(&out, &out)
			root.SetArgs(append(strings.Fields(c.CommandPath())[1:], "--help"))
			if err := root.Execute(); err != nil || !strings.Contains(out.String(), "Examples:") {
				t.Errorf("%s --help: %v\n%s", c.CommandPath(), err, out.String())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCommand(&bytes.Buffer{}, &bytes.Buffer{}))
}
