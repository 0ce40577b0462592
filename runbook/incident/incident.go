package incident

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Refused is returned when a command is not valid in the incident's current state. It
// appended nothing; the CLI exits 1 with its message.
type Refused struct{ Reason string }

func (r *Refused) Error() string { return r.Reason }

func refuse(format string, a ...any) error { return &Refused{Reason: fmt.Sprintf(format, a...)} }

// IsRefused reports whether err is a refusal (bad input included) rather than a
// failure to do the job: nothing was appended.
func IsRefused(err error) bool {
	var r *Refused
	return errors.As(err, &r) || IsBadInput(err)
}

// BadInput is returned when a command's own input is wrong whatever the incident's
// state: a required value missing, a severity, step or follow-up the incident does not
// have, a malformed id. It appended nothing, and is a refusal too (IsRefused); the CLI
// exits 2 (bad arguments) where it exits 1 for other refusals.
type BadInput struct{ Reason string }

func (b *BadInput) Error() string { return b.Reason }

func badInput(format string, a ...any) error { return &BadInput{Reason: fmt.Sprintf(format, a...)} }

// IsBadInput reports whether err is about the command's input.
func IsBadInput(err error) bool {
	var b *BadInput
	return errors.As(err, &b)
}

// Store is where incidents live: <data dir>/incidents/<ID>/.
type Store struct {
	DataDir string
	Now     func() time.Time       // the clock; time.Now when nil
	NewID   func(time.Time) string // incident ids; NewID when nil (tests fix it)
	// Shared, when set, is the team store new incidents go to and team incidents are
	// read from and written to (see Shared); nil keeps everything local.
	Shared  Shared
	Context context.Context // for the team store's calls and long reads (Load, Events, the fold in Open); Background when nil
	// LockWait is how long a writer waits for the journal's lock another writer holds
	// (they hold it only for one write); 0 fails at once.
	LockWait time.Duration
	Signer   journal.Signer // signs every line written; nil: lines are not signed
}

// Dir is the directory of the incident id.
func (st *Store) Dir(id string) string { return filepath.Join(st.DataDir, "incidents", id) }

func (st *Store) journalOptions(actor string) []journal.Option {
	opts := []journal.Option{journal.WithActor(actor), journal.WithLockWait(st.LockWait)}
	if st.Now != nil {
		opts = append(opts, journal.WithClock(st.Now))
	}
	if st.Signer != nil {
		opts = append(opts, journal.WithSigner(st.Signer))
	}
	if st.Context != nil {
		// Ctrl+C ends the fold of a huge journal (Open on a cache miss).
		opts = append(opts, journal.WithContext(st.Context))
	}
	return opts
}

func (st *Store) now() time.Time {
	if st.Now != nil {
		return st.Now()
	}
	return time.Now()
}

// Files frozen into every incident directory next to the journal, so the incident can
// be resumed, reported and audited with exactly the runbook and policy it was run on.
const (
	RunbookFile = "runbook.toml"
	PolicyFile  = "policy.toml"
)

// StartOptions is what a responder gives to open an incident.
type StartOptions struct {
	Runbook  *runbook.Runbook
	Policy   *runbook.Policy
	Severity string
	Title    string
	Actor    string
	Drill    bool
	Labels   map[string]string
}

