package main

import (
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/tui"
)

// runHome opens the TUI home screen. Without a terminal (muster | less, cron) it prints
// the help instead: the TUI needs a screen and keys.
func runHome(cmd *cobra.Command, g *globals) error {
	if !isTerminal(g.Stdin) || !isTerminal(g.Stdout) {
		return cmd.Help()
	}
	deps, err := g.tuiDeps()
	if err != nil {
		return err
	}
	return tui.Run(cmd.Context(), deps, tui.Options{Input: g.Stdin, Output: g.Stdout})
}

// tuiDeps fills what the TUI works with from the global flags. The library's problems
// are not printed (the TUI takes the screen); home shows how many files did not load.
func (g *globals) tuiDeps() (tui.Deps, error) {
	pol, err := g.loadPolicy()
	if err != nil {
		return tui.Deps{}, err
	}
	lib, problems := runbook.LoadLibrary(g.RunbookDir(), pol)
	return tui.Deps{
		Store:           g.store(),
		Library:         lib,
		LibraryProblems: problems,
		Policy:          pol,
		Actor:           g.Actor,
		NoColor:         g.NoColor,
		// RunCheck and LastBackup are nil until the backup package is wired in: the
		// screens then say the check is not available here.
	}, nil
}

// isTerminal reports whether r or w is a terminal.
func isTerminal(f any) bool {
	if f, ok := f.(interface{ Fd() uintptr }); ok {
		return term.IsTerminal(f.Fd())
	}
	return false
}
