package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// FromOptions tunes FromIncident.
type FromOptions struct {
	// Redact replaces people's names with "responder N" and free text (the title,
	// notes, messages, reasons, file names) with placeholders; runbook step ids,
	// severities, times and the runbook's own roles and audiences stay.
	Redact bool
}

// capabilityOf is the HSEEP core capability a runbook phase exercises.
var capabilityOf = map[runbook.PhaseName]string{
	runbook.Detect:      "Situational Assessment",
	runbook.Triage:      "Operational Coordination",
	runbook.Contain:     "Cybersecurity",
	runbook.Investigate: "Forensics and Attribution",
	runbook.Eradicate:   "Cybersecurity",
	runbook.Recover:     "Infrastructure Systems",
	runbook.Review:      "Planning",
}

var phaseQuestions = map[runbook.PhaseName][]string{
	runbook.Detect:      {"How did we learn of it, and could we have learned sooner?", "What did we record before anyone changed anything?"},
	runbook.Triage:      {"Who set the severity, and on what facts?", "Who had to be told, and were they told in time?"},
	runbook.Contain:     {"What stopped the damage, and what did it cost?", "What evidence did we keep before containing?"},
	runbook.Investigate: {"What did we know at this point, and what did we assume?"},
	runbook.Eradicate:   {"How do we know the cause is gone?"},
	runbook.Recover:     {"How did we confirm the service and the data were back?"},
	runbook.Review:      {"What would we do differently, and who owns the change?"},
}

// FromIncident turns a closed real incident into a scenario TOML: its notes become
// injects at their original offsets, the responders' actions (steps done, evidence,
// escalations, notices, severity changes, checks) become expectations whose deadline
// is the original time, the bar to beat. The original timeline is kept in the
// scenario's source, so the drill's report shows the team's beside it.
func FromIncident(v *incident.View, o FromOptions) ([]byte, error) {
	s := v.State
	switch {
	case s.Drill:
		return nil, refuse("%s is a drill: replay real incidents only", s.ID)
	case !s.Closed:
		return nil, refuse("incident %s is still open: close it before replaying it", s.ID)
	case v.Runbook == nil:
		return nil, errors.New("the incident's runbook is missing")
	}
	r := &recorder{v: v, o: o, names: map[string]string{}, seen: map[string]bool{}}
	r.known, r.named = keptNames(v), knownNames(v)
	if err := r.walk(); err != nil {
		return nil, err
	}
	data := r.write()
	// What we write must be a scenario muster reads back, against the same runbook.
	if _, ps := Parse("from-incident.toml", data, Env{Runbooks: OneRunbook{v.Runbook}, Policy: v.Policy}); len(ps) > 0 {
		return nil, fmt.Errorf("the scenario made from %s does not lint (a muster bug):\n%v", s.ID, ps)
	}
	return data, nil
}

// knownNames are names that are roles or audiences, not people: a redacted scenario
// keeps them so its expectations can still be met.
func knownNames(v *incident.View) map[string]bool {
	known := map[string]bool{}
	for _, st := range v.Runbook.Steps() {
		known[strings.ToLower(st.Role)] = true
	}
	for _, c := range v.Runbook.Communication {
		known[strings.ToLower(c.Audience)] = true
	}
	if v.Policy != nil {
		for _, l := range v.Policy.Levels {
			for _, e := range l.EscalateTo {
				known[strings.ToLower(e)] = true
			}
		}
	}
	return known
}

// keptNames are knownNames and the usual roles of an incident response: a redacted
// scenario keeps them.
func keptNames(v *incident.View) map[string]bool {
	known := knownNames(v)
	for _, k := range []string{"incident lead", "incident commander", "leadership", "security lead", "legal", "management"} {
		known[k] = true
	}
	return known
}

type recorder struct {
	v     *incident.View
	o     FromOptions
	names map[string]string
	known map[string]bool // kept when redacting
	named map[string]bool // named by the runbook or the policy
	seen  map[string]bool // kind/key of expectations already made

	notes    []recNote
	expects  []recExpect
	timeline []OriginEntry
	startSev string
	planned  time.Duration
}

type recNote struct {
	at          time.Duration
	from, title string
	body        string
}

type recExpect struct {
	kind, step, to, audience, level, check string
	within                                 time.Duration
	phase                                  runbook.PhaseName
	text                                   string
}

func (r *recorder) who(actor string) string {
	actor = untrusted.Line(actor)
	if !r.o.Redact {
		return actor
	}
	if n, ok := r.names[actor]; ok {
		return n
	}
	n := fmt.Sprintf("responder %d", len(r.names)+1)
	r.names[actor] = n
	return n
}