// Start opens a new incident: it creates the directory, freezes the runbook and policy,
// and appends the started event with the computed deadlines. The returned incident
// holds the writer lock until Close.
func (st *Store) Start(o StartOptions) (*Incident, error) {
	title := strings.TrimSpace(untrusted.Line(o.Title))
	if title == "" {
		return nil, badInput("an incident needs a title (--title)")
	}
	if o.Runbook == nil || o.Policy == nil {
		return nil, errors.New("incident.Start: runbook and policy are required")
	}
	if _, ok := o.Policy.Level(o.Severity); !ok {
		return nil, badInput("unknown severity %q: the %s policy has %s", o.Severity, o.Policy.Name, strings.Join(o.Policy.LevelNames(), ", "))
	}
	// The incident is resumed by parsing its frozen runbook against its frozen policy,
	// so the two must agree now, not only when the runbook was linted on its own.
	if _, problems := runbook.Parse(o.Runbook.Source, o.Runbook.Raw, o.Policy); len(problems) > 0 {
		return nil, refuse("runbook %s does not fit the %s policy (levels %s): %s; copy it with `muster runbook copy %s` and adapt its severities",
			o.Runbook.ID, o.Policy.Name, strings.Join(o.Policy.LevelNames(), ", "), problems[0].Msg, o.Runbook.ID)
	}
	if len(o.Runbook.Severities) > 0 && !contains(o.Runbook.Severities, o.Severity) {
		return nil, refuse("runbook %s is for %s incidents, not %s", o.Runbook.ID, strings.Join(o.Runbook.Severities, ", "), o.Severity)
	}
	policyBytes, err := policySource(o.Policy)
	if err != nil {
		return nil, err
	}
	now := st.now()
	var id, dir string
	for attempt := 0; ; attempt++ {
		if st.NewID != nil {
			id = st.NewID(now)
		} else {
			id = NewID(now)
		}
		dir = st.Dir(id)
		if _, err := os.Lstat(dir); err == nil && attempt < 20 {
			continue // taken: draw another id
		}
		break
	}
	// The incident is built in a hidden directory beside the others (list skips
	// names starting with a dot) and moved into place once its first line is on disk:
	// a start cut short (disk full, a crash, SIGKILL) leaves no half-made incident.
	sweepStarts(filepath.Dir(dir), time.Now()) // file times are on the real clock
	building := filepath.Join(filepath.Dir(dir), startingPrefix+id+"-"+strconv.FormatInt(now.UnixNano(), 36))
	j, err := journal.Create(building, st.journalOptions(o.Actor)...)
	if err != nil {
		return nil, err
	}
	var inc *Incident
	abandon := func(err error) (*Incident, error) {
		if inc != nil {
			inc.finishSigs()
		}
		j.Close()
		os.RemoveAll(building)
		return nil, err
	}
	if err := startStep("created"); err != nil {
		return abandon(err)
	}
	if err := WriteFrozen(filepath.Join(building, RunbookFile), o.Runbook.Raw); err != nil {
		return abandon(err)
	}
	if err := WriteFrozen(filepath.Join(building, PolicyFile), policyBytes); err != nil {
		return abandon(err)
	}
	if err := startStep("frozen"); err != nil {
		return abandon(err)
	}
	respond, resolve, err := o.Policy.Deadlines(o.Severity, now)
	if err != nil {
		return abandon(refuse("%v", err))
	}
	started := Started{
		ID: id, Title: title, Severity: o.Severity, Drill: o.Drill, Labels: o.Labels,
		Runbook: RunbookRef{ID: o.Runbook.ID, Title: o.Runbook.Title, Version: o.Runbook.Version.String(),
			Digest: o.Runbook.Digest, Source: o.Runbook.Source, File: RunbookFile},
		Policy:    PolicyRef{Name: o.Policy.Name, Digest: o.Policy.Digest, File: PolicyFile},
		RespondBy: respond, ResolveBy: resolve,
	}
	inc = &Incident{ID: id, Dir: building, Runbook: o.Runbook, Policy: o.Policy, Actor: o.Actor, j: j, now: st.now}
	inc.State = NewState(o.Runbook)
	if st.Shared != nil {
		if err := markTeam(building, st.Shared.String()); err != nil {
			return abandon(err)
		}
		inc.shared, inc.ctx = st.Shared, st.ctx()
	}
	if err := inc.do(as(EvStarted, started)); err != nil {
		var q *QueuedError
		if errors.As(err, &q) {
			// A team incident exists once the store holds its first line.
			return abandon(fmt.Errorf("the team store %s cannot be reached (%v): a team incident cannot be started offline; start a local one with --store \"\" and record the store's outage in it", st.Shared, q.Cause))
		}
		return abandon(err)
	}
	if err := startStep("started"); err != nil {
		return abandon(err)
	}
	inc.finishSigs() // the first line's signature is read from the directory being moved
	if err := j.MoveTo(dir); err != nil {
		return abandon(err)
	}
	inc.Dir = dir
	return inc, nil
}

// startingPrefix names the hidden directory an incident is built in.
const startingPrefix = ".starting-"

// startStep is a test's hook into Start, called after each step (created, frozen,
// started); nil outside tests.
var startStep = func(string) error { return nil }

// sweepStarts removes the hidden directories of starts that were cut short (the
// process killed) more than an hour ago: nothing in them was ever handed out.
func sweepStarts(incidents string, now time.Time) {
	ents, err := os.ReadDir(incidents)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), startingPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > time.Hour {
			os.RemoveAll(filepath.Join(incidents, e.Name()))
		}
	}
}

