package incident

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Report is the post-incident report: built from the journal alone, so it tells what
// the journal proves and nothing else. JSON field names are stable.
type Report struct {
	Schema      int               `json:"schema"`
	GeneratedAt time.Time         `json:"generated_at"`
	Drill       bool              `json:"drill"`
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Status      string            `json:"status"`
	Runbook     RunbookRef        `json:"runbook"`
	Policy      PolicyRef         `json:"policy"`
	TimeZone    string            `json:"time_zone"`
	Severity    string            `json:"severity"`
	Severities  []ReportSeverity  `json:"severity_history"`
	Commander   string            `json:"commander"`
	Roles       map[string]string `json:"roles"`
	OpenedAt    time.Time         `json:"opened_at"`
	OpenedBy    string            `json:"opened_by"`
	ClosedAt    time.Time         `json:"closed_at,omitzero"`
	Duration    string            `json:"duration"`
	DurationSec int64             `json:"duration_seconds"`
	SLA         []SLA             `json:"sla"`
	Phases      []ReportPhase     `json:"phases"`
	Skipped     []ReportStep      `json:"skipped"`
	Evidence    []ReportEvidence  `json:"evidence"`
	Escalations []EscalationEntry `json:"escalations"`
	Notices     []NoticeEntry     `json:"communications"`
	FollowUps   []FollowUpEntry   `json:"followups"`
	Close       Closed            `json:"close,omitzero"`
	Timeline    []TimelineEntry   `json:"timeline"`
	Journal     ReportJournal     `json:"journal"`
	// Undecodable lists journal events whose payload does not decode: the report is
	// built without them and says so.
	Undecodable []PayloadError `json:"undecodable,omitempty"`
	Sections    []Section      `json:"sections,omitempty"`
}

