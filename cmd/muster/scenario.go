package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/untrusted"
	"github.com/muster-ir/muster/scenarios"
)

func newScenarioCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "Tabletop scenarios: list the library, show one, lint files, record one from an incident",
		Long: `Scenarios are versioned TOML files (see README, "Scenario (TOML)") that muster drill
plays against a runbook. muster embeds a library; files in <data dir>/scenarios add to
it, and a file with the id of an embedded scenario replaces it.`,
		GroupID: "prepare",
	}
	cmd.AddCommand(newScenarioListCmd(g), newScenarioShowCmd(g), newScenarioCopyCmd(g), newScenarioLintCmd(g), newScenarioFromIncidentCmd(g), newScenarioMSELCmd(g))
	return cmd
}

// ScenarioDir is the user's scenario directory.
func (g *globals) ScenarioDir() string { return filepath.Join(g.DataDir, "scenarios") }

// scenarioEnv is what scenarios are checked against: the runbook library and the
// policy in force.
func (g *globals) scenarioEnv() (scenarios.Env, *runbook.Library, error) {
	pol, err := g.loadPolicy()
	if err != nil {
		return scenarios.Env{}, nil, err
	}
	lib := g.loadLibrary(pol)
	return scenarios.Env{Runbooks: lib, Policy: pol}, lib, nil
}

// loadScenarios loads the embedded scenarios and the user's directory; problems in
// user files are warnings.
func (g *globals) loadScenarios(env scenarios.Env) *scenarios.Library {
	lib, problems := scenarios.LoadLibrary(g.ScenarioDir(), env)
	for _, p := range problems {
		fmt.Fprintln(g.Stderr, "warning: "+p.String())
	}
	return lib
}

// resolveScenario finds a scenario by library id or file path.
func (g *globals) resolveScenario(arg string, env scenarios.Env) (*scenarios.Scenario, error) {
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".toml") || fileExists(arg) {
		sc, problems := scenarios.LoadFile(arg, env)
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(g.Stderr, p.String())
			}
			return nil, &exitError{code: 2, err: fmt.Errorf("scenario %s has %s", arg, plural(len(problems), "problem"))}
		}
		return sc, nil
	}
	lib := g.loadScenarios(env)
	sc, ok := lib.Get(arg)
	if !ok {
		return nil, usageError("no scenario %q (known: %s)", arg, strings.Join(lib.IDs(), ", "))
	}
	return sc, nil
}

type scenarioListOptions struct {
	Format string
}

func newScenarioListCmd(g *globals) *cobra.Command {
	var o scenarioListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the scenarios: id, version, title, runbook and planned duration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenarioList(g, o)
		},
	}
	addFormatFlag(cmd, &o.Format, "table", "json")
	return cmd
}

// scenarioJSON is one line of `muster scenario list --format json`.
type scenarioJSON struct {
	ID              string `json:"id"`
	Version         string `json:"version"`
	Title           string `json:"title"`
	Runbook         string `json:"runbook"`
	RunbookVersion  string `json:"runbook_version"`
	Severity        string `json:"severity"`
	PlannedDuration string `json:"planned_duration"`
	PlannedSeconds  int64  `json:"planned_seconds"`
	Injects         int    `json:"injects"`
	Expectations    int    `json:"expectations"`
	Objectives      int    `json:"objectives"`
	Source          string `json:"source"`
	Digest          string `json:"digest"`
}

func runScenarioList(g *globals, o scenarioListOptions) error {
	env, _, err := g.scenarioEnv()
	if err != nil {
		return err
	}
	lib := g.loadScenarios(env)
	if o.Format == "json" {
		out := []scenarioJSON{}
		for _, s := range lib.List() {
			out = append(out, scenarioJSON{ID: s.ID, Version: s.Version.String(), Title: s.Title, Runbook: s.Runbook.ID,
				RunbookVersion: s.Runbook.Version.String(), Severity: s.Severity, PlannedDuration: runbook.FormatDuration(s.PlannedDuration),
				PlannedSeconds: int64(s.PlannedDuration.Seconds()), Injects: len(s.Injects), Expectations: s.ExpectationCount(),
				Objectives: len(s.Objectives), Source: untrusted.Line(s.Source), Digest: s.Digest})
		}
		return writeJSON(g.Stdout, out)
	}
	tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tRUNBOOK\tPLANNED\tTITLE")
	for _, s := range lib.List() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Version, s.Runbook.ID, runbook.FormatDuration(s.PlannedDuration), s.Title)
	}
	return tw.Flush()
}

