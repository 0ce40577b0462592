package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestHelpTextSaysOneThing: every command's help (usage line, flags, long text) is read
// the way a newcomer reads it: no Go time layout where an example belongs, no "(s)"
// plural hedges, a flag's default said once, and every flag of the command in a usage
// line that lists flags.
func TestHelpTextSaysOneThing(t *testing.T) {
	root := newRootCmd(&globals{})
	root.InitDefaultCompletionCmd()
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			visit(sub)
		}
		help := c.UsageString() + c.Long
		path := c.CommandPath()
		for _, bad := range []string{"2006-01-02", "15:04 UTC", "(s)"} {
			if strings.Contains(help, bad) {
				t.Errorf("%s --help says %q", path, bad)
			}
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "(default") && f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
				t.Errorf("%s --%s: the usage names a default and pflag adds (default %q)", path, f.Name, f.DefValue)
			}
		})
		// A usage line that lists flags lists them all.
		if strings.Contains(c.Use, " [--") {
			c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				if f.Name != "help" && !f.Hidden && !strings.Contains(c.Use, "--"+f.Name) {
					t.Errorf("%s: the usage line %q lacks --%s", path, c.Use, f.Name)
				}
			})
		}
	}
	visit(root)

	c := newCLI(t)
	if out := c.ok("runbook", "diff", "--help"); !strings.Contains(out, "2 when a\nrunbook cannot be loaded") {
		t.Errorf("runbook diff --help does not name exit 2:\n%s", out)
	}
}
