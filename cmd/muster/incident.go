package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
	"github.com/muster-ir/muster/scenarios"
)

func newIncidentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "incident",
		Short:   "Start, work and close incidents; every action is a journal line",
		GroupID: "respond",
	}
	cmd.AddCommand(
		newIncidentStartCmd(g),
		newIncidentListCmd(g),
		newIncidentShowCmd(g),
		newIncidentResumeCmd(g),
		newIncidentAckCmd(g),
		newIncidentStepCmd(g),
		newIncidentNoteCmd(g),
		newIncidentAttachCmd(g),
		newIncidentAttachmentCmd(g),
		newIncidentEscalateCmd(g),
		newIncidentNotifyCmd(g),
		newIncidentSeverityCmd(g),
		newIncidentAssignCmd(g),
		newIncidentFollowupCmd(g),
		newIncidentFollowupDoneCmd(g),
		newIncidentCloseCmd(g),
		newIncidentImpactCmd(g),
		newIncidentReportCmd(g),
		newIncidentCheckCmd(g),
		newIncidentWatchCmd(g),
	)
	return cmd
}

// withIncident opens the incident for writing, runs f, and releases the lock.
func withIncident(g *globals, id string, f func(inc *incident.Incident) error) error {
	inc, err := g.openIncident(id)
	if err != nil {
		return err
	}
	defer g.closeIncident(inc)
	err = f(inc)
	var q *incident.QueuedError
	if errors.As(err, &q) {
		// Saved on this machine, not shared: say so plainly; the next command or
		// `muster team sync` publishes it.
		fmt.Fprintf(g.Stdout, "%s: %s\n", inc.ID, queuedLine(g, q.Pending, q.Cause))
		return nil
	}
	if g.team != nil {
		reportRefused(g, inc)
	}
	return commandError(err)
}

func saved(g *globals, inc *incident.Incident, what string) {
	if inc.Saved.Shared {
		fmt.Fprintf(g.Stdout, "%s: %s (seq %d, shared in %s)\n", inc.ID, what, inc.Saved.Seq, inc.Saved.Store)
		return
	}
	fmt.Fprintf(g.Stdout, "%s: %s (seq %d)\n", inc.ID, what, inc.State.LastSeq)
}

type startOptions struct {
	Runbook, Severity, Title string
}

func newIncidentStartCmd(g *globals) *cobra.Command {
	var o startOptions
	cmd := &cobra.Command{
		Use:   "start --runbook ID|FILE --severity LEVEL --title TEXT",
		Short: "Open an incident and print its id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentStart(g, o)
		},
	}
	cmd.Flags().StringVar(&o.Runbook, "runbook", "", "runbook id from the library, or a runbook file")
	cmd.Flags().StringVar(&o.Severity, "severity", "", "severity level of the policy in force")
	cmd.Flags().StringVar(&o.Title, "title", "", "a short title responders will recognise")
	for _, f := range []string{"runbook", "severity", "title"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func runIncidentStart(g *globals, o startOptions) error {
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	rb, err := g.resolveRunbook(o.Runbook, pol)
	if err != nil {
		return err
	}
	if err := g.signingReady(); err != nil {
		return err
	}
	inc, err := g.store().Start(incident.StartOptions{Runbook: rb, Policy: pol, Severity: o.Severity, Title: o.Title, Actor: g.Actor})
	if err != nil {
		return commandError(err)
	}
	defer g.closeIncident(inc)
	fmt.Fprintln(g.Stdout, inc.ID)
	return nil
}

type listOptions struct {
	Open   bool
	Drills bool
	Format string
}

func newIncidentListCmd(g *globals) *cobra.Command {
	var o listOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first (drills only with --drills)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentList(g, o)
		},
	}
	cmd.Flags().BoolVar(&o.Open, "open", false, "only open incidents")
	cmd.Flags().BoolVar(&o.Drills, "drills", false, "list drills instead of real incidents")
	addFormatFlag(cmd, &o.Format, "table", "json")
	return cmd
}

