package incident

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// SLAQuery is what `muster report sla` asks for: incidents opened in [Since, Until).
type SLAQuery struct {
	Since, Until time.Time // zero: no bound
	Severity     string    // "" for every level
	Drills       bool      // drills are left out unless asked for
	Now          time.Time
}

// SLAReport is, per severity, how the incidents' respond-by and resolve-by deadlines
// and update rules were kept. JSON field names are stable.
type SLAReport struct {
	Schema      int           `json:"schema"`
	GeneratedAt time.Time     `json:"generated_at"`
	Since       time.Time     `json:"since,omitzero"`
	Until       time.Time     `json:"until,omitzero"`
	Drills      bool          `json:"drills"`
	Levels      []SLALevel    `json:"levels"`
	Total       SLALevel      `json:"total"`
	Skipped     []string      `json:"skipped,omitempty"`
	Incidents   []SLAIncident `json:"incidents"`
}

// SLALevel is one severity's figures. A deadline is judged once it was met or missed:
// an open incident whose deadline has not come yet is pending, not counted.
type SLALevel struct {
	Severity      string    `json:"severity"`
	Incidents     int       `json:"incidents"`
	RespondJudged int       `json:"respond_judged"`
	RespondMet    int       `json:"respond_met"`
	ResolveJudged int       `json:"resolve_judged"`
	ResolveMet    int       `json:"resolve_met"`
	Acknowledge   Durations `json:"time_to_acknowledge"`
	Resolve       Durations `json:"time_to_resolve"`
	Escalations   int       `json:"escalations"`
	UpdatesDue    int       `json:"updates_due"`
	UpdatesOnTime int       `json:"updates_on_time"`
}

// Durations summarises a set of durations; zero when there were none.
type Durations struct {
	N      int           `json:"n"`
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
	Worst  time.Duration `json:"worst_ns"`
}

// SLAIncident is one incident's line behind the figures.
type SLAIncident struct {
	ID          string        `json:"id"`
	Severity    string        `json:"severity"`
	Drill       bool          `json:"drill,omitempty"`
	Respond     string        `json:"respond"` // met, missed, pending or none
	Resolve     string        `json:"resolve"`
	Acknowledge time.Duration `json:"time_to_acknowledge_ns,omitempty"`
	Resolved    time.Duration `json:"time_to_resolve_ns,omitempty"`
}

// verdict is how one deadline stands at now: met, missed, pending (not due yet) or none
// (the target sets no deadline and it was not met).
func verdict(d runbook.Deadline, metAt, now time.Time) string {
	switch {
	case !metAt.IsZero() && (d.None() || !metAt.After(d.Due)):
		return "met"
	case d.None() && metAt.IsZero():
		return "none"
	case !metAt.IsZero() || now.After(d.Due):
		return "missed"
	}
	return "pending"
}

// BuildSLAReport computes the report; levels are ordered as ranks orders them (the
// policy's most severe first), unknown levels last by name.
func BuildSLAReport(facts []Facts, ranks []string, q SLAQuery) *SLAReport {
	r := &SLAReport{Schema: 1, GeneratedAt: q.Now.UTC(), Since: q.Since, Until: q.Until, Drills: q.Drills}
	byLevel := map[string]*SLALevel{}
	acks, ress := map[string][]time.Duration{}, map[string][]time.Duration{}
	for i := range facts {
		f := &facts[i]
		switch {
		case f.Err != "":
			r.Skipped = append(r.Skipped, f.ID+": "+f.Err)
			continue
		case f.Drill && !q.Drills,
			!q.Since.IsZero() && f.OpenedAt.Before(q.Since),
			!q.Until.IsZero() && !f.OpenedAt.Before(q.Until),
			q.Severity != "" && f.Severity != q.Severity:
			continue
		}
		l := byLevel[f.Severity]
		if l == nil {
			l = &SLALevel{Severity: f.Severity}
			byLevel[f.Severity] = l
		}
		in := SLAIncident{ID: f.ID, Severity: f.Severity, Drill: f.Drill, Respond: verdict(f.RespondBy, f.RespondedAt, q.Now), Resolve: verdict(f.ResolveBy, f.ClosedAt, q.Now)}
		l.Incidents++
		for _, c := range []struct {
			v           string
			judged, met *int
		}{{in.Respond, &l.RespondJudged, &l.RespondMet}, {in.Resolve, &l.ResolveJudged, &l.ResolveMet}} {
			if c.v == "met" || c.v == "missed" {
				*c.judged++
			}
			if c.v == "met" {
				*c.met++
			}
		}
		if !f.RespondedAt.IsZero() {
			in.Acknowledge = f.RespondedAt.Sub(f.OpenedAt)
			acks[f.Severity] = append(acks[f.Severity], in.Acknowledge)
		}
		if !f.ClosedAt.IsZero() {
			in.Resolved = f.ClosedAt.Sub(f.OpenedAt)
			ress[f.Severity] = append(ress[f.Severity], in.Resolved)
		}
		l.Escalations += f.Escalations
		l.UpdatesDue += f.UpdatesDue
		l.UpdatesOnTime += f.UpdatesDue - f.UpdatesLate
		r.Incidents = append(r.Incidents, in)
	}
	levels := make([]string, 0, len(byLevel))
	for k := range byLevel {
		levels = append(levels, k)
	}
	rank := func(s string) int {
		if i := slices.Index(ranks, s); i >= 0 {
			return i
		}
		return len(ranks)
	}
	sort.Slice(levels, func(i, j int) bool {
		if a, b := rank(levels[i]), rank(levels[j]); a != b {
			return a < b
		}
		return levels[i] < levels[j]
	})
	var allAck, allRes []time.Duration
	r.Total.Severity = "all"
	for _, k := range levels {
		l := byLevel[k]
		l.Acknowledge, l.Resolve = summarise(acks[k]), summarise(ress[k])
		allAck, allRes = append(allAck, acks[k]...), append(allRes, ress[k]...)
		t := &r.Total
		t.Incidents += l.Incidents
		t.RespondJudged += l.RespondJudged
		t.RespondMet += l.RespondMet
		t.ResolveJudged += l.ResolveJudged
		t.ResolveMet += l.ResolveMet
		t.Escalations += l.Escalations
		t.UpdatesDue += l.UpdatesDue
		t.UpdatesOnTime += l.UpdatesOnTime
		r.Levels = append(r.Levels, *l)
	}
	r.Total.Acknowledge, r.Total.Resolve = summarise(allAck), summarise(allRes)
	// By id, stably. The facts come newest first (greatest id first, each id once), so
	// most often reversing them is all it takes.
	descending := true
	for i := 1; i < len(r.Incidents) && descending; i++ {
		descending = r.Incidents[i-1].ID > r.Incidents[i].ID
	}
	if descending {
		slices.Reverse(r.Incidents)
	} else {
		slices.SortStableFunc(r.Incidents, func(a, b SLAIncident) int { return strings.Compare(a.ID, b.ID) })
	}
	if r.Levels == nil {
		r.Levels = []SLALevel{}
	}
	if r.Incidents == nil {
		r.Incidents = []SLAIncident{}
	}
	return r
}

// summarise gives the median (the lower middle of an even count), the 90th
// percentile (nearest rank) and the worst.
func summarise(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	p90 := (len(s)*90 + 99) / 100 // nearest rank
	return Durations{N: len(s), Median: s[(len(s)-1)/2], P90: s[max(p90, 1)-1], Worst: s[len(s)-1]}
}