// keep returns a role or audience name unchanged, or "" when redacting a name that is
// not a known role.
func (r *recorder) keep(name string) string {
	name = strings.TrimSpace(untrusted.Line(name))
	if !r.o.Redact || r.known[strings.ToLower(name)] {
		return name
	}
	return ""
}

func words(s string) int { return len(strings.Fields(s)) }

// bar is the deadline an original time sets: to the second, at least a minute.
func bar(d time.Duration) time.Duration {
	d = d.Truncate(time.Second)
	if d%time.Second != 0 {
		d += time.Second
	}
	return max(d, time.Minute)
}

func (r *recorder) walk() error {
	s := r.v.State
	opened := s.OpenedAt
	r.startSev = s.Severity
	if len(s.Severities) > 0 {
		r.startSev = s.Severities[0].From
	}
	var last time.Duration
	for _, e := range r.v.Events {
		at := max(e.Time.Sub(opened), 0)
		last = max(last, at)
		if line := r.describe(e); line != "" {
			r.timeline = append(r.timeline, OriginEntry{At: at, What: line})
		}
		r.event(e, at)
	}
	if len(r.expects) == 0 {
		return refuse("incident %s has no responder actions to replay (no step done, escalation, notice, severity change, evidence or check)", s.ID)
	}
	end := last
	for _, x := range r.expects {
		end = max(end, x.within)
	}
	r.planned = (end + 15*time.Minute).Truncate(5 * time.Minute)
	if r.planned <= end {
		r.planned += 5 * time.Minute
	}
	return nil
}

func (r *recorder) phaseOf(step string) runbook.PhaseName {
	if st, ok := r.v.Runbook.Step(step); ok {
		return st.Phase
	}
	return ""
}

func (r *recorder) expect(x recExpect) {
	key := x.kind + "\x00" + x.step + "\x00" + x.to + "\x00" + x.audience + "\x00" + x.level + "\x00" + x.check
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	r.expects = append(r.expects, x)
}

func (r *recorder) event(e journal.Event, at time.Duration) {
	p, err := incident.Decode(e)
	if err != nil {
		return // the original timeline says it does not decode; nothing to expect from it
	}
	switch p := p.(type) {
	case incident.Note:
		n := recNote{at: at, from: r.who(e.Actor)}
		if r.o.Redact {
			n.title = "Note from " + n.from
			n.body = fmt.Sprintf("[note redacted: %d words]", words(p.Text))
			if p.Step != "" {
				n.body += " about runbook step " + p.Step
			}
		} else {
			text := untrusted.Clean(p.Text)
			first, _, _ := strings.Cut(text, "\n")
			n.title = truncate(strings.TrimSpace(first), 80)
			n.body = text
		}
		if n.title == "" {
			n.title = "Note from " + n.from
		}
		r.notes = append(r.notes, n)
	case incident.StepMarkedDone:
		if _, ok := r.v.Runbook.Step(p.Step); ok {
			r.expect(recExpect{kind: ExpectStep, step: p.Step, within: bar(at), phase: r.phaseOf(p.Step)})
		}
	case incident.Attached:
		r.expect(recExpect{kind: ExpectEvidence, within: bar(at), text: "Evidence recorded (the original responders attached a file)"})
	case incident.Escalation:
		r.expect(recExpect{kind: ExpectEscalation, to: r.keep(p.To), within: bar(at), phase: runbook.Triage})
	case incident.Notice:
		r.expect(recExpect{kind: ExpectNotify, audience: r.keep(p.Audience), within: bar(at)})
	case incident.SeverityChange:
		if p.To != r.startSev {
			r.expect(recExpect{kind: ExpectSeverity, level: p.To, within: bar(at), phase: runbook.Triage})
		}
	case incident.CheckRun:
		if inList(runbook.Checks, p.Check) {
			x := recExpect{kind: ExpectBackupCheck, check: p.Check, within: bar(at), phase: runbook.Recover}
			if _, ok := r.v.Runbook.Step(p.Step); ok {
				x.step, x.phase = p.Step, r.phaseOf(p.Step)
			}
			r.expect(x)
		}
	}
}

