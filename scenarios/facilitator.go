package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// StartRecord is the drill.started record: it draws one inject of every pool with a
// PCG generator seeded with seed, and starts the clock at now at the given speed.
func (e *Engine) StartRecord(now time.Time, seed uint64, speed float64, file string) (Record, error) {
	if e.started {
		return Record{}, refuse("the drill has already started")
	}
	if err := checkSpeed(speed); err != nil {
		return Record{}, err
	}
	p := StartedPayload{Scenario: e.sc.ID, Version: e.sc.Version.String(), Digest: e.sc.Digest, Title: e.sc.Title, File: file,
		Seed: seed, Speed: speed, StoryStart: e.sc.StoryStart, Real: now.UTC()}
	if len(e.sc.Pools) > 0 {
		p.Picks = Draw(e.sc, seed)
	}
	return Record{Type: EvDrillStarted, Payload: p}, nil
}

// Draw picks one member of every pool of sc with a PCG generator seeded with seed:
// the same seed always draws the same injects.
func Draw(sc *Scenario, seed uint64) map[string]string {
	r := rand.New(rand.NewPCG(seed, pcgStream))
	picks := map[string]string{}
	for _, pl := range sc.Pools {
		total := 0
		for k := range pl.Members {
			total += weight(pl, k)
		}
		n := r.IntN(total)
		for k, m := range pl.Members {
			if n -= weight(pl, k); n < 0 {
				picks[pl.ID] = m
				break
			}
		}
	}
	return picks
}

func weight(pl Pool, k int) int {
	if pl.Weights == nil {
		return 1
	}
	return pl.Weights[k]
}

func checkSpeed(x float64) error {
	if math.IsNaN(x) || x < MinSpeed || x > MaxSpeed {
		return refuse("speed %gx is out of range: %gx to %gx", x, MinSpeed, MaxSpeed)
	}
	return nil
}

func (e *Engine) running() error {
	switch {
	case !e.started:
		return refuse("the drill has not started")
	case e.ended:
		return refuse("the drill has ended")
	case e.stopped:
		return refuse("the drill is ending")
	case e.closed:
		return refuse("the drill's incident is closed")
	}
	return nil
}

// Pause stops the drill clock: injects, decision timeouts and deadlines wait.
func (e *Engine) Pause(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	if e.paused {
		return Record{}, refuse("the drill is already paused")
	}
	return Record{Type: EvPaused, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC()}}, nil
}

// Resume restarts the drill clock where it stopped.
func (e *Engine) Resume(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	if !e.paused {
		return Record{}, refuse("the drill is not paused")
	}
	return Record{Type: EvResumed, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC()}}, nil
}

// SetSpeed changes how many seconds of drill time pass per real second (1 to 120).
func (e *Engine) SetSpeed(now time.Time, speed float64) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	if err := checkSpeed(speed); err != nil {
		return Record{}, err
	}
	if speed == e.speed {
		return Record{}, refuse("the drill already runs at %gx", speed)
	}
	return Record{Type: EvSpeed, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC(), Speed: speed, From: e.speed}}, nil
}

// Skip moves the drill clock forward to the next scheduled inject.
func (e *Engine) Skip(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	d := e.drillNow(now)
	best, bestI := time.Duration(0), -1
	for i := range e.sc.Injects {
		if e.inj[i].fired {
			continue
		}
		if due, _, ok := e.injectDue(i); ok && due > d && due < e.sc.PlannedDuration && (bestI < 0 || due < best) {
			best, bestI = due, i
		}
	}
	if bestI < 0 {
		return Record{}, refuse("no inject is scheduled after %s: the rest wait for the team or a decision", formatOffset(d))
	}
	return Record{Type: EvSkip, Payload: ClockPayload{Drill: int64(d), Real: now.UTC(), To: int64(best), Inject: e.sc.Injects[bestI].ID}}, nil
}

// Trigger delivers an inject now, whatever its timing: the facilitator's override.
// It never lets two contradictory injects both play: a pool's undrawn variant
// replaces the drawn one while that has not fired (and is refused once it has); a
// branch target fires only when its decision was taken with an option that leads to
// it (it then fires now instead of after the option's delay).
func (e *Engine) Trigger(now time.Time, id string) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	i, ok := e.sc.injectIndex[id]
	if !ok {
		return Record{}, refuse("scenario %s has no inject %q", e.sc.ID, id)
	}
	if e.inj[i].fired {
		return Record{}, refuse("inject %s already fired at %s", id, formatOffset(e.inj[i].at))
	}
	tc := e.triggerChoice(i)
	if tc.Refused {
		return Record{}, refuse("inject %s cannot be triggered: %s", id, tc.Note)
	}
	d := e.drillNow(now)
	r := e.injectRecord(i, d, d, "trigger", now)
	if tc.Replaces != "" {
		p := r.Payload.(InjectPayload)
		p.Pool, p.Replaces = e.sc.Injects[i].Pool, tc.Replaces
		r.Payload = p
	}
	return r, nil
}

