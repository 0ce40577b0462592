package scenarios

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// ScenarioFile is the frozen copy of the scenario in a drill's incident directory, next
// to the frozen runbook and policy, so the drill can be resumed and reported with
// exactly the scenario it was played with.
const ScenarioFile = "scenario.toml"

// Journal is where a drill reads and writes its incident's events.
// *incident.Incident is one (it holds the writer lock for as long as it is open);
// StoreJournal is another (it takes the lock only while appending).
type Journal interface {
	AppendEvent(typ string, payload any) (journal.Event, error)
	Events() ([]journal.Event, error)
}

// Batcher is a Journal that can hold its writer lock across several appends.
type Batcher interface {
	Batch(f func(j Journal) error) error
}

// FollowUpAdder records follow-up actions; *incident.Incident is one.
type FollowUpAdder interface {
	AddFollowUp(owner string, due time.Time, text string) (string, error)
}

// Drill is a running drill: the Engine plus the journal it records to. Its methods
// are safe for concurrent use: the real-time driver (Run) and a screen's key presses
// may call them from different goroutines.
type Drill struct {
	ID string // the drill incident's id

	mu      sync.Mutex
	eng     *Engine
	j       Journal
	changed chan struct{}
	courier *Courier // posts fired injects to the roles' webhooks; nil: none
	carry   Update   // what a delivery record folded, handed out by the next Step
}

// SetCourier makes the drill hand every inject it folds from now on (fired by this
// process or written by another) to c, and record c's failed deliveries in its
// journal. Post never blocks, so delivery never holds up the drill clock. With
// deliverFeed, the injects delivered so far are posted first (a drill just started:
// those due at T+0); a resumed drill leaves them out, its players have them.
func (d *Drill) SetCourier(c *Courier, deliverFeed bool) {
	d.mu.Lock()
	d.courier = c
	if c != nil && deliverFeed {
		c.Post(d.eng.Feed())
	}
	d.mu.Unlock()
	if c != nil {
		c.attach(d.recordDelivery)
	}
}

// recordDelivery appends a failed delivery to the journal.
func (d *Drill) recordDelivery(p incident.DrillDelivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.poke()
	d.batch(func(j Journal) error { //nolint:errcheck // a journal that refuses (the drill closed) loses only this record; OnFailure still shows it
		u, err := d.record(j, Record{Type: EvDelivery, Payload: p})
		d.carry.merge(u) // the driver's next Step hands it to the screen
		return err
	})
}

// NewDrill wraps an engine and the journal of its incident. It folds the journal's
// events into the engine.
func NewDrill(id string, eng *Engine, j Journal) (*Drill, error) {
	d := &Drill{ID: id, eng: eng, j: j, changed: make(chan struct{}, 1)}
	if _, err := d.sync(); err != nil {
		return nil, err
	}
	return d, nil
}

// Update is what one Step or action added to the journal.
type Update struct {
	Fired  []FeedItem      // injects delivered (ad-hoc ones included): ring the bell
	Events []journal.Event // every event folded, team actions and drill records alike
	Ended  bool            // the drill ended in this update
}

func mergeUpdates(a, b Update) Update {
	a.merge(b)
	return a
}

func (u *Update) merge(o Update) {
	u.Fired = append(u.Fired, o.Fired...)
	u.Events = append(u.Events, o.Events...)
	u.Ended = u.Ended || o.Ended
}

// apply folds events into the engine and reports what they delivered.
func (d *Drill) apply(events []journal.Event) Update {
	var u Update
	wasEnded := d.eng.Ended()
	for _, ev := range events {
		if ev.Seq <= d.eng.LastSeq() {
			continue
		}
		before := len(d.eng.feed)
		d.eng.Apply(ev)
		u.Events = append(u.Events, ev)
		if len(d.eng.feed) > before {
			u.Fired = append(u.Fired, d.eng.feed[before:]...)
		}
	}
	u.Ended = !wasEnded && d.eng.Ended()
	if d.courier != nil && len(u.Fired) > 0 {
		d.courier.Post(u.Fired)
	}
	return u
}