func policySource(p *runbook.Policy) ([]byte, error) {
	if len(p.Raw) > 0 {
		return p.Raw, nil // what was parsed, with a "local" zone resolved
	}
	if p.Source == "preset" {
		if b, ok := runbook.PresetSource(p.Name); ok {
			return b, nil
		}
	}
	b, err := os.ReadFile(p.Source)
	if err != nil {
		return nil, fmt.Errorf("cannot freeze policy %s: %w", p.Source, err)
	}
	return b, nil
}

// WriteFrozen writes a file frozen into an incident's directory (its runbook, its
// policy, a drill's scenario): created, never replaced, and on disk before the
// journal's first line names it.
func WriteFrozen(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// crockford is Crockford's base32: no I, L, O or U, so an id survives being read out on
// a call.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID makes an incident id like INC-20261123-K7QF4: the UTC date, two characters for
// the two-minute slot of the day (so ids sort by time) and three random characters.
func NewID(now time.Time) string {
	now = now.UTC()
	slot := (now.Hour()*60 + now.Minute()) / 2 // 0..719
	var r [3]byte
	_, _ = rand.Read(r[:])
	b := []byte{crockford[slot/32], crockford[slot%32], crockford[r[0]%32], crockford[r[1]%32], crockford[r[2]%32]}
	return "INC-" + now.Format("20060102") + "-" + string(b)
}

// CanonicalID is the id an incident id was read out as: muster's ids are upper case, so
// `inc-20261123-k7qf4` names INC-20261123-K7QF4, and in the characters after the date
// Crockford's look-alikes count as the digits they stand for (O as 0, I and L as 1).
// Anything that is not shaped like an incident id is returned as it is.
func CanonicalID(id string) string {
	if len(id) < len("inc-20060102-x") || !strings.EqualFold(id[:4], "INC-") || id[12] != '-' {
		return id
	}
	for i := 4; i < 12; i++ {
		if id[i] < '0' || id[i] > '9' {
			return id
		}
	}
	tail := []byte(strings.ToUpper(id[13:]))
	for i, c := range tail {
		switch {
		case c == 'O':
			tail[i] = '0'
		case c == 'I' || c == 'L':
			tail[i] = '1'
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
		default:
			return id
		}
	}
	return "INC-" + id[4:13] + string(tail)
}

// resolveID is the incident an id typed by a person names: the id as written when
// this machine has it, else in upper case, else with the look-alikes read as digits
// (CanonicalID). An id this machine does not have comes back canonical, for a team
// store to fetch.
func (st *Store) resolveID(id string) string {
	c := CanonicalID(id)
	if c == id || checkID(id) != nil {
		return id
	}
	for _, try := range []string{id, strings.ToUpper(id)} {
		if _, err := os.Lstat(st.Dir(try)); err == nil {
			return try
		}
	}
	return c
}

// Load reads the runbook and policy frozen into an incident directory.
func loadFrozen(dir string) (*runbook.Runbook, *runbook.Policy, error) {
	pdata, err := journal.ReadFile(filepath.Join(dir, PolicyFile), maxFrozen)
	if err != nil {
		return nil, nil, fmt.Errorf("incident %s: %w", filepath.Base(dir), err)
	}
	pol, problems := runbook.ParsePolicy(filepath.Join(dir, PolicyFile), pdata)
	if len(problems) > 0 {
		return nil, nil, problems
	}
	rdata, err := journal.ReadFile(filepath.Join(dir, RunbookFile), maxFrozen)
	if err != nil {
		return nil, nil, fmt.Errorf("incident %s: %w", filepath.Base(dir), err)
	}
	rb, problems := runbook.Parse(filepath.Join(dir, RunbookFile), rdata, pol)
	if len(problems) > 0 {
		return nil, nil, problems
	}
	return rb, pol, nil
}

// maxFrozen bounds a frozen runbook or policy read back from an incident directory.
const maxFrozen = 16 << 20

// checkID refuses ids that could escape the incidents directory.
func checkID(id string) error {
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." || strings.HasPrefix(id, ".") {
		return badInput("%q is not an incident id", id)
	}
	return nil
}

// Open opens an incident for writing: it takes the journal's lock (a second writer gets
// an error naming the holder) and folds the journal into the state (from the
// folded-state cache and the lines after it on a large incident; see StateCacheName).
func (st *Store) Open(id string, actor string) (*Incident, error) {
	return st.open(id, actor, false)
}

// OpenForCommand is Open for a caller that runs commands and reads no more of the
// state than the commands check: on a large incident its State is Brief, without the
// notes, escalations, notices, attachments and checks lists, so that the command costs
// what it costs on a small incident (the lists are read only by Open and Load).
func (st *Store) OpenForCommand(id string, actor string) (*Incident, error) {
	return st.open(id, actor, true)
}