func runIncidentList(g *globals, o listOptions) error {
	if err := g.syncTeam(false); err != nil {
		fmt.Fprintf(g.Stderr, "warning: %v (listing what this machine has)\n", err)
	}
	all, err := g.store().List()
	if err != nil {
		return err
	}
	list := []incident.Summary{}
	for _, s := range all {
		if s.Drill != o.Drills || (o.Open && s.Status != "open") {
			continue
		}
		list = append(list, s)
	}
	if o.Format == "json" {
		return writeJSON(g.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(g.Stdout, "no incidents")
		return nil
	}
	tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tSTATUS\tOPENED (UTC)\tRUNBOOK\tTITLE")
	for _, s := range list {
		if s.Err != "" {
			fmt.Fprintf(tw, "%s\t\tunreadable\t\t\t%s\n", s.ID, s.Err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t%s\n", s.ID, s.Severity, s.Status, s.OpenedAt.UTC().Format("2006-01-02 15:04"), s.Runbook, s.Version, untrusted.Line(s.Title))
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newIncidentShowCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident: progress, deadlines, next update, escalations, follow-ups",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentShow(g, args[0], format, g.now())
		},
	}
	addFormatFlag(cmd, &format, "text", "json")
	return cmd
}

// incidentShow is the JSON shape of `incident show`: the folded state plus what it
// means at the moment of asking.
type incidentShow struct {
	*incident.State
	Progress   []incident.PhaseProgress `json:"progress"`
	SLA        []incident.SLA           `json:"sla"`
	NextUpdate *incident.UpdateDue      `json:"next_update"` // null when no communication is due
	OpenWork   []string                 `json:"open_work"`
	AsOf       time.Time                `json:"as_of"`
	// Queued counts this machine's events of a team incident not yet shared.
	Queued int `json:"queued_offline"`
}

func runIncidentShow(g *globals, id, format string, now time.Time) error {
	v, err := g.load(id)
	if err != nil {
		return commandError(err)
	}
	s := v.State
	respond, resolve := s.SLAs(v.Policy, now)
	out := incidentShow{State: s, Progress: s.Progress(), SLA: []incident.SLA{respond, resolve}, OpenWork: s.OpenWork(), AsOf: now.UTC()}
	if u, ok := s.NextUpdate(); ok {
		out.NextUpdate = &u
	}
	if out.OpenWork == nil {
		out.OpenWork = []string{}
	}
	out.Queued = incident.Pending(v.Dir)
	if format == "json" {
		return writeJSON(g.Stdout, out)
	}
	// One write at the end, not one per line: each write is a system call.
	w := bufio.NewWriter(g.Stdout)
	defer w.Flush()
	status := "OPEN"
	if s.Closed {
		status = "CLOSED " + s.ClosedAt.UTC().Format("2006-01-02 15:04Z")
	}
	if s.Drill {
		status = "DRILL · " + status
	}
	fmt.Fprintf(w, "%s  %s  [%s]  %s\n", s.ID, strings.ToUpper(s.Severity), status, untrusted.Line(s.Title))
	if out.Queued > 0 {
		fmt.Fprintf(w, "queued offline, not yet shared: %d (muster team sync publishes them)\n", out.Queued)
	}
	fmt.Fprintf(w, "runbook %s %s · policy %s · commander %s · opened %s by %s\n",
		s.Runbook.ID, s.Runbook.Version, s.Policy.Name, s.Commander(), s.OpenedAt.UTC().Format("2006-01-02 15:04Z"), s.OpenedBy)
	for _, l := range out.SLA {
		fmt.Fprintf(w, "%-8s %s\n", l.Name+":", slaText(l, v.Policy, now))
	}
	if out.NextUpdate != nil {
		u := out.NextUpdate
		fmt.Fprintf(w, "next update: %s (%s) due %s\n", u.Audience, u.Why, relTime(u.Due, now))
	}
	for _, o := range s.Windows() {
		end, took := "ongoing", now.Sub(o.Start)
		if !o.Ongoing() {
			end, took = o.End.UTC().Format("2006-01-02 15:04Z"), o.End.Sub(o.Start)
		}
		fmt.Fprintf(w, "outage %s: %s %s from %s to %s (%s)\n", o.Window, untrusted.Line(o.Service), o.Level, o.Start.UTC().Format("2006-01-02 15:04Z"), end, runbook.FormatDuration(took.Round(time.Minute)))
	}
	if n := len(s.Undecodable); n > 0 {
		fmt.Fprintf(w, "⚠ %d journal event(s) do not decode and are left out of this state (`muster evidence verify %s` lists them):\n", n, id)
		for _, u := range s.Undecodable {
			fmt.Fprintf(w, "  %s\n", untrusted.Line(u.Error()))
		}
	}
	fmt.Fprintln(w)
	states := map[incident.StepStatus]string{incident.StepDone: "✓", incident.StepSkipped: "↷", incident.StepTodo: "·"}
	for i, pp := range out.Progress {
		ph := v.Runbook.Phases[i]
		fmt.Fprintf(w, "%s  %d/%d\n", strings.ToUpper(string(pp.Phase)), pp.Done+pp.Skipped, pp.Total)
		for _, st := range ph.Steps {
			if !st.AppliesTo(s.Severity) {
				continue
			}
			ss := s.Step(st.ID)
			mark := states[ss.Status]
			if s.TimeboxOverdue(st, now) {
				mark = "⚠"
			}
			line := fmt.Sprintf("  %s %-28s %s", mark, st.ID, st.Title)
			switch ss.Status {
			case incident.StepDone:
				line += fmt.Sprintf("  (done by %s %s)", ss.By, ss.At.UTC().Format("15:04Z"))
			case incident.StepSkipped:
				line += fmt.Sprintf("  (skipped by %s: %s)", ss.By, ss.Reason)
			}
			if st.Optional {
				line += "  [optional]"
			}
			fmt.Fprintln(w, line)
		}
	}
	showAttachments(w, s)
	if len(s.Escalations) > 0 {
		fmt.Fprintln(w, "\nescalations:")
		for _, e := range s.Escalations {
			fmt.Fprintf(w, "  %s  %s → %s: %s\n", e.At.UTC().Format("2006-01-02 15:04Z"), e.Actor, e.To, e.Reason)
		}
	}
	if open := s.OpenFollowUps(); len(open) > 0 {
		fmt.Fprintln(w, "\nopen follow-ups:")
		for _, f := range open {
			fmt.Fprintf(w, "  %s  %s  due %s  %s\n", f.ID, f.Owner, f.Due.Format("2006-01-02"), f.Text)
		}
	}
	return nil
}

// showAttachments lists the incident's evidence files: when, who, what, for which step
// and what the responder said it is (all untrusted text cleaned to one line).
func showAttachments(w io.Writer, s *incident.State) {
	if len(s.Attachments) == 0 {
		return
	}
	fmt.Fprintln(w, "\nattachments:")
	for _, a := range s.Attachments {
		what := fmt.Sprintf("%s (%d bytes)", untrusted.Line(filepath.Base(a.Attachment.Path)), a.Attachment.Size)
		if a.Attachment.Kind == journal.KindSymlink {
			what = untrusted.Line(filepath.Base(a.Attachment.Path)) + " -> " + untrusted.Line(a.Attachment.Link) + " (symlink, not followed)"
		}
		line := fmt.Sprintf("  seq %d  %s  %s  %s  for ", a.Seq, a.At.UTC().Format("2006-01-02 15:04Z"), untrusted.Line(a.Actor), what)
		if a.Step != "" {
			line += "step " + untrusted.Line(a.Step)
		} else {
			line += "the incident"
		}
		if a.Description != "" {
			line += ": " + untrusted.Line(a.Description)
		}
		fmt.Fprintln(w, line)
	}
}

// slaText is one deadline: the figure first, on its clock, then when it falls due in
// the policy's time zone and the target it comes from.
func slaText(l incident.SLA, pol *runbook.Policy, now time.Time) string {
	target := " (target " + l.TargetText + ")"
	switch {
	case l.NoLimit:
		return l.Standing()
	case l.Met:
		return fmt.Sprintf("met %s, %s to spare%s", incident.DueText(l.MetAt, pol, now), l.Clock.Span(l.Left), target)
	case l.Missed && !l.MetAt.IsZero():
		return fmt.Sprintf("MISSED: met %s, %s late%s", incident.DueText(l.MetAt, pol, now), l.Overdue(), target)
	case l.Missed:
		return fmt.Sprintf("MISSED: was due %s, %s ago%s", incident.DueText(l.Due, pol, now), l.Overdue(), target)
	}
	return fmt.Sprintf("%s, due %s%s", l.Standing(), incident.DueText(l.Due, pol, now), target)
}

func relTime(t, now time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		return fmt.Sprintf("%s (overdue by %s)", t.UTC().Format("15:04Z"), runbook.FormatDuration(-d))
	}
	return fmt.Sprintf("%s (in %s)", t.UTC().Format("15:04Z"), runbook.FormatDuration(d))
}

func newIncidentAckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge the incident: meets the respond-by target",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.Acknowledge(); err != nil {
					return err
				}
				saved(g, inc, "acknowledged")
				return nil
			})
		},
	}
}