// sync folds every event of the journal the engine has not seen.
func (d *Drill) sync() (Update, error) { return d.syncFrom(d.j) }

func (d *Drill) syncFrom(j Journal) (Update, error) {
	if inc, ok := j.(*incident.Incident); ok && inc.State.LastSeq == d.eng.LastSeq() {
		return Update{}, nil // nothing new: the open incident holds the lock and saw every event
	}
	events, err := j.Events()
	if err != nil {
		return Update{}, err
	}
	return d.apply(events), nil
}

// record appends one record through j and folds it (and anything written before it
// that the engine had not seen).
func (d *Drill) record(j Journal, r Record) (Update, error) {
	ev, err := j.AppendEvent(r.Type, r.Payload)
	if err != nil {
		return Update{}, err
	}
	if ev.Seq == d.eng.LastSeq()+1 {
		return d.apply([]journal.Event{ev}), nil
	}
	events, err := j.Events()
	if err != nil {
		return Update{}, err
	}
	return d.apply(events), nil
}

// batch runs f holding the journal's writer lock when the journal can hold it.
func (d *Drill) batch(f func(j Journal) error) error {
	if b, ok := d.j.(Batcher); ok {
		return b.Batch(f)
	}
	return f(d.j)
}

func (d *Drill) poke() {
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// Changed is signalled after every facilitator action and WithJournal, so the driver
// recomputes when to wake.
func (d *Drill) Changed() <-chan struct{} { return d.changed }

// maxRecordsPerStep bounds one Step: a scenario has at most a few thousand records,
// and a planner that kept asking for the same one must not spin forever.
const maxRecordsPerStep = 100000

// Step reads the team's new actions and appends every record due at now: verdicts,
// decision defaults, injects, the end. It returns what changed.
func (d *Drill) Step(now time.Time) (Update, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.sync()
	u, d.carry = mergeUpdates(d.carry, u), Update{}
	if err != nil {
		return u, err
	}
	if _, due := d.eng.Next(now); !due {
		return u, nil
	}
	err = d.batch(func(j Journal) error {
		// With the lock held, nobody else writes: fold what came in since.
		su, err := d.syncFrom(j)
		if err != nil {
			return err
		}
		u.merge(su)
		for n := 0; ; n++ {
			r, ok := d.eng.Next(now)
			if !ok {
				return nil
			}
			if n >= maxRecordsPerStep {
				return fmt.Errorf("drill %s: the planner did not settle after %d records", d.ID, n)
			}
			ru, err := d.record(j, r)
			if err != nil {
				return err
			}
			u.merge(ru)
		}
	})
	return u, err
}

// action validates a facilitator action against the engine, appends its record and
// then everything that became due with it.
func (d *Drill) action(now time.Time, make func() (Record, error)) (Update, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.poke()
	u, err := d.sync()
	if err != nil {
		return u, err
	}
	if _, err := make(); err != nil {
		return u, err // refused before taking the lock
	}
	err = d.batch(func(j Journal) error {
		// Validate again with the lock held, against everything written so far.
		su, err := d.syncFrom(j)
		if err != nil {
			return err
		}
		u.merge(su)
		r, err := make()
		if err != nil {
			return err
		}
		ru, err := d.record(j, r)
		if err != nil {
			return err
		}
		u.merge(ru)
		for n := 0; n < maxRecordsPerStep; n++ {
			r, ok := d.eng.Next(now)
			if !ok {
				return nil
			}
			ru, err := d.record(j, r)
			if err != nil {
				return err
			}
			u.merge(ru)
		}
		return nil
	})
	return u, err
}

// Pause stops the drill clock.
func (d *Drill) Pause(now time.Time) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Pause(now) })
}

// Resume restarts the drill clock.
func (d *Drill) Resume(now time.Time) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Resume(now) })
}

// SetSpeed changes the clock's speed (1 to 120).
func (d *Drill) SetSpeed(now time.Time, speed float64) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.SetSpeed(now, speed) })
}

// Skip jumps the clock to the next scheduled inject, which fires.
func (d *Drill) Skip(now time.Time) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Skip(now) })
}

