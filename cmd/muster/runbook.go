package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/backup"
	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// embeddedPrefix names muster's built-in runbook even when a user file overrides it:
// `muster runbook diff embedded:data-breach data-breach`.
const embeddedPrefix = "embedded:"

func newRunbookCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runbook",
		Short: "Runbooks: list the library, show one, lint files, compare two versions",
		Long: `Runbooks are versioned TOML files (see README, "Runbook (TOML)"). muster embeds a
library; files in --runbooks DIR (default <data dir>/runbooks) add to it, and a file
with the id of an embedded runbook replaces it.

A runbook is named by its id, by a file path, or as embedded:ID for the built-in
version of an id you override.`,
		GroupID: "prepare",
	}
	cmd.AddCommand(newRunbookListCmd(g), newRunbookShowCmd(g), newRunbookCopyCmd(g), newRunbookLintCmd(g), newRunbookDiffCmd(g))
	return cmd
}

type runbookListOptions struct {
	Format string
}

func newRunbookListCmd(g *globals) *cobra.Command {
	var o runbookListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the runbooks: id, version, title and where each comes from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRunbookList(g, o)
		},
	}
	addFormatFlag(cmd, &o.Format, "table", "json")
	return cmd
}

// runbookJSON is one line of `muster runbook list --format json`.
type runbookJSON struct {
	ID         string            `json:"id"`
	Version    string            `json:"version"`
	Title      string            `json:"title"`
	Source     string            `json:"source"`
	Digest     string            `json:"digest"`
	Owner      string            `json:"owner"`
	Severities []string          `json:"severities"`
	Tags       []string          `json:"tags"`
	Phases     []string          `json:"phases"`
	Steps      int               `json:"steps"`
	Overrides  *runbookOverrides `json:"overrides,omitempty"`
}

// runbookOverrides describes the embedded runbook a user file replaces.
type runbookOverrides struct {
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

func runRunbookList(g *globals, o runbookListOptions) error {
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	lib := g.loadLibrary(pol)
	if o.Format == "json" {
		out := []runbookJSON{}
		for _, r := range lib.List() {
			j := runbookJSON{
				ID: r.ID, Version: r.Version.String(), Title: r.Title, Source: untrusted.Line(r.Source),
				Digest: r.Digest, Owner: r.Owner, Severities: orEmpty(r.Severities), Tags: orEmpty(r.Tags),
				Phases: []string{}, Steps: len(r.Steps()),
			}
			for _, p := range r.Phases {
				j.Phases = append(j.Phases, string(p.Name))
			}
			if e, ok := lib.Shadowed(r.ID); ok {
				j.Overrides = &runbookOverrides{Version: e.Version.String(), Digest: e.Digest}
			}
			out = append(out, j)
		}
		return writeJSON(g.Stdout, out)
	}
	tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tTITLE\tSOURCE")
	for _, r := range lib.List() {
		source := untrusted.Line(r.Source)
		if e, ok := lib.Shadowed(r.ID); ok {
			source += fmt.Sprintf(" (overrides embedded %s)", e.Version)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Version, r.Title, source)
	}
	return tw.Flush()
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type runbookShowOptions struct {
	Arg  string
	TOML bool
}

func newRunbookShowCmd(g *globals) *cobra.Command {
	var o runbookShowOptions
	cmd := &cobra.Command{
		Use:   "show ID|FILE",
		Short: "Print a runbook readably: phases, steps, evidence prompts, commands, communication",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Arg = args[0]
			return runRunbookShow(g, o)
		},
	}
	cmd.Flags().BoolVar(&o.TOML, "toml", false, "print the runbook's TOML instead, to copy into your runbook directory and adapt")
	return cmd
}

func runRunbookShow(g *globals, o runbookShowOptions) error {
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	r, err := resolveRunbookArg(g, newLibraryOnce(g, pol), o.Arg, pol)
	if err != nil {
		return err
	}
	if o.TOML {
		_, err := io.WriteString(g.Stdout, untrusted.Clean(string(r.Raw)))
		return err
	}
	renderRunbook(g.Stdout, r)
	return nil
}

// newLibraryOnce loads the library on first use only: a command given file paths
// never reads the user directory (and never warns about it).
func newLibraryOnce(g *globals, pol *runbook.Policy) func() *runbook.Library {
	var lib *runbook.Library
	return func() *runbook.Library {
		if lib == nil {
			lib = g.loadLibrary(pol)
		}
		return lib
	}
}

// resolveRunbookArg finds a runbook by file path, embedded:ID or library id. A file
// with problems prints them and is exit 2: the command cannot do its job.
func resolveRunbookArg(g *globals, lib func() *runbook.Library, arg string, pol *runbook.Policy) (*runbook.Runbook, error) {
	if id, ok := strings.CutPrefix(arg, embeddedPrefix); ok && !fileExists(arg) {
		r, found := lib().Embedded(id)
		if !found {
			return nil, usageError("no embedded runbook %q (muster runbook list shows the ids)", id)
		}
		return r, nil
	}
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".toml") || fileExists(arg) {
		r, problems := runbook.LoadFile(arg, pol)
		if len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(g.Stderr, p.String())
			}
			return nil, &exitError{code: 2, err: fmt.Errorf("cannot load runbook %s: %s", untrusted.Line(arg), plural(len(problems), "problem"))}
		}
		return r, nil
	}
	r, ok := lib().Get(arg)
	if !ok {
		return nil, usageError("no runbook %q (muster runbook list shows the ids; a file path needs a / or .toml)", untrusted.Line(arg))
	}
	return r, nil
}