func (st *Store) open(id string, actor string, brief bool) (*Incident, error) {
	id = st.resolveID(id)
	dir, err := st.Locate(id)
	if err != nil && st.Shared != nil && checkID(id) == nil {
		dir, err = st.fetch(id) // a team incident this machine has not seen yet
	}
	if err != nil {
		return nil, err
	}
	rb, pol, err := loadFrozen(dir)
	if err != nil {
		return nil, err
	}
	team := isTeam(dir)
	if team && st.Shared == nil {
		return nil, refuse("incident %s is a team incident (%s): give its store with --store or MUSTER_STORE to write to it", id, teamStore(dir))
	}
	open := journal.Open
	if team {
		// The mirror holds only the store's lines: it never writes one of its own.
		open = journal.OpenMirror
	}
	j, err := open(dir, st.journalOptions(actor)...)
	if err != nil {
		return nil, err
	}
	if team {
		// A store that cannot be reached leaves the mirror as it is: the command is
		// checked against it and goes to the outbox (a *QueuedError says so).
		if _, err := st.Shared.CatchUp(st.ctx(), j, id); err != nil && !st.Shared.Offline(err) {
			j.Close()
			return nil, fmt.Errorf("incident %s: catch up with %s: %w", id, st.Shared, err)
		}
	}
	state, err := foldCached(dir, rb, j, brief)
	if err != nil {
		j.Close()
		return nil, err
	}
	inc := &Incident{ID: id, Dir: dir, Runbook: rb, Policy: pol, Actor: actor, j: j, now: st.now}
	inc.State = state
	if team {
		inc.shared, inc.ctx = st.Shared, st.ctx()
	}
	return inc, nil
}

// View is a read-only look at an incident: it never locks and never blocks.
type View struct {
	Dir     string
	Runbook *runbook.Runbook
	Policy  *runbook.Policy
	State   *State
	Events  []journal.Event
}

// Locate returns the directory of an existing incident without reading it, for tools
// that must work on a damaged journal (verify).
func (st *Store) Locate(id string) (string, error) {
	id = st.resolveID(id)
	if err := checkID(id); err != nil {
		return "", err
	}
	dir := st.Dir(id)
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("no incident %s in %s", id, filepath.Join(st.DataDir, "incidents"))
	}
	return dir, nil
}

// Load reads an incident without taking its lock.
func (st *Store) Load(id string) (*View, error) {
	dir, err := st.Locate(id)
	if err != nil {
		return nil, err
	}
	rb, pol, err := loadFrozen(dir)
	if err != nil {
		return nil, err
	}
	ctx := st.ctx()
	events, err := journal.ReadAllContext(ctx, dir) // Ctrl+C ends a long read
	if err != nil {
		return nil, err
	}
	state := Fold(rb, events)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &View{Dir: dir, Runbook: rb, Policy: pol, State: state, Events: events}, nil
}

// Summary is one line of the incident list.
type Summary struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	Severity  string           `json:"severity"`
	Status    string           `json:"status"` // open or closed
	Runbook   string           `json:"runbook"`
	Version   string           `json:"runbook_version"`
	OpenedAt  time.Time        `json:"opened_at"`
	ClosedAt  time.Time        `json:"closed_at,omitzero"`
	Drill     bool             `json:"drill"`
	RespondBy runbook.Deadline `json:"respond_by"`
	ResolveBy runbook.Deadline `json:"resolve_by"`
	Responded time.Time        `json:"responded_at,omitzero"`
	Err       string           `json:"error,omitempty"` // an incident that could not be read
}

// List returns every incident, newest first. An incident that cannot be read is listed
// with its error rather than hidden.
func (st *Store) List() ([]Summary, error) {
	var out []Summary
	err := st.Scan(func(s Summary, _ *View) { out = append(out, s) })
	return out, err
}

// Scan reads every incident once, newest first, and calls fn with its summary and its
// view (nil when it could not be read: the summary then says why). Screens that need
// more than the summary use it instead of List followed by a Load of each incident.
func (st *Store) Scan(fn func(Summary, *View)) error {
	entries, err := os.ReadDir(filepath.Join(st.DataDir, "incidents"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids))) // ids sort by time
	for _, id := range ids {
		v, err := st.Load(id)
		if cerr := st.ctx().Err(); cerr != nil {
			return cerr // interrupted: the list is not complete
		}
		if err != nil {
			fn(Summary{ID: untrusted.Line(id), Status: "unreadable", Err: untrusted.Line(err.Error())}, nil)
			continue
		}
		fn(summarize(v.State), v)
	}
	return nil
}