// Trigger delivers an inject now.
func (d *Drill) Trigger(now time.Time, inject string) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Trigger(now, inject) })
}

// AddAdHoc delivers an inject the facilitator wrote.
func (d *Drill) AddAdHoc(now time.Time, a AdHoc) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.AddAdHoc(now, a) })
}

// Decide answers the open decision of an inject.
func (d *Drill) Decide(now time.Time, inject, option string) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Decide(now, inject, option) })
}

// Stop ends the drill now: open expectations are missed.
func (d *Drill) Stop(now time.Time) (Update, error) {
	return d.action(now, func() (Record, error) { return d.eng.Stop(now) })
}

// WithJournal runs f (a team action through the same *incident.Incident the drill
// writes to, from another goroutine) while no drill record is being written, then
// folds what f appended and wakes the driver.
func (d *Drill) WithJournal(f func() error) (Update, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.poke()
	ferr := f()
	u, err := d.sync()
	if ferr != nil {
		return u, ferr
	}
	return u, err
}

// Status, Feed, Expectations, Decisions and NextWake read the engine under the lock.

// Status returns the drill at now.
func (d *Drill) Status(now time.Time) Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.Status(now)
}

// Feed returns every inject delivered so far.
func (d *Drill) Feed() []FeedItem {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.Feed()
}

// Expectations returns every expectation with its verdict at now.
func (d *Drill) Expectations(now time.Time) []ExpectationStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.Expectations(now)
}

// Decisions returns the decisions of the fired injects.
func (d *Drill) Decisions() []DecisionView {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.Decisions()
}

// TriggerChoices lists the injects not delivered yet and what triggering each means
// (see Engine.TriggerChoices).
func (d *Drill) TriggerChoices() []TriggerChoice {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.TriggerChoices()
}

// NextWake is when something next falls due on its own (see Engine.NextWake).
func (d *Drill) NextWake(now time.Time) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.NextWake(now)
}

// Ended reports whether the drill has ended.
func (d *Drill) Ended() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng.Ended()
}

// Scenario is the scenario being played.
func (d *Drill) Scenario() *Scenario { return d.eng.sc }

// Finalise turns the improvement plan of an ended drill into follow-ups of the drill
// incident (owner and due date each) and records drill.finalised. The journal must be
// able to add follow-ups (*incident.Incident, StoreJournal). Items already recorded as
// follow-ups (a finalise that failed half-way) are not added twice.
func (d *Drill) Finalise(now time.Time) ([]FinalisedItem, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.sync(); err != nil {
		return nil, err
	}
	switch {
	case !d.eng.Ended():
		return nil, refuse("the drill has not ended: finalise it after the end")
	case d.eng.finalised != nil:
		return nil, refuse("the drill was already finalised at %s", d.eng.finalised.Real.Format(time.RFC3339))
	case d.eng.closed:
		return nil, refuse("the drill's incident is closed: its improvement plan can no longer become follow-ups")
	}
	plan := d.eng.ImprovementPlan()
	var items []FinalisedItem
	err := d.batch(func(j Journal) error {
		adder, ok := j.(FollowUpAdder)
		if !ok {
			return errors.New("this drill's journal cannot record follow-ups")
		}
		for _, it := range plan {
			text := it.FollowUpText(d.eng.sc.ID)
			id := d.eng.followUpWith(text)
			if id == "" {
				var err error
				if id, err = adder.AddFollowUp(it.Owner, it.Due, text); err != nil {
					return err
				}
				if ev, err := j.Events(); err == nil {
					d.apply(ev)
				}
			}
			items = append(items, FinalisedItem{Item: it.ID, FollowUp: id})
		}
		if _, err := d.record(j, Record{Type: EvFinalised, Payload: FinalisedPayload{Items: items, Real: now.UTC()}}); err != nil {
			return err
		}
		// Finalised, the drill is over: its incident closes (it leaves "in progress"
		// on home) and its improvement items live on as the incident's follow-ups.
		closer, ok := j.(Closer)
		if !ok {
			return nil
		}
		if err := closer.CloseIncident(closeSummary(d.eng.sc, items), true, "a drill: the runbook work left open was the exercise's, not real work"); err != nil {
			return err
		}
		_, err := d.syncFrom(j)
		return err
	})
	return items, err
}

