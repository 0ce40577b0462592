package incident

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// AvailabilityQuery is what `muster report availability` asks for.
type AvailabilityQuery struct {
	Service string    // "" for every service
	Month   time.Time // a month (its first day), or
	Year    int       // a year: its twelve months and the year
	Now     time.Time
}

// AvailabilityReport is the availability of each service, per month and (for a year)
// over the year, from the outage windows recorded in the journals. JSON field names are
// stable.
type AvailabilityReport struct {
	Schema      int                   `json:"schema"`
	GeneratedAt time.Time             `json:"generated_at"`
	Period      string                `json:"period"` // 2026-11 or 2026
	TimeZone    string                `json:"time_zone"`
	Calendar    string                `json:"calendar"` // the policy whose calendar sets claim deadlines
	Services    []ServiceAvailability `json:"services"`
	Skipped     []string              `json:"skipped,omitempty"` // incidents that could not be read, or windows of unknown services
}

// ServiceAvailability is one service over the report's period.
type ServiceAvailability struct {
	Service  string               `json:"service"`
	Title    string               `json:"title,omitempty"`
	Target   float64              `json:"target"`
	Measured string               `json:"measured_over"` // month or year: the period the commitment is judged on
	Currency string               `json:"currency,omitempty"`
	Months   []PeriodAvailability `json:"months"`
	Year     *PeriodAvailability  `json:"year,omitempty"`
}

// PeriodAvailability is one month or year of one service. Minutes are of the period's
// length in its time zone (a month with a DST change is an hour longer or shorter).
type PeriodAvailability struct {
	Period   string    `json:"period"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Complete bool      `json:"complete"` // the period is over; else figures are so far
	Minutes  float64   `json:"minutes"`  // measured so far (the whole period when complete)
	// Down is the minutes of unavailability counted: full outages (overlaps counted
	// once) plus partial ones times the service's partial weight, outside maintenance.
	Down         float64 `json:"down_minutes"`
	FullDown     float64 `json:"full_down_minutes"`
	PartialDown  float64 `json:"partial_down_minutes"` // before weighting
	Maintenance  float64 `json:"maintenance_minutes"`  // planned, not counted
	Availability float64 `json:"availability"`         // percent
	// Budget is the unavailability the target allows over the whole period; BudgetLeft
	// is negative when it was overspent.
	Budget     float64        `json:"budget_minutes"`
	BudgetUsed float64        `json:"budget_used_percent"`
	BudgetLeft float64        `json:"budget_left_minutes"`
	Judged     bool           `json:"judged"` // the commitment is measured on this period
	Missed     bool           `json:"missed"`
	Penalty    float64        `json:"penalty,omitempty"`
	ClaimBy    string         `json:"claim_by,omitempty"` // last day to claim the penalty, YYYY-MM-DD
	Windows    []Contribution `json:"windows"`
}

// Contribution is an outage window that counted in a period.
type Contribution struct {
	Incident string    `json:"incident"`
	Window   string    `json:"window"`
	Level    string    `json:"level"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"` // zero: still going on
	Minutes  float64   `json:"minutes"`      // of this window inside the period, outside maintenance (before overlaps are merged)
	Seq      uint64    `json:"seq"`          // the journal line of the record in force
}

type span struct{ a, b time.Time }