func summarize(s *State) Summary {
	status := "open"
	if s.Closed {
		status = "closed"
	}
	return Summary{ID: s.ID, Title: s.Title, Severity: s.Severity, Status: status,
		Runbook: s.Runbook.ID, Version: s.Runbook.Version, OpenedAt: s.OpenedAt, ClosedAt: s.ClosedAt,
		Drill: s.Drill, RespondBy: s.RespondBy, ResolveBy: s.ResolveBy, Responded: s.RespondedAt}
}

// Incident is an open incident with the writer lock held.
type Incident struct {
	ID      string
	Dir     string
	Runbook *runbook.Runbook
	Policy  *runbook.Policy
	Actor   string
	// State is the incident as it stands, kept up to date by every command; Brief
	// (without the long lists) when opened with OpenForCommand.
	State *State

	// Saved says where the last command's event went (seq, shared or not).
	Saved Saved
	// Flushed says what the last publishing of the outbox did (team incidents).
	Flushed Flushed

	j      *journal.Journal // nil when opened to queue only (OpenQueued)
	now    func() time.Time
	shared Shared          // the team store, for a team incident
	ctx    context.Context // for the team store's calls
	sigs   *sigSharer      // signs and shares this responder's team lines (sign_team.go)
	// queueOnly sends every command to the outbox (OpenQueued); flushing is set while
	// Flush publishes, so a cancelled round keeps what it had not shared (outbox.go).
	queueOnly, flushing bool
}

// Close releases the writer lock, once the signatures of the lines written are made
// (and, for a team incident, published). It does not close the incident (see
// CloseIncident).
func (inc *Incident) Close() error {
	if inc.j == nil {
		return nil // opened to queue only: no lock held, no line written
	}
	inc.finishSigs()
	return inc.j.Close()
}

// Events reads the journal's events so far.
func (inc *Incident) Events() ([]journal.Event, error) {
	if inc.j == nil {
		return journal.ReadAll(inc.Dir)
	}
	return inc.j.Events()
}

// A decision is a command checked against the incident as it stands (its state,
// runbook and policy): the event the command writes, or a refusal that says why not.
// It does no I/O and may run more than once: a team incident runs it again after
// catching up with what others wrote meanwhile (publish), and the outbox runs a queued
// event's command again when the store is back (Flush). One set of rules, wherever the
// command meets the state.
type decision func(inc *Incident) (typ string, payload any, err error)

// as is the decision of an event written as it is (a drill's injects, the started
// event): only the incident must still be open.
func as(typ string, payload any) decision {
	return func(*Incident) (string, any, error) { return typ, payload, nil }
}

// decide runs d against the current state, after the check every command makes (the
// incident is open), and refuses a payload that would not decode as its type: muster
// never writes what it cannot read back.
func (inc *Incident) decide(d decision) (string, any, error) {
	if err := inc.open(); err != nil {
		return "", nil, err
	}
	typ, payload, err := d(inc)
	if err != nil {
		return "", nil, err
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return "", nil, fmt.Errorf("%s event: %w", typ, err)
	}
	if _, err := Decode(journal.Event{Type: typ, Data: data}); err != nil {
		return "", nil, fmt.Errorf("%s event: refusing to write a payload muster cannot read back: %s", typ, err.(*PayloadError).Err)
	}
	return typ, payload, nil
}

// run decides a command and writes its event, folding it into the state only once it
// is saved.
func (inc *Incident) run(d decision) (journal.Event, error) {
	typ, payload, err := inc.decide(d)
	if err != nil {
		return journal.Event{}, err
	}
	if inc.shared != nil {
		return inc.appendShared(d, typ, payload) // folds the event when shared
	}
	e, err := inc.j.Append(inc.Actor, typ, payload)
	if err == nil {
		inc.Saved = Saved{Seq: e.Seq}
	}
	if err != nil {
		return journal.Event{}, err
	}
	inc.State.Apply(e)
	return e, nil
}

// do is run for the commands that return only an error.
func (inc *Incident) do(d decision) error {
	_, err := inc.run(d)
	return err
}

// AppendEvent appends an event written by another package (a drill's injects and
// verdicts) after the same open-incident check as every command. The payload must
// decode as typ (see Decode).
func (inc *Incident) AppendEvent(typ string, payload any) (journal.Event, error) {
	return inc.run(as(typ, payload))
}