// Closer closes the drill's incident once it is finalised; *incident.Incident is one.
type Closer interface {
	CloseIncident(summary string, force bool, reason string) error
}

func closeSummary(sc *Scenario, items []FinalisedItem) string {
	s := "Drill of scenario " + sc.ID + " " + sc.Version.String() + " ended and finalised"
	if len(items) == 0 {
		return s + ": no corrective action."
	}
	var its []string
	for _, it := range items {
		its = append(its, it.Item+" → "+it.FollowUp)
	}
	return s + "; improvement plan: " + strings.Join(its, ", ") + "."
}

func (e *Engine) followUpWith(text string) string {
	for _, f := range e.followUps {
		if f.Text == text {
			return f.ID
		}
	}
	return ""
}

// StartOptions is what a facilitator gives to start a drill.
type StartOptions struct {
	Scenario *Scenario
	Runbook  *runbook.Runbook
	Policy   *runbook.Policy
	Actor    string  // the facilitator
	Seed     uint64  // the pools' seed; recorded in the journal and the incident's labels
	Speed    float64 // 1 to 120
	Now      time.Time
}

// Start opens the drill incident (an incident marked as a drill, labelled with the
// scenario, its version and the seed), freezes the scenario into its directory and
// records drill.started. The incident is returned open (holding the writer lock) and
// is the drill's journal; close it when done, or hand it over with Close and use a
// StoreJournal.
func Start(st *incident.Store, o StartOptions) (*incident.Incident, *Drill, error) {
	sc, rb := o.Scenario, o.Runbook
	if sc == nil || rb == nil {
		return nil, nil, errors.New("scenarios.Start: scenario and runbook are required")
	}
	if rb.ID != sc.Runbook.ID || !sc.Runbook.Version.Contains(rb.Version) {
		return nil, nil, refuse("scenario %s is played with runbook %s %s, not %s %s", sc.ID, sc.Runbook.ID, sc.Runbook.Version, rb.ID, rb.Version)
	}
	if err := checkSpeed(o.Speed); err != nil {
		return nil, nil, err
	}
	inc, err := st.Start(incident.StartOptions{Runbook: rb, Policy: o.Policy, Severity: sc.Severity, Title: sc.Title, Actor: o.Actor, Drill: true,
		Labels: map[string]string{"scenario": sc.ID, "scenario_version": sc.Version.String(), "seed": strconv.FormatUint(o.Seed, 10)}})
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*incident.Incident, *Drill, error) {
		inc.Close()
		return nil, nil, err
	}
	if err := incident.WriteFrozen(filepath.Join(inc.Dir, ScenarioFile), sc.Raw); err != nil {
		return fail(err)
	}
	d, err := NewDrill(inc.ID, NewEngine(sc, rb, o.Policy), inc)
	if err != nil {
		return fail(err)
	}
	r, err := d.eng.StartRecord(o.Now, o.Seed, o.Speed, ScenarioFile)
	if err != nil {
		return fail(err)
	}
	if _, err := d.record(inc, r); err != nil {
		return fail(err)
	}
	// Injects due at the start are delivered with it.
	if _, err := d.Step(o.Now); err != nil {
		return fail(err)
	}
	return inc, d, nil
}