// renderRunbook writes a runbook as plain text for reading in a terminal or a pager.
func renderRunbook(w io.Writer, r *runbook.Runbook) {
	fmt.Fprintf(w, "%s %s: %s\n", r.ID, r.Version, r.Title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "source\t%s\n", untrusted.Line(r.Source))
	fmt.Fprintf(tw, "digest\tsha256:%s\n", r.Digest)
	fmt.Fprintf(tw, "owner\t%s\n", r.Owner)
	fmt.Fprintf(tw, "severities\t%s\n", strings.Join(r.Severities, ", "))
	if len(r.Tags) > 0 {
		fmt.Fprintf(tw, "tags\t%s\n", strings.Join(r.Tags, ", "))
	}
	steps := r.Steps()
	fmt.Fprintf(tw, "steps\t%d in %s\n", len(steps), plural(len(r.Phases), "phase"))
	tw.Flush()
	fmt.Fprintln(w)
	writeIndented(w, r.Summary, "")

	n := 0
	for _, p := range r.Phases {
		fmt.Fprintln(w)
		head := strings.ToUpper(string(p.Name))
		if p.Goal != "" {
			head += ": " + p.Goal
		}
		fmt.Fprintln(w, head)
		for _, s := range p.Steps {
			n++
			fmt.Fprintf(w, "\n  %d. %s  [%s]\n", n, s.Title, s.ID)
			fmt.Fprintf(w, "     %s\n", strings.Join(stepFacts(s), " · "))
			if s.Body != "" {
				fmt.Fprintln(w)
				writeIndented(w, s.Body, "     ")
			}
			if len(s.Evidence) > 0 {
				fmt.Fprintln(w, "\n     Record:")
				for _, e := range s.Evidence {
					fmt.Fprintf(w, "       - %s\n", e)
				}
			}
			if len(s.Commands) > 0 {
				fmt.Fprintln(w, "\n     Commands (copy; muster never runs them):")
				for _, c := range s.Commands {
					for i, l := range strings.Split(c, "\n") {
						if i == 0 {
							fmt.Fprintf(w, "       $ %s\n", l)
						} else {
							fmt.Fprintf(w, "         %s\n", l)
						}
					}
				}
			}
		}
	}
	if len(r.Communication) > 0 {
		fmt.Fprintln(w, "\nCOMMUNICATION")
		for _, c := range r.Communication {
			fmt.Fprintf(w, "\n  %s\n", commLine(c))
			if c.Template != "" {
				fmt.Fprintln(w)
				writeIndented(w, c.Template, "     | ")
			}
		}
	}
}

// stepFacts lists who does a step and under which conditions.
func stepFacts(s runbook.Step) []string {
	facts := []string{"role: " + s.Role}
	if s.Timebox > 0 {
		facts = append(facts, "timebox: "+runbook.FormatDuration(s.Timebox))
	}
	if len(s.When) > 0 {
		facts = append(facts, "only for: "+strings.Join(s.When, ", "))
	}
	if s.Check != "" {
		check := "check: " + s.Check
		if s.Service != "" {
			check += " (" + s.Service + ")"
		}
		facts = append(facts, check)
	}
	if s.DoneByStart() {
		facts = append(facts, "done by the start of the incident")
	}
	if s.Optional {
		facts = append(facts, "optional")
	}
	return facts
}

func commLine(c runbook.CommRule) string {
	s := fmt.Sprintf("%s, after %s, for %s: by %s", c.Audience, c.After, strings.Join(c.Severities, ", "), c.Channel)
	if c.UpdateEvery > 0 {
		s += ", updates every " + runbook.FormatDuration(c.UpdateEvery) + " until resolved"
	}
	return s
}

