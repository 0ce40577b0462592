package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// enumFlag is a string flag with a fixed set of values (a pflag.Value). Set refuses
// anything else, so a bad value fails in flag parsing and exits 2 through the root's
// flag-error path, and the same list is the flag's shell completion.
type enumFlag struct {
	value   *string
	choices []string
}

func (f *enumFlag) String() string { return *f.value }
func (f *enumFlag) Type() string   { return strings.Join(f.choices, "|") }

func (f *enumFlag) Set(v string) error {
	if !slices.Contains(f.choices, v) {
		return fmt.Errorf("want %s", orList(f.choices))
	}
	*f.value = v
	return nil
}

// addEnumFlag binds an enum flag to p with the default def and registers its
// completions. A def of "" leaves the default to the command (help shows none).
func addEnumFlag(cmd *cobra.Command, p *string, name, def, usage string, choices ...string) {
	*p = def
	cmd.Flags().Var(&enumFlag{value: p, choices: choices}, name, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(choices, cobra.ShellCompDirectiveNoFileComp))
}

// addFormatFlag is the --format flag of a command: the first choice is the default.
func addFormatFlag(cmd *cobra.Command, p *string, choices ...string) {
	addEnumFlag(cmd, p, "format", choices[0], "output: "+orList(choices), choices...)
}

// orList joins choices as "a, b or c".
func orList(choices []string) string {
	switch len(choices) {
	case 0:
		return ""
	case 1:
		return choices[0]
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// clock is the one source of "now" for every command; tests replace it.
type clock func() time.Time

// now is the current instant of the command line.
func (g *globals) now() time.Time {
	if g.Clock != nil {
		return g.Clock()
	}
	return time.Now()
}