func (inc *Incident) open() error {
	if inc.State.Closed {
		if inc.State.ClosedBy != "" {
			return refuse("incident %s is closed (by %s at %s)", inc.ID, inc.State.ClosedBy, inc.State.ClosedAt.UTC().Format(time.RFC3339))
		}
		return refuse("incident %s is closed", inc.ID)
	}
	return nil
}

func required(fields ...field) error {
	for _, f := range fields {
		*f.v = strings.TrimSpace(untrusted.Clean(*f.v))
		if *f.v == "" {
			return badInput("%s is required", f.what)
		}
	}
	return nil
}

// checkNoteText refuses a note that cleaning would alter: NUL, ESC and the other
// control characters but tab, newline and carriage return, bidi overrides and invalid
// UTF-8. A note is stored exactly as typed or not at all; binary or terminal-control
// content belongs in an attached file.
func checkNoteText(s string) error {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return refuse("the note is not valid UTF-8 (byte 0x%02x at offset %d): convert it to UTF-8, or attach it as a file (muster incident attach)", s[i], i)
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r):
			return refuse("the note holds a control character (U+%04X at offset %d; ESC starts terminal escape sequences): remove it, or attach the content as a file (muster incident attach)", r, i)
		case r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069:
			return refuse("the note holds a bidi override (U+%04X at offset %d), which can make text read differently from what it says: remove it", r, i)
		}
		i += n
	}
	return nil
}

// field is a value a command requires, cleaned in place, and how to ask for it.
type field struct {
	what string
	v    *string
}

func (inc *Incident) step(id string) (runbook.Step, error) {
	st, ok := inc.Runbook.Step(id)
	if !ok {
		return st, unknownStep(inc.Runbook, id)
	}
	return st, nil
}

// unknownStep is the error for a step id the runbook lacks, with the closest one when
// it looks misspelt (as the scenario lint says it).
func unknownStep(rb *runbook.Runbook, id string) error {
	steps := rb.Steps()
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = s.ID
	}
	return badInput("runbook %s has no step %q%s", rb.ID, id, tomldoc.DidYouMean(id, ids))
}

// CompleteStep marks a step done, with an optional note.
func (inc *Incident) CompleteStep(stepID, note string) error {
	return inc.do(completeStep(stepID, note))
}

func completeStep(stepID, note string) decision {
	return func(inc *Incident) (string, any, error) {
		st, err := inc.todo(stepID)
		if err != nil {
			return "", nil, err
		}
		return EvStepDone, StepEvent{Step: st.ID, Note: strings.TrimSpace(untrusted.Clean(note))}, nil
	}
}

// todo is the runbook's step stepID, refused unless it is still to do.
func (inc *Incident) todo(stepID string) (runbook.Step, error) {
	st, err := inc.step(stepID)
	if err != nil {
		return st, err
	}
	if cur := inc.State.Step(st.ID); cur.Status != StepTodo {
		if st.DoneByStart() {
			return st, refuse("step %s was done by the start of the incident (by %s at %s): nothing to do", st.ID, cur.By, cur.At.UTC().Format(time.RFC3339))
		}
		return st, refuse("step %s is already %s (by %s at %s); undo it first", st.ID, cur.Status, cur.By, cur.At.UTC().Format(time.RFC3339))
	}
	return st, nil
}

// SkipStep marks a step skipped; the reason is required.
func (inc *Incident) SkipStep(stepID, reason string) error {
	return inc.do(skipStep(stepID, reason))
}

func skipStep(stepID, reason string) decision {
	return func(inc *Incident) (string, any, error) {
		if _, err := inc.step(stepID); err != nil {
			return "", nil, err
		}
		if err := required(field{"a reason for skipping", &reason}); err != nil {
			return "", nil, err
		}
		st, err := inc.todo(stepID)
		if err != nil {
			return "", nil, err
		}
		return EvStepSkipped, StepEvent{Step: st.ID, Reason: reason}, nil
	}
}

// UndoStep puts a done or skipped step back to do.
func (inc *Incident) UndoStep(stepID, reason string) error {
	return inc.do(undoStep(stepID, reason))
}

