package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// A command line that starts with a group's name builds the root and that group only
// (newRootCmdFor): every command of the whole tree must be found there and read, parse
// and help exactly as in the whole tree; anything else gets the whole tree.
func TestPartialTreeIsTheWholeTreesGroup(t *testing.T) {
	whole := newRootCmd(&globals{})
	checked := 0
	walk(whole, func(c *cobra.Command) {
		if c == whole {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		part := newRootCmdFor(&globals{}, append(path, "ARG"))
		if n := len(part.Commands()); n != 1 {
			t.Errorf("%s: the tree for it has %d groups, want 1", c.CommandPath(), n)
		}
		got, _, err := part.Find(path)
		if err != nil || got.CommandPath() != c.CommandPath() {
			t.Errorf("%s: not found in its group's tree (%v)", c.CommandPath(), err)
			return
		}
		if got.UsageString() != c.UsageString() || got.Long != c.Long || got.Short != c.Short || got.Runnable() != c.Runnable() ||
			(got.ValidArgsFunction == nil) != (c.ValidArgsFunction == nil) {
			t.Errorf("%s reads differently in its group's tree:\n%s\nwhole tree:\n%s", c.CommandPath(), got.UsageString(), c.UsageString())
		}
		checked++
	})
	if checked < 60 {
		t.Errorf("only %d commands checked", checked)
	}
	for _, args := range [][]string{nil, {}, {"help", "incident"}, {"__complete", "incident", ""}, {"completion", "bash"}, {"--data-dir", "d", "incident", "show", "X"}, {"incdent", "show"}, {"-h"}} {
		if got, want := len(newRootCmdFor(&globals{}, args).Commands()), len(whole.Commands()); got != want {
			t.Errorf("muster %q: %d top-level commands, want the whole tree's %d", args, got, want)
		}
	}
}

// Help and errors of a group's tree are the whole tree's: an unknown subcommand, the
// group's own help, a command's --help.
func TestPartialTreeHelpAndErrors(t *testing.T) {
	for _, args := range [][]string{{"incident", "shwo", "X"}, {"incident"}, {"incident", "note", "--help"}, {"backup", "check", "--no-such-flag"}, {"version"}} {
		var partOut, partErr, wholeOut, wholeErr bytes.Buffer
		pc := execute(&globals{Stdin: strings.NewReader(""), Stdout: &partOut, Stderr: &partErr}, args)
		// The whole tree, as a flag before the command would get it.
		wc := execute(&globals{Stdin: strings.NewReader(""), Stdout: &wholeOut, Stderr: &wholeErr}, append([]string{"--wait=10s"}, args...))
		if pc != wc || partOut.String() != wholeOut.String() || partErr.String() != wholeErr.String() {
			t.Errorf("muster %q: exit %d, stdout %q, stderr %q; the whole tree: exit %d, stdout %q, stderr %q",
				args, pc, partOut.String(), partErr.String(), wc, wholeOut.String(), wholeErr.String())
		}
	}
}