// writeIndented writes text line by line behind a prefix, without trailing blanks.
func writeIndented(w io.Writer, text, prefix string) {
	for _, l := range strings.Split(text, "\n") {
		fmt.Fprintln(w, strings.TrimRight(prefix+l, " "))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y")) // policy, policies
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func newRunbookLintCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "lint FILE|DIR...",
		Short: "Check runbook files; every problem as path:line:col: message (exit 1 if any)",
		Long: `Check runbook files against the format and the severity policy in force. Every
problem of every file is printed, one per line, as path:line:col: message; the exit
status is 1 if there is any. A directory stands for the *.toml files in it. A step
check whose service is not in the backup policy in force (<data dir>/backup.toml, else
the built-in defaults) is a warning (path:line:col: warning: ...), which alone leaves
the exit status 0.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRunbookLint(g, args)
		},
	}
}

func runRunbookLint(g *globals, args []string) error {
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	services, policy := backupServices(g)
	loaded := map[string]*runbook.Runbook{}
	return lintFilesWarn(g, args, "runbook", func(path string) (string, runbook.Problems) {
		r, ps := runbook.LoadFile(path, pol)
		if r == nil {
			return "", ps
		}
		loaded[path] = r
		return r.ID, ps
	}, func(path string) runbook.Problems {
		return runbook.UnknownServices(loaded[path], services, policy)
	})
}

// backupServices names the services of the backup policy in force (what a step's
// rds-backup or restore-test check runs against) and describes that policy for a
// warning. A policy file that does not load has no services: its own lint says why.
func backupServices(g *globals) (services []string, policy string) {
	file := backup.DefaultPolicyFile(g.DataDir)
	if file == "" {
		return nil, "the built-in defaults (no " + filepath.Join(g.DataDir, backup.DefaultPolicyName) + ")"
	}
	p, err := backup.LoadPolicy(file)
	if err != nil {
		return nil, file + " (it does not load: muster backup check says why)"
	}
	for _, s := range p.Services {
		services = append(services, s.Name)
	}
	return services, file
}

type runbookDiffOptions struct {
	Old, New string
	Verbose  bool
}

func newRunbookDiffCmd(g *globals) *cobra.Command {
	var o runbookDiffOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two versions of a runbook: steps added, removed and changed, per phase",
		Long: `Compare two runbooks, each given as an id, a file or embedded:ID. Per phase it
lists the steps added (+), removed (-) and changed (~, with the fields that changed),
and warns when the content changed but the version did not, or the version went
down. It is a report: the exit status is 0 whatever differences it finds, and 2 when a
runbook cannot be loaded.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Old, o.New = args[0], args[1]
			return runRunbookDiff(g, o)
		},
	}
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "also show the changed lines of bodies, evidence, commands and templates")
	return cmd
}

func runRunbookDiff(g *globals, o runbookDiffOptions) error {
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	lib := newLibraryOnce(g, pol)
	old, err := resolveRunbookArg(g, lib, o.Old, pol)
	if err != nil {
		return err
	}
	new, err := resolveRunbookArg(g, lib, o.New, pol)
	if err != nil {
		return err
	}
	renderDiff(g.Stdout, runbook.Diff(old, new), o.Verbose)
	return nil
}

