package incident

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// EvImpact records an outage window of one service: when it started and ended, from
// the metrics, not when the incident was opened or closed. Each window has an id (W1,
// W2, ...); a correction is a new impact event naming the window it replaces, so the
// journal keeps what was first believed and what was corrected.
const EvImpact = "impact"

// Impact levels: a full outage, or a partial one (counted as the service's contract
// says, see Service.PartialWeight).
const (
	ImpactFull    = "full"
	ImpactPartial = "partial"
)

// Impact is the payload of impact.
type Impact struct {
	Window  string    `json:"window"` // W1, W2, ... in the order windows were first recorded
	Service string    `json:"service"`
	Level   string    `json:"level"` // full or partial
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"` // zero: the outage is still going on
	Note    string    `json:"note,omitempty"`
	// Corrects is set when this record replaces the window's earlier one.
	Corrects bool `json:"corrects,omitempty"`
	// Withdrawn is set when the window was recorded by mistake: it no longer counts.
	Withdrawn bool `json:"withdrawn,omitempty"`
}

func (Impact) EventType() string { return EvImpact }

func (p Impact) check() error {
	if err := need("window", p.Window, "service", p.Service); err != nil {
		return err
	}
	switch {
	case p.Level != ImpactFull && p.Level != ImpactPartial:
		return fmt.Errorf("level %q is not full or partial", p.Level)
	case p.Start.IsZero():
		return fmt.Errorf("field %q is missing or empty", "start")
	case !p.End.IsZero() && !p.End.After(p.Start):
		return fmt.Errorf("end %s is not after start %s", p.End.UTC().Format(time.RFC3339), p.Start.UTC().Format(time.RFC3339))
	}
	return nil
}

// ImpactEntry is an outage window as it stands after its corrections.
type ImpactEntry struct {
	Entry // the record in force: its seq, time and who wrote it
	Impact
	RecordedAt  time.Time `json:"recorded_at"`           // when the window was first recorded
	Corrections int       `json:"corrections,omitempty"` // how many records replaced the first
}

// Ongoing reports whether the window has no end yet.
func (w ImpactEntry) Ongoing() bool { return w.End.IsZero() }

// applyImpact folds an impact record: a new window, or a correction of one.
func (s *State) applyImpact(ent Entry, p Impact) {
	for i := range s.Impacts {
		if s.Impacts[i].Window == p.Window {
			w := &s.Impacts[i]
			w.Entry, w.Impact = ent, p
			w.Corrections++
			return
		}
	}
	s.Impacts = append(s.Impacts, ImpactEntry{Entry: ent, Impact: p, RecordedAt: ent.At})
}

// Windows returns the outage windows in force (not withdrawn), in the order recorded.
func (s *State) Windows() []ImpactEntry {
	var out []ImpactEntry
	for _, w := range s.Impacts {
		if !w.Withdrawn {
			out = append(out, w)
		}
	}
	return out
}

// NextWindowID is the id the next outage window gets.
func (s *State) NextWindowID() string { return "W" + strconv.Itoa(len(s.Impacts)+1) }

// ImpactOptions is an outage window a responder records, or a correction of one.
type ImpactOptions struct {
	Window   string    // empty: a new window; W1...: correct that window
	Service  string    // required for a new window
	Level    string    // full or partial; a correction keeps the window's when empty
	Start    time.Time // required for a new window
	End      time.Time // zero: still going on (a correction keeps the window's end)
	Note     string
	Withdraw bool // the window was recorded by mistake
	// Services are the names the services config knows; nil when there is none (any
	// name is then taken).
	Services []string
}

// RecordImpact records an outage window, or corrects or withdraws one, and returns
// its id. Times are refused when they lie in the future (beyond a minute of clock
// skew), when the end is not after the start, and on a drill: availability is
// measured on real incidents only.
func (inc *Incident) RecordImpact(o ImpactOptions) (string, error) {
	e, err := inc.run(recordImpact(o))
	if err != nil {
		return "", err
	}
	var p Impact
	if err := json.Unmarshal(e.Data, &p); err != nil {
		return "", err
	}
	return p.Window, nil
}