type scenarioShowOptions struct {
	Arg  string
	TOML bool
}

func newScenarioShowCmd(g *globals) *cobra.Command {
	var o scenarioShowOptions
	cmd := &cobra.Command{
		Use:   "show ID|FILE",
		Short: "Print a scenario for the facilitator: objectives, modules, injects with their timing, notes and expectations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Arg = args[0]
			return runScenarioShow(g, o)
		},
	}
	cmd.Flags().BoolVar(&o.TOML, "toml", false, "print the scenario's TOML instead, to copy into your scenario directory and adapt")
	return cmd
}

func runScenarioShow(g *globals, o scenarioShowOptions) error {
	env, _, err := g.scenarioEnv()
	if err != nil {
		return err
	}
	sc, err := g.resolveScenario(o.Arg, env)
	if err != nil {
		return err
	}
	if o.TOML {
		_, err := g.Stdout.Write(sc.Raw)
		return err
	}
	renderScenario(g.Stdout, sc)
	return nil
}

func renderScenario(w io.Writer, s *scenarios.Scenario) {
	fmt.Fprintf(w, "%s %s — %s\n", s.ID, s.Version, s.Title)
	fmt.Fprintf(w, "runbook %s %s · starts at %s · planned %s · story starts %s · %s\n", s.Runbook.ID, s.Runbook.Version, s.Severity,
		runbook.FormatDuration(s.PlannedDuration), s.StoryStart.Format("2006-01-02 15:04 -07:00"), s.ExerciseType)
	if s.ContainWithin > 0 {
		fmt.Fprintf(w, "containment target %s\n", runbook.FormatDuration(s.ContainWithin))
	}
	fmt.Fprintf(w, "source %s (sha256 %s)\n", untrusted.Line(s.Source), s.Digest[:12])
	if s.Origin != nil && s.Origin.Kind == "recorded" {
		red := ""
		if s.Origin.Redacted {
			red = ", redacted"
		}
		fmt.Fprintf(w, "recorded from incident %s%s\n", s.Origin.Incident, red)
	}
	fmt.Fprintln(w)
	writeIndented(w, s.Summary, "")
	if s.Threat != "" {
		fmt.Fprintf(w, "\nthreat: %s\n", s.Threat)
	}
	fmt.Fprintln(w, "\nOBJECTIVES")
	for _, o := range s.Objectives {
		fmt.Fprintf(w, "  %s — %s [%s]\n", o.ID, o.Text, o.Capability)
		for _, t := range o.Targets {
			fmt.Fprintf(w, "      target: %s\n", t)
		}
		for _, t := range o.Tasks {
			fmt.Fprintf(w, "      critical task %s: %s\n", t.ID, t.Text)
		}
	}
	if len(s.Roles) > 0 {
		fmt.Fprintln(w, "\nROLES")
		for _, r := range s.Roles {
			fmt.Fprintf(w, "  %s — %s (%s)\n", r.ID, r.Name, r.Kind)
		}
	}
	if len(s.Modules) > 0 {
		fmt.Fprintln(w, "\nMODULES")
		for _, m := range s.Modules {
			phase := ""
			if m.Phase != "" {
				phase = " (" + string(m.Phase) + ")"
			}
			fmt.Fprintf(w, "  %s — %s%s\n", m.ID, m.Title, phase)
			for _, q := range m.Questions {
				fmt.Fprintf(w, "      ? %s\n", q)
			}
		}
	}
	fmt.Fprintln(w, "\nINJECTS (facilitator's view: notes and expectations are not for players)")
	for _, in := range s.Injects {
		pool := ""
		if in.Pool != "" {
			pool = " [pool " + in.Pool + "]"
		}
		fmt.Fprintf(w, "  %s  %s: %s from %s — %s%s\n", in.DescribeTiming(), in.ID, strings.ToUpper(in.Channel), in.From, in.Title, pool)
		if in.Notes != "" {
			writeIndented(w, "notes: "+in.Notes, "      ")
		}
		if d := in.Decision; d != nil {
			fmt.Fprintf(w, "      decision: %s (default %s after %s)\n", d.Prompt, d.Default, runbook.FormatDuration(d.Timeout))
			for _, o := range d.Options {
				to := ""
				if o.Goto != "" {
					to = fmt.Sprintf(" → %s after %s", o.Goto, runbook.FormatDuration(o.Delay))
				}
				fmt.Fprintf(w, "        %s: %s%s (%s)\n", o.ID, o.Label, to, plural(o.Points, "point"))
			}
		}
		for _, x := range in.Expects {
			task := ""
			if x.Task != "" {
				task = ", task " + x.Task
			}
			fmt.Fprintf(w, "      expects %s: %s within %s (%s, objective %s%s)\n", x.ID, x.Text, runbook.FormatDuration(x.Within), plural(x.Points, "point"), x.Objective, task)
		}
	}
	for _, p := range s.Pools {
		var members []string
		for i, m := range p.Members {
			if p.Weights != nil {
				m += fmt.Sprintf(" (weight %d)", p.Weights[i])
			}
			members = append(members, m)
		}
		fmt.Fprintf(w, "  pool %s draws one of: %s\n", p.ID, strings.Join(members, ", "))
	}
	if len(s.HotWash) > 0 {
		fmt.Fprintln(w, "\nHOT WASH (asked of every participant at the end)")
		for i, q := range s.HotWash {
			fmt.Fprintf(w, "  %d. %s\n", i+1, q)
		}
	}
}

func newScenarioLintCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "lint FILE|DIR...",
		Short: "Check scenario files; print every problem as file:line:col (exit 1 if any)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenarioLint(g, args)
		},
	}
}

func runScenarioLint(g *globals, args []string) error {
	env, _, err := g.scenarioEnv()
	if err != nil {
		return err
	}
	return lintFiles(g, args, "scenario", func(path string) (string, scenarios.Problems) {
		sc, ps := scenarios.LoadFile(path, env)
		if sc == nil {
			return "", ps
		}
		return sc.ID, ps
	})
}

type fromIncidentOptions struct {
	ID     string
	Redact bool
}

func newScenarioFromIncidentCmd(g *globals) *cobra.Command {
	var o fromIncidentOptions
	cmd := &cobra.Command{
		Use:   "from-incident ID [--redact]",
		Short: "Turn a closed incident into a scenario (TOML on standard output) to replay it as a drill",
		Long: `Turn a closed real incident into a scenario, printed as TOML: the notes the responders
wrote become injects at their original times, and every action they took (a step done,
evidence, an escalation, a notice, a severity change, a backup check) becomes an
expectation whose deadline is the time they took: the bar for the team to beat. The
original timeline is kept, so the drill's report shows the team's beside it.

--redact replaces people's names with "responder N" and free text (title, notes,
messages, file names) with placeholders; step ids, severities, times and the runbook's
roles and audiences stay.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			return runScenarioFromIncident(g, o)
		},
	}
	cmd.Flags().BoolVar(&o.Redact, "redact", false, "replace names and free text")
	return cmd
}

func runScenarioFromIncident(g *globals, o fromIncidentOptions) error {
	v, err := g.store().Load(o.ID)
	if err != nil {
		return commandError(err)
	}
	data, err := scenarios.FromIncident(v, scenarios.FromOptions{Redact: o.Redact})
	if err != nil {
		return commandError(err)
	}
	_, err = g.Stdout.Write(data)
	return err
}

func newScenarioMSELCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "msel ID|FILE [--format csv|md]",
		Short: "Print the master scenario events list (MSEL): every inject, when, from whom, to whom, what the players should do",
		Long: `Print the master scenario events list, for a facilitator who runs the exercise on
paper: one row per inject in the order a drill can deliver them (a relative inject or a
branch at the earliest it can fire, with what it waits for), its story time, module,
sender, addressees, channel, title and message, the expected player actions with their
deadlines, the decision with its options and default, its random pool, the objectives it
rates and the facilitator's notes. CSV (for a spreadsheet) or Markdown.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, _, err := g.scenarioEnv()
			if err != nil {
				return err
			}
			sc, err := g.resolveScenario(args[0], env)
			if err != nil {
				return err
			}
			if format == "csv" {
				_, err = g.Stdout.Write(scenarios.MSELCSV(sc))
			} else {
				_, err = g.Stdout.Write(scenarios.MSELMarkdown(sc))
			}
			return err
		},
	}
	addFormatFlag(cmd, &format, "md", "csv")
	return cmd
}