type stepOptions struct {
	Done, Skip, Undo bool
	Reason, Note     string
}

func newIncidentStepCmd(g *globals) *cobra.Command {
	var o stepOptions
	cmd := &cobra.Command{
		Use:   "step ID STEP (--done [--note TEXT] | --skip --reason TEXT | --undo [--reason TEXT])",
		Short: "Mark a runbook step done, skipped (with a reason) or back to do",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentStep(g, args[0], args[1], o)
		},
	}
	cmd.Flags().BoolVar(&o.Done, "done", false, "the step is done")
	cmd.Flags().BoolVar(&o.Skip, "skip", false, "the step is skipped (needs --reason)")
	cmd.Flags().BoolVar(&o.Undo, "undo", false, "put a done or skipped step back to do")
	cmd.Flags().StringVar(&o.Reason, "reason", "", "why the step is skipped or undone")
	cmd.Flags().StringVar(&o.Note, "note", "", "a note recorded with a done step")
	return cmd
}

func runIncidentStep(g *globals, id, step string, o stepOptions) error {
	n := 0
	for _, b := range []bool{o.Done, o.Skip, o.Undo} {
		if b {
			n++
		}
	}
	if n != 1 {
		return usageError("say exactly one of --done, --skip or --undo")
	}
	return withIncident(g, id, func(inc *incident.Incident) error {
		switch {
		case o.Done:
			if err := inc.CompleteStep(step, o.Note); err != nil {
				return err
			}
			saved(g, inc, "step "+step+" done")
		case o.Skip:
			if err := inc.SkipStep(step, o.Reason); err != nil {
				return err
			}
			saved(g, inc, "step "+step+" skipped")
		default:
			if err := inc.UndoStep(step, o.Reason); err != nil {
				return err
			}
			saved(g, inc, "step "+step+" back to do")
		}
		return nil
	})
}

