package runbook

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Calendar is a team's business-hours calendar: a time zone, daily working hours, the
// working days of the week and holidays. Business time is counted in wall-clock hours
// of the zone, so a support day of 08:00-17:00 is nine working hours even on the day
// the clocks change.
type Calendar struct {
	TimeZone string
	Location *time.Location
	Open     time.Duration // since local midnight
	Close    time.Duration // since local midnight; after Open
	Days     [7]bool       // indexed by time.Weekday
	Holidays []time.Time   // local dates (midnight in Location), sorted

	holidayDays []int64 // day numbers of Holidays, sorted
	weekWork    time.Duration
}

// NewCalendar builds a calendar. hours is "HH:MM-HH:MM"; days are weekday names or
// three-letter abbreviations; holidays are dates (their clock time is ignored).
func NewCalendar(zone, hours string, days []string, holidays []time.Time) (*Calendar, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Brussels, or \"local\" for this machine's zone)", zone)
	}
	open, close, err := parseHours(hours)
	if err != nil {
		return nil, err
	}
	c := &Calendar{TimeZone: zone, Location: loc, Open: open, Close: close}
	if len(days) == 0 {
		return nil, fmt.Errorf("a calendar needs at least one working day")
	}
	for _, d := range days {
		wd, ok := parseWeekday(d)
		if !ok {
			return nil, fmt.Errorf("unknown working day %q (want mon, tue, wed, thu, fri, sat or sun)", d)
		}
		c.Days[wd] = true
	}
	for _, h := range holidays {
		y, m, d := h.Date()
		c.Holidays = append(c.Holidays, time.Date(y, m, d, 0, 0, 0, 0, loc))
		c.holidayDays = append(c.holidayDays, daysFromCivil(y, int(m), d))
	}
	sort.Slice(c.Holidays, func(i, j int) bool { return c.Holidays[i].Before(c.Holidays[j]) })
	sort.Slice(c.holidayDays, func(i, j int) bool { return c.holidayDays[i] < c.holidayDays[j] })
	for _, on := range c.Days {
		if on {
			c.weekWork += c.Close - c.Open
		}
	}
	return c, nil
}

// MustCalendar is NewCalendar for built-in presets and tests.
func MustCalendar(zone, hours string, days []string, holidays []time.Time) *Calendar {
	c, err := NewCalendar(zone, hours, days, holidays)
	if err != nil {
		panic(err)
	}
	return c
}

func parseHours(s string) (open, close time.Duration, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if ok {
		open, err = parseClock(a)
		if err == nil {
			close, err = parseClock(b)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("working hours %q: want HH:MM-HH:MM, e.g. 08:00-17:00", s)
	}
	if close <= open {
		return 0, 0, fmt.Errorf("working hours %q: closing time must be after opening time", s)
	}
	return open, close, nil
}

func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); n != 2 || err != nil || len(s) != 5 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) >= 3 {
		if wd, ok := weekdayNames[s[:3]]; ok && strings.HasPrefix(strings.ToLower(wd.String()), s) {
			return wd, true
		}
	}
	return 0, false
}

// DayLength is one working day of business time.
func (c *Calendar) DayLength() time.Duration { return c.Close - c.Open }

// Hours renders the working hours as "08:00-17:00".
func (c *Calendar) Hours() string {
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return f(c.Open) + "-" + f(c.Close)
}

// WorkingDays lists the working days as three-letter names, Monday first.
func (c *Calendar) WorkingDays() []string {
	var out []string
	for i := 1; i <= 7; i++ {
		wd := time.Weekday(i % 7)
		if c.Days[wd] {
			out = append(out, strings.ToLower(wd.String()[:3]))
		}
	}
	return out
}

func (c *Calendar) isHoliday(day int64) bool {
	i := sort.Search(len(c.holidayDays), func(i int) bool { return c.holidayDays[i] >= day })
	return i < len(c.holidayDays) && c.holidayDays[i] == day
}

// holidayWithin reports whether a holiday falls on a day in [from, to).
func (c *Calendar) holidayWithin(from, to int64) bool {
	i := sort.Search(len(c.holidayDays), func(i int) bool { return c.holidayDays[i] >= from })
	return i < len(c.holidayDays) && c.holidayDays[i] < to
}

func (c *Calendar) isWorkingDay(day int64) bool {
	return c.Days[weekdayOf(day)] && !c.isHoliday(day)
}

// IsOpen reports whether t falls inside working hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	day, tod := c.wall(t)
	return c.isWorkingDay(day) && tod >= c.Open && tod < c.Close
}

// maxCalendarDays bounds every walk over the calendar: about 50 years.
const maxCalendarDays = 366 * 50

// AddWorking returns the instant at which d of business time has passed since start.
// A start outside working hours begins counting at the next opening. The second
// result is false when no such instant exists within 50 years.
func (c *Calendar) AddWorking(start time.Time, d time.Duration) (time.Time, bool) {
	if d < 0 {
		d = 0
	}
	day, tod := c.wall(start)
	for first := day; day-first < maxCalendarDays; {
		if c.isWorkingDay(day) {
			if tod < c.Open {
				tod = c.Open
			}
			if tod < c.Close {
				avail := c.Close - tod
				if d <= avail {
					return c.instant(day, tod+d), true
				}
				d -= avail
			}
		}
		day++
		tod = 0
		// Skip whole weeks while no holiday is in the way; leave the last part to the
		// day loop so the deadline lands inside a day, not past its end.
		if c.weekWork > 0 && d > c.weekWork {
			weeks := int64((d - 1) / c.weekWork)
			for weeks > 0 && c.holidayWithin(day, day+7*weeks) {
				weeks /= 2
			}
			day += 7 * weeks
			d -= time.Duration(weeks) * c.weekWork
		}
	}
	return time.Time{}, false
}

// WorkingBetween returns the business time between a and b (zero when b is not after a).
func (c *Calendar) WorkingBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	d0, t0 := c.wall(a)
	d1, t1 := c.wall(b)
	var total time.Duration
	for day, guard := d0, 0; day <= d1 && guard < maxCalendarDays; day, guard = day+1, guard+1 {
		if !c.isWorkingDay(day) {
			continue
		}
		from, to := c.Open, c.Close
		if day == d0 {
			from = max(from, t0)
		}
		if day == d1 {
			to = min(to, t1)
		}
		if to > from {
			total += to - from
		}
	}
	return total
}

// wall returns the local day number and time of day of t.
func (c *Calendar) wall(t time.Time) (day int64, tod time.Duration) {
	lt := t.In(c.Location)
	y, m, d := lt.Date()
	h, mi, s := lt.Clock()
	return daysFromCivil(y, int(m), d), time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
}

// instant converts a local day number and time of day back to an instant.
func (c *Calendar) instant(day int64, tod time.Duration) time.Time {
	y, m, d := civilFromDays(day)
	return time.Date(y, time.Month(m), d, 0, 0, 0, int(tod), c.Location)
}

// daysFromCivil returns the number of days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm); weekdays and holidays are then integer arithmetic.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

func weekdayOf(day int64) time.Weekday {
	w := (day + 4) % 7 // 1970-01-01 was a Thursday
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}