// describe is one line of the original timeline, redacted when asked.
func (r *recorder) describe(e journal.Event) string {
	if !r.o.Redact {
		return incident.Describe(e)
	}
	p, err := incident.Decode(e)
	if err != nil {
		return e.Type + " (undecodable)"
	}
	switch p := p.(type) {
	case incident.Started:
		return fmt.Sprintf("opened at severity %s with runbook %s", r.startSev, r.v.Runbook.ID)
	case incident.StepMarkedDone:
		return "done: " + p.Step + " by " + r.who(e.Actor)
	case incident.StepMarkedSkipped:
		return "skipped: " + p.Step + " by " + r.who(e.Actor)
	case incident.StepUndone:
		return "undone: " + p.Step + " by " + r.who(e.Actor)
	case incident.Note:
		return "note by " + r.who(e.Actor)
	case incident.Attached:
		return "file attached by " + r.who(e.Actor)
	case incident.Escalation:
		to := r.keep(p.To)
		if to == "" {
			to = "[name]"
		}
		return "escalated to " + to + " by " + r.who(e.Actor)
	case incident.Notice:
		aud := r.keep(p.Audience)
		if aud == "" {
			aud = "[audience]"
		}
		return "notified " + aud + " by " + r.who(e.Actor)
	case incident.SeverityChange:
		return "severity " + p.From + " → " + p.To + " by " + r.who(e.Actor)
	case incident.CheckRun:
		return "check " + p.Check + ": " + p.Status + " by " + r.who(e.Actor)
	case incident.Acknowledged:
		return "acknowledged by " + r.who(e.Actor)
	case incident.RoleAssignment:
		role := r.keep(p.Role) // a role given with --role may be anyone's words, even a name
		if role == "" {
			role = "[role]"
		}
		return role + " assigned to " + r.who(p.To)
	case incident.FollowUp:
		return "follow-up added"
	case incident.FollowUpDone:
		return "follow-up done"
	case incident.Closed:
		return "closed"
	}
	return e.Type
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ---- writing the TOML ----

// tq quotes a TOML basic string.
func tq(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tml writes text as a TOML multi-line basic string when it has several lines.
func tml(s string) string {
	if !strings.Contains(s, "\n") {
		return tq(s)
	}
	var b strings.Builder
	b.WriteString("\"\"\"\n")
	for _, c := range s {
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n' || c == '\t':
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteString("\n\"\"\"")
	return b.String()
}

func durText(d time.Duration) string {
	if d == 0 {
		return "0m"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func replayID(incidentID string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(incidentID) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return "replay-" + strings.TrimSuffix(b.String(), "-")
}

// objectiveFor groups an expectation under an objective.
func objectiveFor(x recExpect) (id, text, capability string) {
	switch x.kind {
	case ExpectNotify:
		return "communicate", "Tell customers and stakeholders at least as fast as the original response", "Public Information and Warning"
	case ExpectEvidence:
		return "evidence", "Record evidence at least as fast as the original response", "Forensics and Attribution"
	}
	ph := x.phase
	if ph == "" {
		ph = runbook.Triage
	}
	return "work-" + string(ph), fmt.Sprintf("Work the %s phase at least as fast as the original response", ph), capabilityOf[ph]
}

func (r *recorder) write() []byte {
	v, s := r.v, r.v.State
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	loc := time.UTC
	if v.Policy != nil && v.Policy.Calendar != nil {
		loc = v.Policy.Calendar.Location
	}
	title := "Replay: " + untrusted.Line(s.Title)
	if r.o.Redact {
		title = fmt.Sprintf("Replay of incident %s (%s)", s.ID, v.Runbook.Title)
	}
	flag := ""
	if r.o.Redact {
		flag = " --redact"
	}
	w("# Made by `muster scenario from-incident %s%s` from the incident's journal.\n", s.ID, flag)
	w("# The original responders' times are the deadlines: beat them.\n")
	w("schema = 1\nid = %s\nversion = \"1.0.0\"\ntitle = %s\n", tq(replayID(s.ID)), tq(title))
	summary := fmt.Sprintf("Recorded from incident %s (runbook %s %s, severity %s, %d events, %s long).", s.ID, v.Runbook.ID, s.Runbook.Version,
		r.startSev, len(v.Events), clockText(s.ClosedAt.Sub(s.OpenedAt)))
	if !r.o.Redact {
		summary += " " + untrusted.Line(s.Title) + "."
	}
	summary += " The notes the responders wrote arrive as injects at their original times; every action they took is expected no later than they took it."
	w("summary = %s\n", tq(summary))
	w("exercise_type = \"tabletop\"\nmission_areas = [\"response\"]\ntags = [\"replay\"]\n")
	w("severity = %s\nplanned_duration = %s\nstory_start = %s\n", tq(r.startSev), tq(durText(r.planned)), s.OpenedAt.In(loc).Format(time.RFC3339))
	rv := v.Runbook.Version
	w("\n[runbook]\nid = %s\nversion = %s\n", tq(v.Runbook.ID), tq(fmt.Sprintf(">=%s, <%d.0.0", rv, rv.Major+1)))
	w("\n[source]\nkind = \"recorded\"\nincident = %s\nredacted = %v\n", tq(s.ID), r.o.Redact)
	for _, t := range r.timeline {
		w("\n[[source.timeline]]\nat = %s\nwhat = %s\n", tq(durText(t.At.Truncate(time.Second))), tq(truncate(t.What, 300)))
	}

	// Whoever the responders escalated to or notified that the runbook and policy do
	// not name is played by the simulation cell, so lint (and the team) can meet it.
	var contacts []string
	for _, x := range r.expects {
		for _, name := range []string{x.to, x.audience} {
			if name != "" && !r.named[strings.ToLower(name)] && !slices.Contains(contacts, name) {
				contacts = append(contacts, name)
			}
		}
	}
	for i, c := range contacts {
		w("\n[[roles]]\nid = %s\nname = %s\nkind = \"simcell\"\n", tq(fmt.Sprintf("contact-%d", i+1)), tq(c))
	}

	// Objectives in the order their first expectation appears.
	objSeen := map[string]bool{}
	for _, x := range r.expects {
		id, text, capability := objectiveFor(x)
		if objSeen[id] {
			continue
		}
		objSeen[id] = true
		w("\n[[objectives]]\nid = %s\ntext = %s\ncapability = %s\n", tq(id), tq(text), tq(capability))
	}

	// Modules: the runbook phase the incident was in when each note was written.
	type entered struct {
		phase runbook.PhaseName
		at    time.Duration
	}
	var phases []entered
	for ph, t := range s.PhaseEntered {
		phases = append(phases, entered{ph, max(t.Sub(s.OpenedAt), 0)})
	}
	sort.Slice(phases, func(i, j int) bool {
		if phases[i].at != phases[j].at {
			return phases[i].at < phases[j].at
		}
		return phases[i].phase.Index() < phases[j].phase.Index()
	})
	moduleAt := func(at time.Duration) runbook.PhaseName {
		cur := runbook.PhaseName("")
		if len(v.Runbook.Phases) > 0 {
			cur = v.Runbook.Phases[0].Name
		}
		for _, p := range phases {
			if p.at <= at {
				cur = p.phase
			}
		}
		return cur
	}
	injectModules := []runbook.PhaseName{moduleAt(0)}
	for _, n := range r.notes {
		injectModules = append(injectModules, moduleAt(n.at))
	}
	modSeen := map[runbook.PhaseName]bool{}
	for _, ph := range injectModules {
		if ph == "" || modSeen[ph] {
			continue
		}
		modSeen[ph] = true
		w("\n[[modules]]\nid = %s\ntitle = %s\nphase = %s\nquestions = [", tq(string(ph)), tq(strings.ToUpper(string(ph[:1]))+string(ph[1:])), tq(string(ph)))
		for i, q := range phaseQuestions[ph] {
			if i > 0 {
				w(", ")
			}
			w("%s", tq(q))
		}
		w("]\n")
	}

	opener := r.who(s.OpenedBy)
	openTitle := untrusted.Line(s.Title)
	body := fmt.Sprintf("The incident opens at severity %s. Work it with runbook %s.", r.startSev, v.Runbook.ID)
	if r.o.Redact {
		openTitle = fmt.Sprintf("A %s incident opens", r.startSev)
	}
	w("\n[[injects]]\nid = \"opened\"\n")
	if injectModules[0] != "" {
		w("module = %s\n", tq(string(injectModules[0])))
	}
	w("at = \"0m\"\nfrom = %s\nchannel = \"alert\"\ntitle = %s\nbody = %s\n", tq(opener), tq(openTitle), tq(body))
	w("facilitator_notes = %s\n", tq(fmt.Sprintf("Every expectation below is something the original responders did; its deadline is when they did it. Original incident: %s.", s.ID)))
	for i, x := range r.expects {
		id, _, _ := objectiveFor(x)
		w("\n  [[injects.expectations]]\n  id = \"e%d\"\n  kind = %s\n", i+1, tq(x.kind))
		if x.text != "" {
			w("  text = %s\n", tq(x.text))
		}
		for _, kv := range [][2]string{{"step", x.step}, {"to", x.to}, {"audience", x.audience}, {"level", x.level}, {"check", x.check}} {
			if kv[1] != "" {
				w("  %s = %s\n", kv[0], tq(kv[1]))
			}
		}
		w("  within = %s\n  objective = %s\n", tq(durText(x.within)), tq(id))
	}
	for i, n := range r.notes {
		w("\n[[injects]]\nid = \"note-%d\"\n", i+1)
		if ph := injectModules[i+1]; ph != "" {
			w("module = %s\n", tq(string(ph)))
		}
		at := n.at.Truncate(time.Second)
		if at >= r.planned {
			at = r.planned - time.Second
		}
		w("at = %s\nfrom = %s\nchannel = \"chat\"\ntitle = %s\nbody = %s\n", tq(durText(at)), tq(n.from), tq(n.title), tml(n.body))
	}
	return []byte(b.String())
}