func undoStep(stepID, reason string) decision {
	return func(inc *Incident) (string, any, error) {
		st, err := inc.step(stepID)
		if err != nil {
			return "", nil, err
		}
		if inc.State.Step(st.ID).Status == StepTodo {
			return "", nil, refuse("step %s is not done or skipped; nothing to undo", st.ID)
		}
		if st.DoneByStart() {
			return "", nil, refuse("step %s was done by the start of the incident: the start cannot be undone", st.ID)
		}
		return EvStepUndone, StepEvent{Step: st.ID, Reason: strings.TrimSpace(untrusted.Clean(reason))}, nil
	}
}

// Acknowledge records that a responder took the incident: it meets respond-by.
func (inc *Incident) Acknowledge() error { return inc.do(acknowledge) }

func acknowledge(inc *Incident) (string, any, error) {
	if !inc.State.RespondedAt.IsZero() {
		return "", nil, refuse("incident %s was already acknowledged at %s", inc.ID, inc.State.RespondedAt.UTC().Format(time.RFC3339))
	}
	return EvAcknowledged, struct{}{}, nil
}

// AddNote records a note, optionally about a step.
func (inc *Incident) AddNote(text, step string) error { return inc.do(addNote(text, step)) }

func addNote(text, step string) decision {
	return func(inc *Incident) (string, any, error) {
		if err := checkNoteText(text); err != nil {
			return "", nil, err
		}
		if step != "" {
			if _, err := inc.step(step); err != nil {
				return "", nil, err // a note about a step the runbook lacks would point nowhere
			}
		}
		if err := required(field{"the note's text", &text}); err != nil {
			return "", nil, err
		}
		return EvNote, Note{Text: text, Step: step}, nil
	}
}

// Attach stores a file as evidence: streamed into the content-addressed store, the
// original untouched; a symlink is recorded as a link.
func (inc *Incident) Attach(path string) (journal.Attachment, error) {
	return inc.AttachTo(path, "", "")
}

// AttachTo is Attach with the step the file is evidence for ("" for the incident) and
// a one-line description of it ("" for none), kept in the record.
func (inc *Incident) AttachTo(path, step, description string) (journal.Attachment, error) {
	if err := inc.open(); err != nil {
		return journal.Attachment{}, err
	}
	var meta map[string]any
	if step != "" {
		if _, err := inc.step(step); err != nil {
			return journal.Attachment{}, err
		}
		meta = map[string]any{AttachStep: step}
	}
	if description = strings.TrimSpace(description); description != "" {
		if untrusted.Line(description) != description {
			return journal.Attachment{}, badInput("the description holds control characters, escape sequences or line breaks: one line of plain text")
		}
		if meta == nil {
			meta = map[string]any{}
		}
		meta[AttachDescription] = description
	}
	if inc.shared != nil {
		return inc.attachShared(path, meta)
	}
	e, a, err := inc.j.Attach(inc.Actor, path, meta)
	if err != nil {
		return journal.Attachment{}, err
	}
	inc.State.Apply(e)
	return a, nil
}

// Escalate records an escalation: to whom and why, both required.
func (inc *Incident) Escalate(to, reason string) error { return inc.do(escalate(to, reason)) }

func escalate(to, reason string) decision {
	return func(*Incident) (string, any, error) {
		if err := required(field{"who the incident is escalated to (--to)", &to}, field{"the reason for the escalation (--reason)", &reason}); err != nil {
			return "", nil, err
		}
		return EvEscalated, Escalation{To: untrusted.Line(to), Reason: reason}, nil
	}
}

// Notify records a customer or stakeholder communication that was sent.
func (inc *Incident) Notify(audience, channel, message string) error {
	return inc.do(notify(audience, channel, message))
}

func notify(audience, channel, message string) decision {
	return func(*Incident) (string, any, error) {
		if err := required(field{"the audience (--audience)", &audience}, field{"the message that was sent (--message)", &message}); err != nil {
			return "", nil, err
		}
		return EvNotified, Notice{Audience: untrusted.Line(audience), Channel: untrusted.Line(channel), Message: message}, nil
	}
}

// ChangeSeverity moves the incident to another level; deadlines are recomputed from
// the original start.
func (inc *Incident) ChangeSeverity(level, reason string) error {
	return inc.do(changeSeverity(level, reason))
}

