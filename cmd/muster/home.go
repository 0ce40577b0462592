package main

import "github.com/spf13/cobra"

// runHome opens the TUI home screen. Until the TUI lands it prints the help.
func runHome(cmd *cobra.Command, g *globals) error {
	return cmd.Help()
}