// TriggerChoice is an inject not delivered yet, as the facilitator's trigger list
// shows it: what triggering it means, or why it is refused.
type TriggerChoice struct {
	Inject   string `json:"inject"`
	Title    string `json:"title"`
	Note     string `json:"note,omitempty"`     // replaces X (pool P); or why it is refused
	Replaces string `json:"replaces,omitempty"` // the drawn variant it would replace
	Refused  bool   `json:"refused,omitempty"`
}

// TriggerChoices lists every inject not delivered yet, in scenario order, each with
// what triggering it means.
func (e *Engine) TriggerChoices() []TriggerChoice {
	var out []TriggerChoice
	for i := range e.sc.Injects {
		if !e.inj[i].fired {
			out = append(out, e.triggerChoice(i))
		}
	}
	return out
}

func (e *Engine) triggerChoice(i int) TriggerChoice {
	in := &e.sc.Injects[i]
	tc := TriggerChoice{Inject: in.ID, Title: in.Title}
	if in.Pool != "" {
		if drawn := e.pick(in.Pool); drawn != in.ID && drawn != "" {
			j := e.sc.injectIndex[drawn]
			if e.inj[j].fired {
				tc.Refused = true
				tc.Note = fmt.Sprintf("pool %s played %s at %s; a second variant would contradict it", in.Pool, drawn, formatOffset(e.inj[j].at))
				return tc
			}
			tc.Replaces = drawn
			tc.Note = fmt.Sprintf("replaces %s, the variant pool %s drew (it will not fire)", drawn, in.Pool)
			return tc
		}
	}
	if in.Timed || in.After != nil { // not a branch target
		return tc
	}
	var open, other []string
	for _, src := range e.sc.gotoSources(in.ID) {
		st := &e.inj[e.sc.injectIndex[src.inject]]
		switch {
		case st.decided && st.option == src.option:
			tc.Note = fmt.Sprintf("branch of %s=%s, due at %s", src.inject, src.option, formatOffset(st.decidedAt+src.delay))
			return tc
		case st.decided:
			other = append(other, fmt.Sprintf("%s was answered %s", src.inject, st.option))
		default:
			open = append(open, fmt.Sprintf("%s=%s", src.inject, src.option))
		}
	}
	tc.Refused = true
	switch {
	case len(open) > 0:
		tc.Note = "a branch of " + strings.Join(open, " or ") + ": take that decision first"
	default:
		tc.Note = "a branch not taken: " + strings.Join(other, ", ")
	}
	return tc
}

// AdHoc is an inject the facilitator writes during the drill.
type AdHoc struct {
	From, Channel, Title, Body string
}

// AddAdHoc delivers a new inject written by the facilitator.
func (e *Engine) AddAdHoc(now time.Time, a AdHoc) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	a.From, a.Channel, a.Title, a.Body = untrusted.Field(a.From), untrusted.Field(a.Channel), untrusted.Field(a.Title), untrusted.Block(a.Body)
	if a.Title == "" {
		return Record{}, refuse("an ad-hoc inject needs a title")
	}
	if a.From == "" {
		a.From = "facilitator"
	}
	if a.Channel == "" {
		a.Channel = "chat"
	}
	if !inList(Channels, a.Channel) {
		return Record{}, refuse("channel %q is not one of %s", a.Channel, strings.Join(Channels, ", "))
	}
	d := e.drillNow(now)
	return Record{Type: EvAdHoc, Payload: AdHocPayload{ID: fmt.Sprintf("adhoc-%d", e.adhocs+1), From: a.From, Channel: a.Channel, Title: a.Title,
		Body: a.Body, Module: e.module, Drill: int64(d), Story: e.Story(d), Real: now.UTC()}}, nil
}

// Decide answers a fired inject's open decision.
func (e *Engine) Decide(now time.Time, injectID, option string) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	i, ok := e.sc.injectIndex[injectID]
	if !ok {
		return Record{}, refuse("scenario %s has no inject %q", e.sc.ID, injectID)
	}
	in := &e.sc.Injects[i]
	st := &e.inj[i]
	switch {
	case in.Decision == nil:
		return Record{}, refuse("inject %s asks for no decision", injectID)
	case !st.fired:
		return Record{}, refuse("inject %s has not fired yet", injectID)
	case st.decided:
		return Record{}, refuse("the decision of inject %s was already taken: %s (%s)", injectID, st.option, st.decidedBy)
	}
	if _, ok := in.Decision.Option(option); !ok {
		var ids []string
		for _, o := range in.Decision.Options {
			ids = append(ids, o.ID)
		}
		return Record{}, refuse("the decision of inject %s has no option %q (options: %s)", injectID, option, strings.Join(ids, ", "))
	}
	return e.decisionRecord(i, option, "facilitator", e.drillNow(now), now), nil
}

// Stop ends the drill early: the clock stops, open expectations are missed.
func (e *Engine) Stop(now time.Time) (Record, error) {
	if err := e.running(); err != nil {
		return Record{}, err
	}
	return Record{Type: EvStop, Payload: ClockPayload{Drill: int64(e.drillNow(now)), Real: now.UTC()}}, nil
}