func changeSeverity(level, reason string) decision {
	return func(inc *Incident) (string, any, error) {
		if _, ok := inc.Policy.Level(level); !ok {
			return "", nil, badInput("unknown severity %q: the %s policy has %s", level, inc.Policy.Name, strings.Join(inc.Policy.LevelNames(), ", "))
		}
		if level == inc.State.Severity {
			if n := len(inc.State.Severities); n > 0 {
				last := inc.State.Severities[n-1]
				return "", nil, refuse("incident %s is already %s (moved by %s at %s)", inc.ID, level, last.Actor, last.At.UTC().Format(time.RFC3339))
			}
			return "", nil, refuse("incident %s is already %s", inc.ID, level)
		}
		if err := required(field{"the reason for the change (--reason)", &reason}); err != nil {
			return "", nil, err
		}
		respond, resolve, err := inc.Policy.Deadlines(level, inc.State.OpenedAt)
		if err != nil {
			return "", nil, refuse("%v", err)
		}
		return EvSeverityChanged, SeverityChange{From: inc.State.Severity, To: level, Reason: reason, RespondBy: respond, ResolveBy: resolve}, nil
	}
}

// Assign gives a role to a person.
func (inc *Incident) Assign(role, to string) error { return inc.do(assign(role, to)) }

func assign(role, to string) decision {
	return func(*Incident) (string, any, error) {
		if err := required(field{"the role (--role)", &role}, field{"who takes the role (--to)", &to}); err != nil {
			return "", nil, err
		}
		return EvRoleAssigned, RoleAssignment{Role: untrusted.Line(role), To: untrusted.Line(to)}, nil
	}
}

// AddFollowUp records a follow-up action with its owner and due date, and returns its
// id: the next free one when the event is written (on a team incident, a follow-up
// another responder added meanwhile moves this one to the next id).
func (inc *Incident) AddFollowUp(owner string, due time.Time, text string) (string, error) {
	e, err := inc.run(addFollowUp(owner, due, text))
	if err != nil {
		return "", err
	}
	var f FollowUp
	if err := json.Unmarshal(e.Data, &f); err != nil {
		return "", err
	}
	return f.ID, nil
}

func addFollowUp(owner string, due time.Time, text string) decision {
	return func(inc *Incident) (string, any, error) {
		if err := required(field{"the follow-up's owner (--owner)", &owner}, field{"what the follow-up is", &text}); err != nil {
			return "", nil, err
		}
		if due.IsZero() {
			return "", nil, badInput("the follow-up's due date is required (--due YYYY-MM-DD)")
		}
		return EvFollowUpAdded, FollowUp{ID: inc.State.NextFollowUpID(), Owner: untrusted.Line(owner), Due: due, Text: text}, nil
	}
}

// CompleteFollowUp marks a follow-up done.
func (inc *Incident) CompleteFollowUp(id, note string) error {
	return inc.do(completeFollowUp(id, note))
}

func completeFollowUp(id, note string) decision {
	return func(inc *Incident) (string, any, error) {
		for _, f := range inc.State.FollowUps {
			if strings.EqualFold(f.ID, id) {
				if f.Done {
					return "", nil, refuse("follow-up %s is already done (by %s at %s)", f.ID, f.DoneBy, f.DoneAt.UTC().Format(time.RFC3339))
				}
				return EvFollowUpDone, FollowUpDone{ID: f.ID, Note: strings.TrimSpace(untrusted.Clean(note))}, nil
			}
		}
		return "", nil, badInput("incident %s has no follow-up %q", inc.ID, id)
	}
}

// RecordCheck logs a built-in check's result as evidence.
func (inc *Incident) RecordCheck(c CheckRun) error { return inc.do(recordCheck(c)) }

func recordCheck(c CheckRun) decision {
	return func(*Incident) (string, any, error) {
		c.Summary = untrusted.Clean(c.Summary)
		return EvCheckRun, c, nil
	}
}

// CloseIncident closes the incident. It is refused while required steps are neither
// done nor skipped, or follow-ups are open, unless force is set with a reason; a forced
// close records what was left open.
func (inc *Incident) CloseIncident(summary string, force bool, reason string) error {
	return inc.do(closeIncident(summary, force, reason))
}

func closeIncident(summary string, force bool, reason string) decision {
	return func(inc *Incident) (string, any, error) {
		open := inc.State.OpenWork()
		c := Closed{Summary: strings.TrimSpace(untrusted.Clean(summary))}
		if len(open) > 0 {
			if !force {
				return "", nil, refuse("cannot close %s: %d open (%s); finish or skip them with a reason, or use --force --reason", inc.ID, len(open), strings.Join(open, ", "))
			}
			if err := required(field{"a reason for forcing the close (--reason)", &reason}); err != nil {
				return "", nil, err
			}
			c.Forced, c.Reason, c.Open = true, reason, open
		}
		return EvClosed, c, nil
	}
}