// recordImpact decides an outage window: a new one takes the next free id when it is
// written (a window another responder recorded meanwhile moves it on).
func recordImpact(o ImpactOptions) decision {
	return func(inc *Incident) (string, any, error) {
		p, err := inc.impact(o)
		if err != nil {
			return "", nil, err
		}
		return EvImpact, p, nil
	}
}

func (inc *Incident) impact(o ImpactOptions) (Impact, error) {
	if inc.State.Drill {
		return Impact{}, refuse("incident %s is a drill: outage windows are recorded on real incidents only (they count against availability)", inc.ID)
	}
	p := Impact{Window: strings.ToUpper(strings.TrimSpace(o.Window)), Service: strings.TrimSpace(untrusted.Line(o.Service)),
		Level: o.Level, Start: o.Start.UTC(), End: o.End.UTC(), Note: strings.TrimSpace(untrusted.Clean(o.Note)), Withdrawn: o.Withdraw}
	if o.End.IsZero() {
		p.End = time.Time{}
	}
	if p.Window != "" {
		i := slices.IndexFunc(inc.State.Impacts, func(w ImpactEntry) bool { return w.Window == p.Window })
		if i < 0 {
			return Impact{}, refuse("incident %s has no outage window %q (it has %s)", inc.ID, o.Window, windowIDs(inc.State))
		}
		old := inc.State.Impacts[i].Impact
		if p.Service == "" {
			p.Service = old.Service
		}
		if p.Level == "" {
			p.Level = old.Level
		}
		if p.Start.IsZero() {
			p.Start = old.Start
		}
		if p.End.IsZero() {
			p.End = old.End
		}
		if p.Note == "" {
			p.Note = old.Note
		}
		p.Corrects = true
	} else {
		if o.Withdraw {
			return Impact{}, refuse("name the window to withdraw (--window W1)")
		}
		p.Window = inc.State.NextWindowID()
		if p.Level == "" {
			p.Level = ImpactFull
		}
		if p.Service == "" {
			return Impact{}, refuse("the service is required (--service)")
		}
		if p.Start.IsZero() {
			return Impact{}, refuse("the outage start is required (--start), taken from the metrics: the first minute of failure")
		}
	}
	if o.Services != nil && !slices.Contains(o.Services, p.Service) {
		return Impact{}, refuse("unknown service %q: the services config has %s", p.Service, strings.Join(o.Services, ", "))
	}
	if p.Level != ImpactFull && p.Level != ImpactPartial {
		return Impact{}, refuse("level %q: want full or partial", p.Level)
	}
	now := inc.now()
	const skew = time.Minute
	if p.Start.After(now.Add(skew)) {
		return Impact{}, refuse("the outage start %s is in the future (now %s)", p.Start.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !p.End.IsZero() && p.End.After(now.Add(skew)) {
		return Impact{}, refuse("the outage end %s is in the future (now %s): record it when it is over", p.End.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !p.End.IsZero() && !p.End.After(p.Start) {
		return Impact{}, refuse("the outage end %s is not after its start %s", p.End.Format(time.RFC3339), p.Start.Format(time.RFC3339))
	}
	return p, nil
}

func windowIDs(s *State) string {
	if len(s.Impacts) == 0 {
		return "none"
	}
	var ids []string
	for _, w := range s.Impacts {
		ids = append(ids, w.Window)
	}
	return strings.Join(ids, ", ")
}

func describeImpact(p Impact) string {
	end := "ongoing"
	if !p.End.IsZero() {
		end = p.End.UTC().Format("2006-01-02 15:04Z")
	}
	verb := "outage"
	switch {
	case p.Withdrawn:
		verb = "withdrew outage"
	case p.Corrects:
		verb = "corrected outage"
	}
	s := fmt.Sprintf("%s %s: %s %s from %s to %s", verb, p.Window, p.Service, p.Level, p.Start.UTC().Format("2006-01-02 15:04Z"), end)
	if p.Note != "" {
		s += " — " + p.Note
	}
	return s
}