// ReportSeverity is one severity the incident had, from when.
type ReportSeverity struct {
	Level  string    `json:"level"`
	Since  time.Time `json:"since"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// ReportPhase is a phase with its steps.
type ReportPhase struct {
	Phase    runbook.PhaseName `json:"phase"`
	Progress PhaseProgress     `json:"progress"`
	Steps    []ReportStep      `json:"steps"`
}

// ReportStep is a step and what happened to it.
type ReportStep struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Phase    string     `json:"phase"`
	Status   StepStatus `json:"status"`
	By       string     `json:"by,omitempty"`
	At       time.Time  `json:"at,omitzero"`
	Took     string     `json:"took,omitempty"` // since the step action before it (or the start)
	Reason   string     `json:"reason,omitempty"`
	Note     string     `json:"note,omitempty"`
	Optional bool       `json:"optional,omitempty"`
	NotHere  bool       `json:"not_applicable,omitempty"` // a `when` excludes it at this severity
}

// ReportEvidence is an attachment or a check result.
type ReportEvidence struct {
	Seq     uint64    `json:"seq"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Kind    string    `json:"kind"` // file, symlink or check
	Name    string    `json:"name"`
	SHA256  string    `json:"sha256,omitempty"`
	Size    int64     `json:"size,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Summary string    `json:"summary,omitempty"`
	// Step is the runbook step the file is evidence for or the check ran for ("" for
	// the incident as a whole); Description what the responder said the file is.
	Step        string `json:"step,omitempty"`
	Description string `json:"description,omitempty"`
}

// TimelineEntry is one event of the journal.
type TimelineEntry struct {
	Seq   uint64    `json:"seq"`
	UTC   time.Time `json:"utc"`
	Local string    `json:"local"` // in the policy's time zone
	Actor string    `json:"actor"`
	Type  string    `json:"type"`
	What  string    `json:"what"`
}

// ReportJournal lets a reader check the report against the journal.
type ReportJournal struct {
	Events    int    `json:"events"`
	LastSeq   uint64 `json:"last_seq"`
	FinalHash string `json:"final_hash"`
	// Head is the journal's head line (muster evidence head), signed when a key is
	// configured; empty when the report was built without it.
	Head string `json:"head,omitempty"`
	// Signers says who signed how many lines; set with Head.
	Signers *ReportSigners `json:"signers,omitempty"`
	// Verified is muster evidence verify's summary of the journal when the report
	// was made ("intact: ..." or the first problem); set with Head.
	Verified string `json:"verified,omitempty"`
}

// ReportSigners is who signed the journal's lines, as verify found it.
type ReportSigners struct {
	// Checked is false when no allowed_signers file was configured: the signatures
	// were counted, not checked.
	Checked    bool                  `json:"checked"`
	Signatures int                   `json:"signatures"`
	Signers    []journal.SignerLines `json:"signers,omitempty"`
	Unsigned   int                   `json:"unsigned_lines"`
	// Timestamps are the stored RFC 3161 timestamps that hold.
	Timestamps []journal.Timestamp `json:"timestamps,omitempty"`
}

// Section is an extra part of the report added by another package (a drill's
// after-action review).
type Section struct {
	Title    string `json:"title"`
	Markdown string `json:"-"`
	Data     any    `json:"data,omitempty"`
}

// BuildReport builds the report of an incident at now.
func BuildReport(v *View, now time.Time, extra ...Section) *Report {
	s := v.State
	loc := time.UTC
	if v.Policy != nil && v.Policy.Calendar != nil {
		loc = v.Policy.Calendar.Location
	}
	r := &Report{
		Schema: 1, GeneratedAt: now.UTC(), Drill: s.Drill, ID: s.ID, Title: s.Title, Status: "open",
		Runbook: s.Runbook, Policy: s.Policy, TimeZone: loc.String(), Severity: s.Severity,
		Commander: s.Commander(), Roles: s.Roles, OpenedAt: s.OpenedAt, OpenedBy: s.OpenedBy,
		Escalations: s.Escalations, Notices: s.Notices, FollowUps: s.FollowUps, Close: s.Close,
		Journal:  ReportJournal{Events: s.Events, LastSeq: s.LastSeq, FinalHash: s.LastHash},
		Sections: extra,
	}
	end := now
	if s.Closed {
		r.Status, r.ClosedAt, end = "closed", s.ClosedAt, s.ClosedAt
	}
	d := end.Sub(s.OpenedAt)
	r.Duration, r.DurationSec = runbook.FormatDuration(d), int64(d/time.Second)

	initial := s.Severity
	if len(s.Severities) > 0 {
		initial = s.Severities[0].From
	}
	r.Severities = append(r.Severities, ReportSeverity{Level: initial, Since: s.OpenedAt, By: s.OpenedBy})
	for _, c := range s.Severities {
		r.Severities = append(r.Severities, ReportSeverity{Level: c.To, Since: c.At, By: c.Actor, Reason: c.Reason})
	}
	if v.Policy != nil {
		respond, resolve := s.SLAs(v.Policy, now)
		r.SLA = []SLA{respond, resolve}
	}
	took := stepDurations(v)
	if v.Runbook != nil {
		for i, pp := range s.Progress() {
			ph := v.Runbook.Phases[i]
			rp := ReportPhase{Phase: ph.Name, Progress: pp}
			for _, st := range ph.Steps {
				ss := s.Step(st.ID)
				rs := ReportStep{ID: st.ID, Title: st.Title, Phase: string(ph.Name), Status: ss.Status, By: ss.By, At: ss.At,
					Reason: ss.Reason, Note: ss.Note, Optional: st.Optional, NotHere: !st.AppliesTo(s.Severity)}
				if ss.Status != StepTodo {
					rs.Took = took[st.ID]
				}
				rp.Steps = append(rp.Steps, rs)
				if ss.Status == StepSkipped {
					r.Skipped = append(r.Skipped, rs)
				}
			}
			r.Phases = append(r.Phases, rp)
		}
	}
	for _, a := range s.Attachments {
		ev := ReportEvidence{Seq: a.Seq, At: a.At, By: a.Actor, Kind: a.Attachment.Kind, Name: a.Attachment.Path,
			SHA256: a.Attachment.SHA256, Size: a.Attachment.Size, Step: a.Step, Description: a.Description}
		if a.Attachment.Kind == journal.KindSymlink {
			ev.Detail = "-> " + a.Attachment.Link + " (not followed)"
		}
		r.Evidence = append(r.Evidence, ev)
	}
	for _, c := range s.Checks {
		r.Evidence = append(r.Evidence, ReportEvidence{Seq: c.Seq, At: c.At, By: c.Actor, Kind: "check", Name: c.Check,
			Detail: c.Status, Summary: c.Summary, Step: c.Step})
	}
	sort.SliceStable(r.Evidence, func(i, j int) bool { return r.Evidence[i].Seq < r.Evidence[j].Seq })
	r.Undecodable = s.Undecodable
	for _, e := range v.Events {
		r.Timeline = append(r.Timeline, TimelineEntry{Seq: e.Seq, UTC: e.Time.UTC(), Local: e.Time.In(loc).Format("2006-01-02 15:04:05 MST"),
			Actor: untrusted.Line(e.Actor), Type: e.Type, What: Describe(e)})
	}
	return r
}

// stepDurations is, for each step done or skipped, the time since the step action
// before it (or the incident's start): how long the team spent getting to it.
func stepDurations(v *View) map[string]string {
	out := map[string]string{}
	last := v.State.OpenedAt
	for _, e := range v.Events {
		var step string
		switch p, _ := Decode(e); p := p.(type) {
		case StepMarkedDone:
			step = p.Step
		case StepMarkedSkipped:
			step = p.Step
		default:
			continue
		}
		out[step] = runbook.FormatDuration(e.Time.Sub(last))
		last = e.Time
	}
	return out
}

// JSON renders the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// evidenceFor is what a piece of evidence is for, in the report's evidence table: its
// step, or the incident as a whole.
func evidenceFor(step string) string {
	if step == "" {
		return "the incident"
	}
	return "step " + MarkdownCell(step)
}

// MarkdownCell makes untrusted text safe for one Markdown table cell: one line, no
// control sequences, pipes escaped, an em dash for nothing.
func MarkdownCell(s string) string {
	s = strings.ReplaceAll(untrusted.Line(s), "|", `\|`)
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// FormatUTC is how reports print an instant: 2026-11-23 09:12:00Z, or an em dash.
func FormatUTC(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// Markdown renders the report as Markdown.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if r.Drill {
		w("# DRILL — Post-incident report: %s\n\n", MarkdownCell(r.Title))
		w("> This is a tabletop drill, not a real incident.\n\n")
	} else {
		w("# Post-incident report: %s\n\n", MarkdownCell(r.Title))
	}
	if len(r.Undecodable) > 0 {
		w("> ⚠ %d journal event(s) do not decode and are left out of this report (`muster evidence verify %s` lists them):\n", len(r.Undecodable), r.ID)
		for _, u := range r.Undecodable {
			w("> - %s\n", MarkdownCell(untrusted.Line(u.Error())))
		}
		w("\n")
	}
	w("## Summary\n\n")
	w("| | |\n|---|---|\n")
	w("| Incident | %s |\n", r.ID)
	w("| Status | %s |\n", r.Status)
	w("| Runbook | %s %s (sha256 %s) |\n", MarkdownCell(r.Runbook.ID), r.Runbook.Version, short(r.Runbook.Digest))
	w("| Policy | %s (sha256 %s), times in %s |\n", MarkdownCell(r.Policy.Name), short(r.Policy.Digest), r.TimeZone)
	w("| Severity | %s |\n", MarkdownCell(r.Severity))
	w("| Commander | %s |\n", MarkdownCell(r.Commander))
	w("| Opened | %s by %s |\n", FormatUTC(r.OpenedAt), MarkdownCell(r.OpenedBy))
	w("| Closed | %s |\n", FormatUTC(r.ClosedAt))
	w("| Duration | %s |\n\n", r.Duration)

	w("### Severity history\n\n| since (UTC) | level | by | reason |\n|---|---|---|---|\n")
	for _, s := range r.Severities {
		w("| %s | %s | %s | %s |\n", FormatUTC(s.Since), MarkdownCell(s.Level), MarkdownCell(s.By), MarkdownCell(s.Reason))
	}
	if len(r.Roles) > 0 {
		w("\n### Roles\n\n| role | who |\n|---|---|\n")
		roles := make([]string, 0, len(r.Roles))
		for k := range r.Roles {
			roles = append(roles, k)
		}
		sort.Strings(roles)
		for _, k := range roles {
			w("| %s | %s |\n", MarkdownCell(k), MarkdownCell(r.Roles[k]))
		}
	}

	if r.Drill && len(r.SLA) == 0 {
		w("\n## SLA\n\nA drill is measured in drill time: see the times to respond, contain and resolve in the after-action report.\n")
	} else {
		w("\n## SLA\n\n| target | due (UTC) | met at (UTC) | verdict |\n|---|---|---|---|\n")
	}
	for _, l := range r.SLA {
		verdict := l.Standing()
		if !l.NoLimit && !l.Met && !l.Missed {
			verdict = "open, " + verdict
		}
		w("| %s within %s | %s | %s | %s |\n", l.Name, l.TargetText, FormatUTC(l.Due), FormatUTC(l.MetAt), verdict)
	}

	w("\n## Steps\n")
	for _, p := range r.Phases {
		w("\n### %s (%d/%d)\n\n| step | status | by | at (UTC) | took | note or reason |\n|---|---|---|---|---|---|\n",
			p.Phase, p.Progress.Done+p.Progress.Skipped, p.Progress.Total)
		for _, s := range p.Steps {
			status := string(s.Status)
			if s.NotHere {
				status = "n/a at " + r.Severity
			} else if s.Optional && s.Status == StepTodo {
				status = "todo (optional)"
			}
			w("| %s — %s | %s | %s | %s | %s | %s |\n", s.ID, MarkdownCell(s.Title), status, MarkdownCell(s.By), FormatUTC(s.At), MarkdownCell(s.Took), MarkdownCell(s.Note+s.Reason))
		}
	}
	w("\n## Skipped steps\n\n")
	if len(r.Skipped) == 0 {
		w("None.\n")
	} else {
		for _, s := range r.Skipped {
			w("- **%s** (%s) skipped by %s at %s: %s\n", s.ID, s.Phase, MarkdownCell(s.By), FormatUTC(s.At), MarkdownCell(s.Reason))
		}
	}
	w("\n## Evidence\n\n")
	if len(r.Evidence) == 0 {
		w("None recorded.\n")
	} else {
		w("| seq | at (UTC) | by | kind | name | for | description | sha256 / result |\n|---|---|---|---|---|---|---|---|\n")
		for _, e := range r.Evidence {
			detail := e.SHA256
			if e.Kind == "check" {
				detail = e.Detail + ": " + e.Summary
			} else if e.Kind == "symlink" {
				detail = e.Detail
			}
			w("| %d | %s | %s | %s | %s | %s | %s | %s |\n", e.Seq, FormatUTC(e.At), MarkdownCell(e.By), e.Kind, MarkdownCell(e.Name),
				evidenceFor(e.Step), MarkdownCell(e.Description), MarkdownCell(detail))
		}
	}
	w("\n## Escalations\n\n")
	if len(r.Escalations) == 0 {
		w("None.\n")
	} else {
		w("| at (UTC) | by | to | reason |\n|---|---|---|---|\n")
		for _, e := range r.Escalations {
			w("| %s | %s | %s | %s |\n", FormatUTC(e.At), MarkdownCell(e.Actor), MarkdownCell(e.To), MarkdownCell(e.Reason))
		}
	}
	w("\n## Communications\n\n")
	if len(r.Notices) == 0 {
		w("None.\n")
	} else {
		w("| at (UTC) | by | audience | channel | message |\n|---|---|---|---|---|\n")
		for _, n := range r.Notices {
			w("| %s | %s | %s | %s | %s |\n", FormatUTC(n.At), MarkdownCell(n.Actor), MarkdownCell(n.Audience), MarkdownCell(n.Channel), MarkdownCell(n.Message))
		}
	}
	w("\n## Follow-up actions\n\n")
	if len(r.FollowUps) == 0 {
		w("None.\n")
	} else {
		w("| id | owner | due | action | status |\n|---|---|---|---|---|\n")
		for _, f := range r.FollowUps {
			status := "open"
			if f.Done {
				status = "done " + FormatUTC(f.DoneAt)
			}
			w("| %s | %s | %s | %s | %s |\n", f.ID, MarkdownCell(f.Owner), f.Due.Format("2006-01-02"), MarkdownCell(f.Text), status)
		}
	}
	if r.Close.Forced {
		w("\n**Closed with open work** (%s): %s\n", MarkdownCell(strings.Join(r.Close.Open, ", ")), MarkdownCell(r.Close.Reason))
	}
	if r.Close.Summary != "" {
		w("\n## Resolution\n\n%s\n", untrusted.Clean(r.Close.Summary))
	}
	for _, s := range r.Sections {
		w("\n## %s\n\n%s\n", MarkdownCell(s.Title), strings.TrimRight(s.Markdown, "\n"))
	}
	w("\n## Timeline\n\n| seq | UTC | local | actor | what |\n|---|---|---|---|---|\n")
	for _, t := range r.Timeline {
		w("| %d | %s | %s | %s | %s |\n", t.Seq, FormatUTC(t.UTC), t.Local, MarkdownCell(t.Actor), MarkdownCell(t.What))
	}
	w("\n## Journal\n\n%d events, last sequence %d. Final line hash (SHA-256):\n\n    %s\n\n", r.Journal.Events, r.Journal.LastSeq, r.Journal.FinalHash)
	w("Check it with `muster evidence verify %s`: the report matches the journal when that hash is the hash of the journal's last line.\n", r.ID)
	if r.Journal.Verified != "" {
		w("\nVerified when this report was made: %s\n", MarkdownCell(r.Journal.Verified))
	}
	if r.Journal.Head != "" {
		w("\nHead, to publish or compare with a published one (`muster evidence verify %s --expect 'LINE'`):\n\n    %s\n", r.ID, untrusted.Line(r.Journal.Head))
	}
	if sg := r.Journal.Signers; sg != nil {
		switch {
		case sg.Checked:
			w("\nSigned lines (checked against the allowed signers):\n\n")
			for _, s := range sg.Signers {
				w("- %s: %d lines\n", MarkdownCell(s.Principal), s.Lines)
			}
			w("- unsigned: %d lines\n", sg.Unsigned)
		default:
			w("\nSigned lines: %d signatures, not checked (no allowed_signers file configured); %d lines unsigned.\n", sg.Signatures, sg.Unsigned)
		}
		for _, ts := range sg.Timestamps {
			trust := "TSA trusted through the configured CA"
			if ts.Trusted != "yes" {
				trust = "TSA not checked against a CA"
			}
			w("\nTimestamped (RFC 3161): seq %d at %s by %s (%s; %s).\n", ts.Seq, FormatUTC(ts.Time), MarkdownCell(ts.TSA), ts.File, trust)
		}
	}
	return b.String()
}