func renderDiff(w io.Writer, d runbook.RunbookDiff, verbose bool) {
	fmt.Fprintf(w, "--- %s %s (%s)\n", d.Old.ID, d.Old.Version, untrusted.Line(d.Old.Source))
	fmt.Fprintf(w, "+++ %s %s (%s)\n", d.New.ID, d.New.Version, untrusted.Line(d.New.Source))
	for _, warn := range d.Warnings {
		fmt.Fprintln(w, "warning: "+warn)
	}
	switch {
	case d.Identical():
		fmt.Fprintln(w, "\nno differences: the files are identical")
		return
	case d.Empty():
		fmt.Fprintln(w, "\nno differences in phases, steps or communication: only comments or layout changed")
		return
	}
	if len(d.Fields) > 0 {
		fmt.Fprintln(w, "\nrunbook")
		for _, f := range d.Fields {
			fmt.Fprintf(w, "  ~ %s\n", f)
			detail(w, f, runbookField(d.Old, f), runbookField(d.New, f), verbose)
		}
	}
	for _, p := range d.Phases {
		switch {
		case p.PhaseAdded:
			fmt.Fprintf(w, "\n%s (new phase)\n", p.Phase)
		case p.PhaseRemoved:
			fmt.Fprintf(w, "\n%s (phase removed)\n", p.Phase)
		default:
			fmt.Fprintf(w, "\n%s\n", p.Phase)
		}
		if p.Goal {
			fmt.Fprintln(w, "  ~ goal")
			o, _ := d.Old.Phase(p.Phase)
			n, _ := d.New.Phase(p.Phase)
			detail(w, "goal", []string{o.Goal}, []string{n.Goal}, verbose)
		}
		for _, s := range p.Added {
			fmt.Fprintf(w, "  + %s  %s\n", s.ID, s.Title)
		}
		for _, s := range p.Removed {
			fmt.Fprintf(w, "  - %s  %s\n", s.ID, s.Title)
		}
		for _, c := range p.Changed {
			fmt.Fprintf(w, "  ~ %s  %s (%s)\n", c.New.ID, c.New.Title, strings.Join(c.Fields, ", "))
			for _, f := range c.Fields {
				detail(w, f, stepField(c.Old, f), stepField(c.New, f), verbose)
			}
		}
	}
	if len(d.Communication) > 0 {
		fmt.Fprintln(w, "\ncommunication")
		for _, c := range d.Communication {
			switch {
			case c.Old == nil:
				fmt.Fprintf(w, "  + %s\n", commLine(*c.New))
			case c.New == nil:
				fmt.Fprintf(w, "  - %s\n", commLine(*c.Old))
			default:
				fmt.Fprintf(w, "  ~ %s after %s (%s)\n", c.New.Audience, c.New.After, strings.Join(c.Fields, ", "))
				for _, f := range c.Fields {
					detail(w, f, commField(*c.Old, f), commField(*c.New, f), verbose)
				}
			}
		}
	}
}

// detail shows how a field changed: short values inline as old -> new; multi-line
// text and lists line by line with -verbose.
func detail(w io.Writer, field string, old, new []string, verbose bool) {
	if old == nil && new == nil {
		return
	}
	multi := len(old) > 1 || len(new) > 1 || field == "body" || field == "summary" || field == "template" || field == "evidence" || field == "commands"
	if !multi {
		fmt.Fprintf(w, "      %s: %q -> %q\n", field, first(old), first(new))
		return
	}
	if !verbose {
		return
	}
	for _, l := range lineDiff(old, new) {
		fmt.Fprintln(w, strings.TrimRight("      "+l, " "))
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func runbookField(r *runbook.Runbook, f string) []string {
	switch f {
	case "title":
		return []string{r.Title}
	case "summary":
		return strings.Split(r.Summary, "\n")
	case "owner":
		return []string{r.Owner}
	case "severities":
		return []string{strings.Join(r.Severities, ", ")}
	case "tags":
		return []string{strings.Join(r.Tags, ", ")}
	}
	return nil
}

func stepField(s runbook.Step, f string) []string {
	switch f {
	case "title":
		return []string{s.Title}
	case "role":
		return []string{s.Role}
	case "body":
		return strings.Split(s.Body, "\n")
	case "evidence":
		return s.Evidence
	case "commands":
		var out []string
		for _, c := range s.Commands {
			out = append(out, strings.Split(c, "\n")...)
		}
		return out
	case "timebox":
		if s.Timebox == 0 {
			return []string{"none"}
		}
		return []string{runbook.FormatDuration(s.Timebox)}
	case "optional":
		return []string{fmt.Sprint(s.Optional)}
	case "when":
		if len(s.When) == 0 {
			return []string{"all severities"}
		}
		return []string{strings.Join(s.When, ", ")}
	case "check":
		return []string{s.Check}
	case "done_by":
		if s.DoneBy == "" {
			return []string{"a responder"}
		}
		return []string{s.DoneBy}
	case "service":
		return []string{s.Service}
	case "phase":
		return []string{string(s.Phase)}
	}
	return nil // order: the position is shown by the listing itself
}

func commField(c runbook.CommRule, f string) []string {
	switch f {
	case "after":
		return []string{string(c.After)}
	case "channel":
		return []string{c.Channel}
	case "severities":
		return []string{strings.Join(c.Severities, ", ")}
	case "update_every":
		if c.UpdateEvery == 0 {
			return []string{"none"}
		}
		return []string{runbook.FormatDuration(c.UpdateEvery)}
	case "template":
		return strings.Split(c.Template, "\n")
	}
	return nil
}

// lineDiff is a small longest-common-subsequence diff of two line lists, as "  kept",
// "- removed" and "+ added" lines. Runbook fields are short, so quadratic is fine.
func lineDiff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	if slices.Equal(a, b) {
		return nil
	}
	return out
}
