package runbook

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Clock says how a severity level's deadlines run: round the clock, or only in the
// business hours of the policy's calendar.
type Clock string

const (
	Continuous Clock = "continuous" // 24x7: an outage cannot wait for Monday
	Business   Clock = "business"   // working hours and working days of the calendar
)

func (c *Clock) UnmarshalText(b []byte) error {
	switch Clock(b) {
	case Continuous, Business:
		*c = Clock(b)
		return nil
	}
	return fmt.Errorf("%q is not a clock (want continuous or business)", b)
}

// TargetKind is how a response or resolution target is expressed.
type TargetKind int

const (
	NoTarget    TargetKind = iota // "none", "next release", "per development plan": no deadline
	Within                        // a duration: of business time on a business clock
	WorkingDays                   // a number of working days of the calendar
)

// Target is a respond-within or resolve-within target of a severity level.
type Target struct {
	Kind     TargetKind
	Duration time.Duration // Within
	Days     int           // WorkingDays
	Note     string        // NoTarget: why there is none ("next release")
}

var workingDaysRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)\s*(?:working[ -]days?|wd)$`) })

// noTargetPhrases are the texts a severity scheme uses for targets without a deadline
// (the service-desk preset has all three).
var noTargetPhrases = []string{"none", "next release", "per development plan"}

// ParseTarget reads "1h", "30m", "72h", "1 working day", "3 working days", "30wd",
// "none", "next release" or "per development plan".
func ParseTarget(s string) (Target, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, p := range noTargetPhrases {
		if t == p {
			return Target{Kind: NoTarget, Note: t}, nil
		}
	}
	if m := workingDaysRE().FindStringSubmatch(t); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 3650 {
			return Target{}, fmt.Errorf("%q: a number of working days from 1 to 3650", s)
		}
		return Target{Kind: WorkingDays, Days: n}, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d <= 0 {
		return Target{}, fmt.Errorf("%q is not a target (want a duration like 1h or 30m, \"3 working days\", or none / next release / per development plan)", s)
	}
	return Target{Kind: Within, Duration: d}, nil
}

func (t *Target) UnmarshalText(b []byte) error {
	v, err := ParseTarget(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalText writes the target so ParseTarget reads it back exactly (72h, not 3d).
func (t Target) MarshalText() ([]byte, error) {
	if t.Kind == Within {
		return []byte(compactDuration(t.Duration)), nil
	}
	return []byte(t.String()), nil
}

// compactDuration is time.Duration's String without trailing zero units: 1h30m, 72h.
func compactDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// String is the target as a policy file writes it: 72h, 3 working days, next release.
// It does not say which clock the hours run on; On does.
func (t Target) String() string {
	switch t.Kind {
	case Within:
		return compactDuration(t.Duration)
	case WorkingDays:
		if t.Days == 1 {
			return "1 working day"
		}
		return fmt.Sprintf("%d working days", t.Days)
	}
	if t.Note == "" {
		return "none"
	}
	return t.Note
}

// On is the target as a reader must hear it, on the clock it runs on: "72 working
// hours" on a business clock, "6h" round the clock, "3 working days", "next release".
func (t Target) On(c Clock) string {
	if t.Kind == Within {
		return c.Span(t.Duration)
	}
	return t.String()
}

// Span prints a stretch of time measured on clock c so that it cannot be read as
// calendar time: on a business clock "72 working hours", "1 working hour",
// "26h30m of working time", "45m of working time" (never days: a working day is not
// 24 hours); round the clock as FormatDuration does (45m, 6h, 3d).
func (c Clock) Span(d time.Duration) string {
	if c != Business {
		return FormatDuration(d)
	}
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case h == 1 && d%time.Hour == 0:
		return neg + "1 working hour"
	case h > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%s%d working hours", neg, h)
	case h > 0:
		return fmt.Sprintf("%s%dh%02dm of working time", neg, h, m)
	case m > 0:
		return fmt.Sprintf("%s%dm of working time", neg, m)
	}
	return fmt.Sprintf("%s%ds of working time", neg, int64(d/time.Second))
}

// FormatDuration prints a duration the way a responder says it: 45m, 6h, 1h30m, 3d.
func FormatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			s = fmt.Sprintf("%dh", h)
		} else {
			s = fmt.Sprintf("%dh%02dm", h, m)
		}
	default:
		days, h := int(d.Hours())/24, int(d.Hours())%24
		if h == 0 {
			s = fmt.Sprintf("%dd", days)
		} else {
			s = fmt.Sprintf("%dd%dh", days, h)
		}
	}
	if neg {
		return "-" + s
	}
	return s
}

// Level is one severity level of a scheme.
type Level struct {
	Name          string   `toml:"name,required" json:"name"`
	Rank          int      `toml:"rank,required" json:"rank"` // 1 is the most severe
	Description   string   `toml:"description,required" json:"description"`
	Examples      []string `toml:"examples" json:"examples,omitempty"`
	RespondWithin Target   `toml:"respond_within,required" json:"respond_within"`
	ResolveWithin Target   `toml:"resolve_within,required" json:"resolve_within"`
	Clock         Clock    `toml:"clock" json:"clock"`             // default business
	EscalateTo    []string `toml:"escalate_to" json:"escalate_to"` // who is told at once, in order
}

// Policy is a team's severity scheme with its SLA targets and business calendar.
type Policy struct {
	Name        string
	Title       string
	Description string
	Source      string // "preset" or the file path
	Calendar    *Calendar
	Levels      []Level // by rank, most severe first
	Digest      string  // sha256 of Raw
	// Raw is the policy as parsed: the file's bytes, with time_zone = "local" replaced
	// by this machine's zone. It is what an incident freezes.
	Raw []byte
	// LocalZone is true when the file said time_zone = "local".
	LocalZone bool
}

// policyFile is the TOML shape of a severity policy (schema 1).
type policyFile struct {
	Schema      int          `toml:"schema,required"`
	Name        string       `toml:"name,required"`
	Title       string       `toml:"title,required"`
	Description string       `toml:"description"`
	Calendar    calendarFile `toml:"calendar,required"`
	Levels      []Level      `toml:"levels,required"`
}

type calendarFile struct {
	TimeZone string      `toml:"time_zone,required"`
	Hours    string      `toml:"hours,required"`
	Days     []string    `toml:"days,required"`
	Holidays []time.Time `toml:"holidays"`
}

var slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) })

// ParsePolicy decodes and checks a severity policy file, reporting every problem.
func ParsePolicy(file string, data []byte) (*Policy, Problems) {
	data, local := resolveLocalZone(data)
	var pf policyFile
	doc, problems := tomldoc.Decode(file, data, &pf)
	if isSyntaxOnly(problems) {
		return nil, problems
	}
	if doc.Has("schema") && pf.Schema != 1 {
		problems = append(problems, doc.Problem(fmt.Sprintf("schema %d is not supported (this muster reads schema 1)", pf.Schema), "schema"))
	}
	if pf.Name != "" && !slugRE().MatchString(pf.Name) {
		problems = append(problems, doc.Problem(fmt.Sprintf("name %q must be a slug (lower-case letters, digits and dashes)", pf.Name), "name"))
	}
	p := &Policy{
		Name:        untrusted.Line(pf.Name),
		Title:       untrusted.Line(pf.Title),
		Description: untrusted.Clean(pf.Description),
		Source:      file,
		Digest:      digest(data),
		Raw:         data,
		LocalZone:   local,
	}
	if doc.Has("calendar") {
		cal, err := NewCalendar(pf.Calendar.TimeZone, pf.Calendar.Hours, pf.Calendar.Days, pf.Calendar.Holidays)
		if err != nil {
			key := "time_zone"
			switch {
			case strings.Contains(err.Error(), "working hours"):
				key = "hours"
			case strings.Contains(err.Error(), "day"):
				key = "days"
			}
			problems = append(problems, doc.Problem(err.Error(), "calendar", key))
		}
		p.Calendar = cal
	}
	seen := map[string]int{}
	ranks := map[int]string{}
	for i, l := range pf.Levels {
		at := []any{"levels", i}
		if l.Name != "" && !slugRE().MatchString(l.Name) {
			problems = append(problems, doc.Problem(fmt.Sprintf("level name %q must be a slug (lower-case letters, digits and dashes)", l.Name), append(at, "name")...))
		}
		if prev, dup := seen[l.Name]; dup && l.Name != "" {
			problems = append(problems, doc.Problem(fmt.Sprintf("level %q is defined twice (first at levels[%d])", l.Name, prev), append(at, "name")...))
		}
		seen[l.Name] = i
		if other, dup := ranks[l.Rank]; dup && doc.Has(append(at, "rank")...) {
			problems = append(problems, doc.Problem(fmt.Sprintf("rank %d is already used by level %q", l.Rank, other), append(at, "rank")...))
		}
		ranks[l.Rank] = l.Name
		if doc.Has(append(at, "rank")...) && l.Rank < 1 {
			problems = append(problems, doc.Problem("rank must be 1 or more (1 is the most severe)", append(at, "rank")...))
		}
		if l.Clock == "" {
			l.Clock = Business
		}
		l.Name = untrusted.Line(l.Name)
		l.Description = untrusted.Clean(l.Description)
		for j := range l.Examples {
			l.Examples[j] = untrusted.Line(l.Examples[j])
		}
		for j := range l.EscalateTo {
			l.EscalateTo[j] = untrusted.Line(l.EscalateTo[j])
		}
		p.Levels = append(p.Levels, l)
	}
	if doc.Has("levels") && len(pf.Levels) == 0 {
		problems = append(problems, doc.Problem("a policy needs at least one severity level", "levels"))
	}
	sortLevels(p.Levels)
	problems.Sort()
	if len(problems) > 0 {
		return nil, problems
	}
	return p, nil
}

func sortLevels(ls []Level) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && ls[j].Rank < ls[j-1].Rank; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// LoadPolicy reads a policy from a file path or, when arg names a preset, the preset.
// An empty arg gives the default preset.
func LoadPolicy(arg string) (*Policy, Problems) {
	if arg == "" {
		return DefaultPolicy(), nil
	}
	if p, ok := Preset(arg); ok && !strings.ContainsAny(arg, "/.") {
		return p, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, Problems{{File: arg, Msg: tomldoc.ReadError(err)}}
	}
	return ParsePolicy(arg, data)
}

// Level returns the level called name.
func (p *Policy) Level(name string) (Level, bool) {
	for _, l := range p.Levels {
		if l.Name == name {
			return l, true
		}
	}
	return Level{}, false
}

// LevelNames lists the level names, most severe first.
func (p *Policy) LevelNames() []string {
	out := make([]string, len(p.Levels))
	for i, l := range p.Levels {
		out[i] = l.Name
	}
	return out
}

// Deadline is when a target falls due for an incident.
type Deadline struct {
	Target Target    `json:"target"`
	Clock  Clock     `json:"clock"`
	Due    time.Time `json:"due,omitzero"` // zero when the target sets no deadline
}

// None reports whether there is no deadline.
func (d Deadline) None() bool { return d.Due.IsZero() }

// DeadlineFor computes when target falls due for something that started at start, on
// the given clock and calendar. It is pure. A target with no deadline, or one that
// cannot be met within 50 years of calendar, returns ok false.
func DeadlineFor(start time.Time, target Target, clock Clock, cal *Calendar) (due time.Time, ok bool) {
	switch target.Kind {
	case Within:
		if clock == Continuous || cal == nil {
			return start.Add(target.Duration), true
		}
		return cal.AddWorking(start, target.Duration)
	case WorkingDays:
		if cal == nil {
			return start.Add(time.Duration(target.Days) * 24 * time.Hour), true
		}
		// Working days always count on the calendar, whatever the level's clock: a
		// "working day" has no meaning round the clock.
		return cal.AddWorking(start, time.Duration(target.Days)*cal.DayLength())
	}
	return time.Time{}, false
}

// Deadlines returns the respond-by and resolve-by deadlines of level for an incident
// opened at start.
func (p *Policy) Deadlines(level string, start time.Time) (respond, resolve Deadline, err error) {
	l, ok := p.Level(level)
	if !ok {
		return Deadline{}, Deadline{}, fmt.Errorf("unknown severity %q (this policy has %s)", level, strings.Join(p.LevelNames(), ", "))
	}
	respond = Deadline{Target: l.RespondWithin, Clock: l.Clock}
	respond.Due, _ = DeadlineFor(start, l.RespondWithin, l.Clock, p.Calendar)
	resolve = Deadline{Target: l.ResolveWithin, Clock: l.Clock}
	resolve.Due, _ = DeadlineFor(start, l.ResolveWithin, l.Clock, p.Calendar)
	return respond, resolve, nil
}

// ClockOf is the clock a deadline's time counts on: business time for a business-clock
// level and for any target in working days, round the clock otherwise (and when the
// policy has no calendar).
func (p *Policy) ClockOf(d Deadline) Clock {
	if p.Calendar == nil || d.Clock == Continuous && d.Target.Kind == Within {
		return Continuous
	}
	return Business
}

// Remaining returns the time left until d is due at now and the total the target
// allowed, both on the deadline's clock (business time on a business clock). For a
// deadline with no due date both are zero.
func (p *Policy) Remaining(d Deadline, start, now time.Time) (left, total time.Duration) {
	if d.None() {
		return 0, 0
	}
	if p.ClockOf(d) == Continuous {
		return d.Due.Sub(now), d.Due.Sub(start)
	}
	total = p.Calendar.WorkingBetween(start, d.Due)
	if now.After(d.Due) {
		return -now.Sub(d.Due), total
	}
	return p.Calendar.WorkingBetween(now, d.Due), total
}