// union merges overlapping and touching spans.
func union(in []span) []span {
	if len(in) == 0 {
		return nil
	}
	s := slices.Clone(in)
	slices.SortFunc(s, func(x, y span) int { return x.a.Compare(y.a) })
	out := []span{s[0]}
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if !x.a.After(last.b) {
			if x.b.After(last.b) {
				last.b = x.b
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// minus removes the spans cut from in; both are merged and sorted (union), so one
// sweep over the two does it.
func minus(in, cut []span) []span {
	var out []span
	j := 0
	for _, x := range in {
		a := x.a
		for j < len(cut) && !cut[j].b.After(a) {
			j++ // cut spans wholly before this one
		}
		for k := j; k < len(cut) && cut[k].a.Before(x.b); k++ {
			if cut[k].a.After(a) {
				out = append(out, span{a, cut[k].a})
			}
			if cut[k].b.After(a) {
				a = cut[k].b
			}
		}
		if x.b.After(a) {
			out = append(out, span{a, x.b})
		}
	}
	return out
}

// within is the minutes of spans inside [a, b).
func within(spans []span, a, b time.Time) float64 {
	var d time.Duration
	for _, s := range spans {
		from, to := s.a, s.b
		if from.Before(a) {
			from = a
		}
		if to.After(b) {
			to = b
		}
		if to.After(from) {
			d += to.Sub(from)
		}
	}
	return d.Minutes()
}

// BuildAvailability computes the report from the incidents' facts. Drills never count.
// A window still going on counts until now; windows and maintenance are cut at now.
func BuildAvailability(facts []Facts, svc *Services, pol *runbook.Policy, q AvailabilityQuery) (*AvailabilityReport, error) {
	if svc == nil || len(svc.Services) == 0 {
		return nil, errors.New("no services config: write <data dir>/services.toml (see README)")
	}
	loc := time.UTC
	var cal *runbook.Calendar
	if pol != nil && pol.Calendar != nil {
		cal = pol.Calendar
		loc = cal.Location
	}
	var months []time.Time
	r := &AvailabilityReport{Schema: 1, GeneratedAt: q.Now.UTC(), TimeZone: loc.String()}
	if pol != nil {
		r.Calendar = pol.Name
	}
	switch {
	case q.Year != 0:
		r.Period = strconv.Itoa(q.Year)
		for m := 1; m <= 12; m++ {
			months = append(months, time.Date(q.Year, time.Month(m), 1, 0, 0, 0, 0, loc))
		}
	default:
		m := q.Month
		if m.IsZero() {
			n := q.Now.In(loc)
			m = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
		}
		m = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
		months = []time.Time{m}
		r.Period = m.Format("2006-01")
	}
	if q.Service != "" {
		if _, ok := svc.Service(q.Service); !ok {
			return nil, fmt.Errorf("unknown service %q: the services config has %v", q.Service, svc.Names())
		}
	}
	type window struct {
		inc string
		w   *ImpactEntry
		s   span
		cut []span // s outside maintenance, when maintenance overlaps it
		mnt bool   // maintenance overlaps it: cut holds what counts
	}
	counted := func(w *window, a, b time.Time) float64 {
		if w.mnt {
			return within(w.cut, a, b)
		}
		return within([]span{w.s}, a, b)
	}
	// Each service's list is made once, at its size.
	sizes := map[string]int{}
	for i := range facts {
		if f := &facts[i]; f.Err == "" && !f.Drill {
			for k := range f.Windows {
				sizes[f.Windows[k].Service]++
			}
		}
	}
	byService := make(map[string][]window, len(sizes))
	for name, n := range sizes {
		byService[name] = make([]window, 0, n)
	}
	for i := range facts {
		f := &facts[i]
		if f.Err != "" {
			r.Skipped = append(r.Skipped, f.ID+": "+f.Err)
			continue
		}
		if f.Drill {
			continue
		}
		for k := range f.Windows {
			w := &f.Windows[k]
			end := w.End
			if end.IsZero() || end.After(q.Now) {
				end = q.Now
			}
			if !end.After(w.Start) {
				continue
			}
			if _, ok := svc.Service(w.Service); !ok {
				r.Skipped = append(r.Skipped, fmt.Sprintf("%s %s: service %q is not in the services config", f.ID, w.Window, w.Service))
				continue
			}
			byService[w.Service] = append(byService[w.Service], window{inc: f.ID, w: w, s: span{w.Start, end}})
		}
	}
	for _, s := range svc.Services {
		if q.Service != "" && s.Name != q.Service {
			continue
		}
		var full, partial, maint []span
		for _, m := range s.Maintenance {
			maint = append(maint, span{m.Start, m.End})
		}
		maint = union(maint)
		// The service's windows in the order a period lists them (by start, stable), each
		// cut by maintenance once for every period.
		windows := byService[s.Name]
		slices.SortStableFunc(windows, func(x, y window) int { return x.w.Start.Compare(y.w.Start) })
		nPartial := 0
		for k := range windows {
			if windows[k].w.Level == ImpactPartial {
				nPartial++
			}
		}
		full, partial = make([]span, 0, len(windows)-nPartial), make([]span, 0, nPartial)
		for k := range windows {
			w := &windows[k]
			if w.w.Level == ImpactPartial {
				partial = append(partial, w.s)
			} else {
				full = append(full, w.s)
			}
			for _, m := range maint {
				if m.a.Before(w.s.b) && w.s.a.Before(m.b) {
					w.cut, w.mnt = minus([]span{w.s}, maint), true
					break
				}
			}
		}
		fullU := minus(union(full), maint)
		partU := minus(minus(union(partial), union(full)), maint)
		sa := ServiceAvailability{Service: s.Name, Title: s.Title, Target: s.Target, Measured: s.Period, Currency: s.Currency}
		period := func(label string, a, b time.Time, judged bool) PeriodAvailability {
			to := b
			complete := !q.Now.Before(b)
			if !complete {
				to = q.Now
			}
			p := PeriodAvailability{Period: label, Start: a.UTC(), End: b.UTC(), Complete: complete, Judged: judged}
			if to.After(a) {
				p.Minutes = to.Sub(a).Minutes()
			}
			p.FullDown = within(fullU, a, to)
			p.PartialDown = within(partU, a, to)
			p.Maintenance = within(maint, a, to)
			p.Down = p.FullDown + p.PartialDown*s.PartialWeight
			p.Availability = 100
			if p.Minutes > 0 {
				p.Availability = 100 * (1 - p.Down/p.Minutes)
			}
			p.Budget = b.Sub(a).Minutes() * (100 - s.Target) / 100
			p.BudgetLeft = p.Budget - p.Down
			if p.Budget > 0 {
				p.BudgetUsed = 100 * p.Down / p.Budget
			}
			// Missed once the whole period can no longer reach the target.
			p.Missed = judged && (p.Down > p.Budget || complete && p.Availability < s.Target)
			if p.Missed && s.PenaltyPercent > 0 {
				p.Penalty = math.Round(s.MonthlyFee*s.PenaltyPercent) / 100
				p.ClaimBy = claimBy(cal, b, s.ClaimWorkingDays)
			}
			// The windows that counted: those starting before the period's end (the
			// rest start after it), counted first so the list is made once.
			last, n := 0, 0
			for last < len(windows) && windows[last].s.a.Before(to) {
				if counted(&windows[last], a, to) > 0 {
					n++
				}
				last++
			}
			if n > 0 {
				p.Windows = make([]Contribution, 0, n)
			}
			for k := range windows[:last] {
				w := &windows[k]
				if m := counted(w, a, to); m > 0 {
					p.Windows = append(p.Windows, Contribution{Incident: w.inc, Window: w.w.Window, Level: w.w.Level, Start: w.w.Start, End: w.w.End, Minutes: m, Seq: w.w.Seq})
				}
			}
			return p
		}
		for _, m := range months {
			sa.Months = append(sa.Months, period(m.Format("2006-01"), m, m.AddDate(0, 1, 0), s.Period == "month"))
		}
		if q.Year != 0 {
			y := period(r.Period, months[0], months[0].AddDate(1, 0, 0), s.Period == "year")
			if !y.Judged {
				for _, m := range sa.Months {
					y.Penalty += m.Penalty // the year's total of the monthly penalties
				}
			}
			sa.Year = &y
		}
		r.Services = append(r.Services, sa)
	}
	return r, nil
}

// claimBy is the last day to claim a penalty: n working days on the calendar after
// the period ended (every day counts without a calendar).
func claimBy(cal *runbook.Calendar, end time.Time, n int) string {
	if cal == nil {
		return end.AddDate(0, 0, n-1).Format("2006-01-02")
	}
	at, ok := cal.AddWorking(end, time.Duration(n)*cal.DayLength())
	if !ok {
		return ""
	}
	return at.In(cal.Location).Format("2006-01-02")
}