// LoadFrozen reads the scenario frozen into a drill incident's directory, checked
// against the incident's frozen runbook and policy and against the digest its
// drill.started recorded.
func LoadFrozen(dir string, rb *runbook.Runbook, pol *runbook.Policy, events []journal.Event) (*Scenario, error) {
	path := filepath.Join(dir, ScenarioFile)
	sc, problems := LoadFile(path, Env{Runbooks: OneRunbook{rb}, Policy: pol})
	if len(problems) > 0 {
		return nil, fmt.Errorf("drill %s: frozen scenario: %w", filepath.Base(dir), problems)
	}
	for _, ev := range events {
		if ev.Type != EvDrillStarted {
			continue
		}
		p, err := incident.Decode(ev)
		if err != nil {
			return nil, fmt.Errorf("drill %s: %w", filepath.Base(dir), err)
		}
		if p := p.(StartedPayload); p.Digest != sc.Digest {
			return nil, fmt.Errorf("drill %s: %s has sha256 %s, but the drill started with %s", filepath.Base(dir), path, sc.Digest, p.Digest)
		}
		return sc, nil
	}
	return nil, fmt.Errorf("drill %s: the journal has no %s event: not a drill muster started", filepath.Base(dir), EvDrillStarted)
}

// Rebuild folds a drill incident's journal into a new engine: what a resume after
// quitting, and the after-action report, start from.
func Rebuild(v *incident.View) (*Engine, error) {
	if !v.State.Drill {
		return nil, fmt.Errorf("%s is not a drill", v.State.ID)
	}
	sc, err := LoadFrozen(v.Dir, v.Runbook, v.Policy, v.Events)
	if err != nil {
		return nil, err
	}
	eng := NewEngine(sc, v.Runbook, v.Policy)
	for _, ev := range v.Events {
		eng.Apply(ev)
	}
	if err := eng.loadDraft(v.Dir); err != nil {
		return nil, err
	}
	return eng, nil
}

// Resume reopens a drill from its journal, for instance after quitting: the engine is
// rebuilt by folding v's events, and the drill goes on writing through j (the open
// incident, or a StoreJournal). Events written after v was read come in the first
// Step's Update.
func Resume(v *incident.View, j Journal) (*Drill, error) {
	eng, err := Rebuild(v)
	if err != nil {
		return nil, err
	}
	return &Drill{ID: v.State.ID, eng: eng, j: j, changed: make(chan struct{}, 1)}, nil
}

// StoreJournal is a drill's journal that takes the incident's writer lock only while
// appending, so responders can run `muster incident ...` commands against the drill
// incident from other terminals while a headless drill runs.
type StoreJournal struct {
	Store *incident.Store
	ID    string
	Actor string
	Wait  time.Duration // how long to retry while another command holds the lock (default 5s)

	mu     sync.Mutex
	size   int64
	mtime  time.Time
	events []journal.Event
}

// Events reads the journal; an unchanged file is not read again.
func (s *StoreJournal) Events() ([]journal.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := s.Store.Dir(s.ID)
	fi, err := os.Stat(filepath.Join(dir, journal.FileName))
	if err != nil {
		return nil, err
	}
	if s.events != nil && fi.Size() == s.size && fi.ModTime().Equal(s.mtime) {
		return s.events, nil
	}
	ctx := s.Store.Context // Ctrl+C ends a long read
	if ctx == nil {
		ctx = context.Background()
	}
	events, err := journal.ReadAllContext(ctx, dir)
	if err != nil {
		return nil, err
	}
	s.events, s.size, s.mtime = events, fi.Size(), fi.ModTime()
	return events, nil
}

// AppendEvent opens the incident, appends one event and closes it.
func (s *StoreJournal) AppendEvent(typ string, payload any) (journal.Event, error) {
	var ev journal.Event
	err := s.Batch(func(j Journal) error {
		var err error
		ev, err = j.AppendEvent(typ, payload)
		return err
	})
	return ev, err
}

// Batch opens the incident (waiting up to Wait for another writer to finish), runs f
// with it and closes it.
func (s *StoreJournal) Batch(f func(j Journal) error) error {
	wait := s.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		inc, err := s.Store.Open(s.ID, s.Actor)
		var locked *journal.LockedError
		if errors.As(err, &locked) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err != nil {
			return err
		}
		ferr := f(inc)
		cerr := inc.Close()
		if ferr != nil {
			return ferr
		}
		return cerr
	}
}

// DrillAt is the drill time at the real instant t (a journal event's time, say).
func (d *Drill) DrillAt(t time.Time) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.eng.started {
		return 0
	}
	return d.eng.drillAt(t)
}