func newIncidentNoteCmd(g *globals) *cobra.Command {
	var step string
	cmd := &cobra.Command{
		Use:   "note ID TEXT|-",
		Short: "Add a note (TEXT, or - to read it from standard input)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := args[1]
			if text == "-" {
				b, err := io.ReadAll(io.LimitReader(g.Stdin, 16<<20))
				if err != nil {
					return fmt.Errorf("reading the note from standard input: %w", err)
				}
				text = string(b)
			}
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.AddNote(text, step); err != nil {
					return err
				}
				saved(g, inc, "note added")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&step, "step", "", "the step the note is about")
	return cmd
}

type attachOptions struct {
	Step, Description string
}

func newIncidentAttachCmd(g *globals) *cobra.Command {
	var o attachOptions
	cmd := &cobra.Command{
		Use:   "attach ID FILE... [--step STEP] [--description TEXT]",
		Short: "Store files as evidence (hashed, copied; the originals are never changed)",
		Long: `Store files as evidence: each is streamed into the incident's attachment store and
hashed; the original is never changed and a symlink is recorded, not followed.
--step names the runbook step the files are evidence for (default: the incident as a
whole), --description says what they are, in one line; both are kept in the journal's
attached line and shown by show, report and the TUI's step pane.

Exit codes: 0 attached (or queued offline for a team incident), 1 the incident is
closed, 2 an unknown step, a description that is not one plain line, or a file that
cannot be read (files attached before it stay attached).`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentAttach(g, args[0], args[1:], o)
		},
	}
	cmd.Flags().StringVar(&o.Step, "step", "", "the runbook step the files are evidence for (default: the incident)")
	cmd.Flags().StringVar(&o.Description, "description", "", "what the files are, one line")
	return cmd
}

