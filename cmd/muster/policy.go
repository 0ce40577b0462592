package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
)

func newPolicyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "policy",
		Short:   "Severity policies: levels, SLA targets and the business calendar",
		GroupID: "prepare",
	}
	cmd.AddCommand(newPolicyCopyCmd(g))
	cmd.AddCommand(&cobra.Command{
		Use:   "show [FILE|PRESET]",
		Short: "Print the SLA matrix of a policy (default: the policy in force)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pol *runbook.Policy
			var err error
			if len(args) == 1 {
				var problems runbook.Problems
				pol, problems = runbook.LoadPolicy(args[0])
				if len(problems) > 0 {
					for _, p := range problems {
						fmt.Fprintln(g.Stderr, p.String())
					}
					// Nothing to show: the command could not do its job.
					return &exitError{code: 2, err: fmt.Errorf("the policy %s has %s", args[0], plural(len(problems), "problem"))}
				}
			} else if pol, err = g.loadPolicy(); err != nil {
				return err
			}
			return printPolicy(g, pol)
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List the built-in policy presets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PRESET\tLEVELS\tTITLE")
			for _, n := range runbook.PresetNames() {
				p, _ := runbook.Preset(n)
				def := ""
				if n == runbook.DefaultPresetName {
					def = " (default)"
				}
				fmt.Fprintf(tw, "%s%s\t%s\t%s\n", n, def, strings.Join(p.LevelNames(), ", "), p.Title)
			}
			return tw.Flush()
		},
	}, &cobra.Command{
		Use:   "export PRESET",
		Short: "Print a preset's TOML, to copy into <data dir>/policy.toml and adapt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, ok := runbook.PresetSource(args[0])
			if !ok {
				return usageError("no preset %q (known: %s)", args[0], strings.Join(runbook.PresetNames(), ", "))
			}
			_, err := g.Stdout.Write(b)
			return err
		},
	}, &cobra.Command{
		Use:   "lint FILE|DIR...",
		Short: "Check policy files; every problem as path:line:col: message (exit 1 if any)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return lintFiles(g, args, "policy", func(path string) (string, runbook.Problems) {
				_, problems := runbook.LoadPolicy(path)
				return "", problems
			})
		},
	})
	return cmd
}

func printPolicy(g *globals, p *runbook.Policy) error {
	w := g.Stdout
	fmt.Fprintf(w, "%s — %s (%s)\n", p.Name, p.Title, p.Source)
	if c := p.Calendar; c != nil {
		zone := c.TimeZone
		if p.LocalZone {
			zone += " (this machine's time zone: time_zone = \"local\")"
		}
		fmt.Fprintf(w, "business hours: %s %s, %s", c.Hours(), zone, strings.Join(c.WorkingDays(), " "))
		if len(c.Holidays) > 0 {
			var hs []string
			for _, h := range c.Holidays {
				hs = append(hs, h.Format("2006-01-02"))
			}
			fmt.Fprintf(w, "; holidays %s", strings.Join(hs, ", "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tLEVEL\tRESPOND WITHIN\tRESOLVE WITHIN\tCLOCK\tMEANING")
	for _, l := range p.Levels {
		clock := "24x7"
		if l.Clock == runbook.Business {
			clock = "business hours"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", l.Rank, l.Name, l.RespondWithin.On(l.Clock), l.ResolveWithin.On(l.Clock), clock, strings.TrimSpace(l.Description))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if line := businessClockLine(p); line != "" {
		fmt.Fprintf(w, "\n%s\n", line)
	}
	escalates := false
	for _, l := range p.Levels {
		if len(l.EscalateTo) > 0 {
			fmt.Fprintf(w, "\n%s escalates at once to: %s", l.Name, strings.Join(l.EscalateTo, " → "))
			escalates = true
		}
	}
	if escalates {
		fmt.Fprintln(w)
	}
	// The examples and the policy's own rules (escalation, notices, evidence): what
	// the embedded runbooks cite when they name a preset.
	examples := false
	for _, l := range p.Levels {
		if len(l.Examples) == 0 {
			continue
		}
		if !examples {
			fmt.Fprintln(w, "\nExamples:")
			examples = true
		}
		fmt.Fprintf(w, "  %s: %s\n", l.Name, strings.Join(l.Examples, "; "))
	}
	if d := strings.TrimSpace(p.Description); d != "" {
		fmt.Fprintf(w, "\n%s\n", d)
	}
	return nil
}

// businessClockLine says what a figure on the business clock means in days, with the
// longest such target of the policy as the example: "72 working hours" is not 3 days.
func businessClockLine(p *runbook.Policy) string {
	c := p.Calendar
	if c == nil || c.DayLength() <= 0 {
		return ""
	}
	var longest time.Duration
	for _, l := range p.Levels {
		for _, t := range []runbook.Target{l.RespondWithin, l.ResolveWithin} {
			if l.Clock == runbook.Business && t.Kind == runbook.Within && t.Duration > longest {
				longest = t.Duration
			}
		}
	}
	if longest == 0 {
		return ""
	}
	days := float64(longest) / float64(c.DayLength())
	return fmt.Sprintf("On the business clock only working time counts (%s %s, %s): a working day has %s, so %s take %s working days.",
		c.Hours(), c.TimeZone, strings.Join(c.WorkingDays(), " "), runbook.Business.Span(c.DayLength()), runbook.Business.Span(longest),
		strconv.FormatFloat(days, 'f', -1, 64))
}