func runIncidentAttach(g *globals, id string, files []string, o attachOptions) error {
	return withIncident(g, id, func(inc *incident.Incident) error {
		for _, f := range files {
			a, err := inc.AttachTo(f, o.Step, o.Description)
			var q *incident.QueuedError
			if errors.As(err, &q) {
				// Kept here with its blob; the next command or team sync shares it.
				fmt.Fprintf(g.Stdout, "%s: attached %s sha256 %s (%d bytes): %s\n",
					inc.ID, untrusted.Line(f), a.SHA256, a.Size, queuedLine(g, q.Pending, q.Cause))
				continue
			}
			if incident.IsBadInput(err) {
				return err // an unknown step or a bad description: about the command, not the file
			}
			if err != nil {
				return fmt.Errorf("attaching %s: %w", untrusted.Line(f), err)
			}
			what := fmt.Sprintf("attached %s sha256 %s (%d bytes)", untrusted.Line(f), a.SHA256, a.Size)
			if a.Kind == journal.KindSymlink {
				what = fmt.Sprintf("attached symlink %s -> %s (not followed)", untrusted.Line(f), untrusted.Line(a.Link))
			}
			if o.Step != "" {
				what += " to step " + o.Step
			}
			saved(g, inc, what)
		}
		return nil
	})
}

func newIncidentEscalateCmd(g *globals) *cobra.Command {
	var to, reason string
	cmd := &cobra.Command{
		Use:   "escalate ID --to WHO --reason TEXT",
		Short: "Record an escalation: to whom and why",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.Escalate(to, reason); err != nil {
					return err
				}
				saved(g, inc, "escalated to "+untrusted.Line(to))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "who the incident is escalated to")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func newIncidentNotifyCmd(g *globals) *cobra.Command {
	var audience, channel, message string
	cmd := &cobra.Command{
		Use:   "notify ID --audience WHO --message TEXT [--channel HOW]",
		Short: "Record a customer or stakeholder notice that was sent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.Notify(audience, channel, message); err != nil {
					return err
				}
				saved(g, inc, "notice to "+untrusted.Line(audience)+" recorded")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&audience, "audience", "", "who was notified")
	cmd.Flags().StringVar(&channel, "channel", "", "how: email, status page, phone, ...")
	cmd.Flags().StringVar(&message, "message", "", "what was sent")
	return cmd
}

func newIncidentSeverityCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "severity ID LEVEL --reason TEXT",
		Short: "Change the severity; deadlines are recomputed from the original start",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.ChangeSeverity(args[1], reason); err != nil {
					return err
				}
				saved(g, inc, "severity now "+args[1])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func newIncidentAssignCmd(g *globals) *cobra.Command {
	var role, to string
	cmd := &cobra.Command{
		Use:   "assign ID --role ROLE --to WHO",
		Short: "Give a role (incident commander, communications lead, ...) to someone",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.Assign(role, to); err != nil {
					return err
				}
				saved(g, inc, untrusted.Line(role)+": "+untrusted.Line(to))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the role")
	cmd.Flags().StringVar(&to, "to", "", "who takes it")
	return cmd
}

// parseDue reads a follow-up due date: YYYY-MM-DD (end of that day UTC) or RFC 3339.
func parseDue(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--due %q: want a date YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t.Add(24*time.Hour - time.Second), nil
}

func newIncidentFollowupCmd(g *globals) *cobra.Command {
	var owner, due string
	cmd := &cobra.Command{
		Use:   "followup ID --owner WHO --due DATE TEXT",
		Short: "Record a follow-up action with its owner and due date",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := parseDue(due)
			if err != nil {
				return usageError("%v", err)
			}
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				fid, err := inc.AddFollowUp(owner, d, strings.Join(args[1:], " "))
				if err != nil {
					return err
				}
				saved(g, inc, "follow-up "+fid+" for "+untrusted.Line(owner))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "who owns it")
	cmd.Flags().StringVar(&due, "due", "", "due date, YYYY-MM-DD")
	return cmd
}

func newIncidentFollowupDoneCmd(g *globals) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "followup-done ID FOLLOWUP",
		Short: "Mark a follow-up action done",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.CompleteFollowUp(args[1], note); err != nil {
					return err
				}
				saved(g, inc, "follow-up "+strings.ToUpper(args[1])+" done")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "what was done")
	return cmd
}

func newIncidentCloseCmd(g *globals) *cobra.Command {
	var summary, reason string
	var force bool
	cmd := &cobra.Command{
		Use:   "close ID [--summary TEXT] [--force --reason TEXT]",
		Short: "Close the incident (refused while required steps or follow-ups are open)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if force && strings.TrimSpace(reason) == "" {
				return usageError("--force needs --reason")
			}
			return withIncident(g, args[0], func(inc *incident.Incident) error {
				if err := inc.CloseIncident(summary, force, reason); err != nil {
					return err
				}
				saved(g, inc, "closed")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&summary, "summary", "", "resolution summary for the report")
	cmd.Flags().BoolVar(&force, "force", false, "close with open work (logged, needs --reason)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the close is forced")
	return cmd
}

func newIncidentReportCmd(g *globals) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "report ID [--format md|json] [--output FILE]",
		Short: "Write the post-incident report",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := g.load(args[0])
			if err != nil {
				return commandError(err)
			}
			integrity, err := g.integrity(cmd.Context(), v.Dir)
			if err != nil {
				return err
			}
			data, err := renderReportWith(v, format, g.now(), integrity)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = g.Stdout.Write(data)
				return err
			}
			return os.WriteFile(out, data, 0o600)
		},
	}
	addFormatFlag(cmd, &format, "md", "json")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func renderReport(v *incident.View, format string, now time.Time) ([]byte, error) {
	return renderReportWith(v, format, now, nil)
}

// renderReportWith is renderReport with what verify says of the journal: its head
// line and who signed it (g.integrity).
func renderReportWith(v *incident.View, format string, now time.Time, integrity *incident.ReportJournal) ([]byte, error) {
	var r *incident.Report
	if v.State.Drill {
		r = scenarios.BuildDrillReport(v, now) // in drill time, with the after-action review
	} else {
		r = incident.BuildReport(v, now)
	}
	if integrity != nil {
		r.Journal.Head, r.Journal.Signers, r.Journal.Verified = integrity.Head, integrity.Signers, integrity.Verified
	}
	if format == "json" {
		return r.JSON()
	}
	return []byte(r.Markdown()), nil
}
