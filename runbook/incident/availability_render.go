package incident

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// JSON renders the report as indented JSON.
func (r *AvailabilityReport) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

func minutes(m float64) string {
	if m == 0 {
		return "0"
	}
	return fmt.Sprintf("%.1f", m)
}

func money(v float64, cur string) string {
	if v == 0 {
		return "-"
	}
	return strings.TrimSpace(fmt.Sprintf("%.2f %s", v, cur))
}

func (p PeriodAvailability) verdict() string {
	switch {
	case !p.Judged:
		return ""
	case p.Missed:
		return "MISSED"
	case !p.Complete:
		return "so far"
	}
	return "met"
}

// rows is each period of a service, the year last.
func (s ServiceAvailability) rows() []PeriodAvailability {
	out := append([]PeriodAvailability(nil), s.Months...)
	if s.Year != nil {
		out = append(out, *s.Year)
	}
	return out
}

// chartScale is the availability shown at the left edge of a chart: far enough below
// the target that a miss is visible, down to the worst month but no further than ten
// error budgets below the target (worse months sit on the floor).
func chartScale(s ServiceAvailability) float64 {
	lo, floor := s.Target-3*(100-s.Target), s.Target-10*(100-s.Target)
	for _, m := range s.Months {
		if m.Minutes > 0 && m.Availability < lo {
			lo = math.Max(m.Availability, floor) // a month worse than that sits on the floor
		}
	}
	return math.Max(0, math.Floor(lo*10)/10)
}

// Table renders the report for a terminal: per service, one line per period, then a
// bar chart of each month against the target (│) and the windows that counted.
func (r *AvailabilityReport) Table() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("Availability %s (times in %s; claim deadlines on the %s calendar)\n", r.Period, r.TimeZone, r.Calendar)
	for _, s := range r.Services {
		w("\n%s", s.Service)
		if s.Title != "" {
			w(" — %s", untrusted.Line(s.Title))
		}
		w(": target %g%% per %s\n", s.Target, s.Measured)
		w("  %-8s %9s %10s %10s %8s %10s  %-7s %12s  %s\n", "period", "avail", "down min", "budget", "used", "left", "", "penalty", "claim by")
		for _, p := range s.rows() {
			w("  %-8s %8.3f%% %10s %10s %7.1f%% %10s  %-7s %12s  %s\n", p.Period, p.Availability, minutes(p.Down), minutes(p.Budget), p.BudgetUsed,
				minutes(p.BudgetLeft), p.verdict(), money(p.Penalty, s.Currency), p.ClaimBy)
		}
		if len(s.Months) > 0 {
			lo := chartScale(s)
			const width = 40
			pos := func(v float64) int {
				x := int(math.Round((v - lo) / (100 - lo) * width))
				return min(max(x, 0), width)
			}
			t := pos(s.Target)
			w("\n  %-8s %s%s%s  (%g%% to 100%%, │ target)\n", "", "", strings.Repeat(" ", t), "│", lo)
			for _, p := range s.Months {
				if p.Minutes == 0 {
					continue
				}
				n := pos(p.Availability)
				bar := []rune(strings.Repeat("█", n) + strings.Repeat("·", width-n))
				if t < width && bar[t] == '·' {
					bar[t] = '│'
				}
				mark := ""
				if p.Availability < s.Target {
					mark = " ✗"
				}
				w("  %-8s %s %.3f%%%s\n", p.Period, string(bar), p.Availability, mark)
			}
		}
		for _, p := range s.rows() {
			if len(p.Windows) == 0 || p.Period == r.Period && len(s.Months) > 1 {
				continue
			}
			w("\n  %s windows (minutes of each, before overlaps are merged and partial outages weighted):\n", p.Period)
			// Thousands of lines over a year: appended, not formatted one by one.
			var line []byte
			for _, c := range p.Windows {
				// The ids and level come from journals: cleaned like every journal text.
				level := untrusted.Line(c.Level)
				line = append(append(append(append(line[:0], "    "...), untrusted.Line(c.Incident)...), ' '), untrusted.Line(c.Window)...)
				line = append(append(line, ' '), level...)
				for n := utf8.RuneCountInString(level); n < 7; n++ {
					line = append(line, ' ')
				}
				line = c.Start.UTC().AppendFormat(append(line, ' '), "2006-01-02 15:04Z")
				line = append(line, " → "...)
				if c.End.IsZero() {
					line = append(line, "ongoing"...)
				} else {
					line = c.End.UTC().AppendFormat(line, "2006-01-02 15:04Z")
				}
				line = append(line, "  "...)
				if c.Minutes == 0 {
					line = append(line, '0')
				} else {
					line = strconv.AppendFloat(line, c.Minutes, 'f', 1, 64) // as minutes() writes it
				}
				line = append(line, " min (seq "...)
				line = append(strconv.AppendUint(line, c.Seq, 10), ")\n"...)
				b.Write(line)
			}
		}
	}
	for _, sk := range r.Skipped {
		w("\nskipped: %s\n", untrusted.Line(sk))
	}
	return b.String()
}

// SVG draws each service's monthly availability as bars against its target line.
func (s ServiceAvailability) SVG() string {
	const (
		barW, gap, left, top, plotH, bottom = 36, 12, 64, 40, 180, 40
	)
	n := len(s.Months)
	width := max(left+n*(barW+gap)+gap+16, 420) // room for the title
	height := top + plotH + bottom
	lo := chartScale(s)
	y := func(v float64) float64 { return top + plotH*(1-(math.Max(v, lo)-lo)/(100-lo)) }
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s monthly availability against a target of %g%%" font-family="sans-serif" font-size="11">`,
		width, height, width, height, template.HTMLEscapeString(s.Service), s.Target)
	w(`<title>%s: monthly availability, target %g%%</title>`, template.HTMLEscapeString(s.Service), s.Target)
	w(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, width, height)
	for _, v := range []float64{lo, (lo + 100) / 2, 100} {
		w(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>`, left, y(v), width-8, y(v))
		w(`<text x="%d" y="%.1f" text-anchor="end" fill="#555555">%.2f%%</text>`, left-6, y(v)+4, v)
	}
	for i, m := range s.Months {
		x := left + gap + i*(barW+gap)
		color := "#2e7d32"
		if m.Availability < s.Target {
			color = "#c62828"
		}
		if m.Minutes > 0 {
			h := math.Max(top+plotH-y(m.Availability), 3) // a month on the floor still shows
			w(`<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s: %.3f%% (%s min down)</title></rect>`,
				x, top+plotH-h, barW, h, color, m.Period, m.Availability, minutes(m.Down))
			w(`<text x="%d" y="%.1f" text-anchor="middle" fill="#222222" font-size="9">%.2f</text>`, x+barW/2, y(m.Availability)-3, m.Availability)
		}
		label := m.Period
		if t, err := time.Parse("2006-01", m.Period); err == nil {
			label = t.Format("Jan")
			if n == 1 {
				label = t.Format("Jan 2006")
			}
		}
		w(`<text x="%d" y="%d" text-anchor="middle" fill="#222222">%s</text>`, x+barW/2, top+plotH+16, label)
	}
	w(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#1565c0" stroke-width="2" stroke-dasharray="6 3"/>`, left, y(s.Target), width-8, y(s.Target))
	w(`<text x="%d" y="16" font-size="13" fill="#222222"><tspan font-weight="bold">%s</tspan> · monthly availability · <tspan fill="#1565c0">target %g%% (dashed)</tspan></text>`,
		left, template.HTMLEscapeString(s.Service), s.Target)
	w(`</svg>`)
	return b.String()
}

// Markdown renders the report with each service's chart as an embedded SVG image.
func (r *AvailabilityReport) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Availability %s\n\nTimes in %s; claim deadlines on the %s calendar. Generated %s.\n", r.Period, r.TimeZone, MarkdownCell(r.Calendar), FormatUTC(r.GeneratedAt))
	for _, s := range r.Services {
		w("\n## %s", MarkdownCell(s.Service))
		if s.Title != "" {
			w(" — %s", MarkdownCell(s.Title))
		}
		w("\n\nTarget %g%% per %s.\n\n", s.Target, s.Measured)
		w("![%s availability by month](data:image/svg+xml;base64,%s)\n\n", MarkdownCell(s.Service), base64.StdEncoding.EncodeToString([]byte(s.SVG())))
		w("| period | availability | down (min) | budget (min) | used | left (min) | commitment | penalty | claim by |\n|---|---:|---:|---:|---:|---:|---|---:|---|\n")
		for _, p := range s.rows() {
			w("| %s | %.3f%% | %s | %s | %.1f%% | %s | %s | %s | %s |\n", p.Period, p.Availability, minutes(p.Down), minutes(p.Budget), p.BudgetUsed,
				minutes(p.BudgetLeft), p.verdict(), money(p.Penalty, s.Currency), p.ClaimBy)
		}
		var any bool
		for _, p := range s.Months {
			for _, c := range p.Windows {
				if !any {
					w("\n| period | incident | window | level | start (UTC) | end (UTC) | minutes | journal seq |\n|---|---|---|---|---|---|---:|---:|\n")
					any = true
				}
				end := "ongoing"
				if !c.End.IsZero() {
					end = FormatUTC(c.End)
				}
				w("| %s | %s | %s | %s | %s | %s | %s | %d |\n", p.Period, MarkdownCell(c.Incident), MarkdownCell(c.Window), MarkdownCell(c.Level), FormatUTC(c.Start), end, minutes(c.Minutes), c.Seq)
			}
		}
	}
	for _, sk := range r.Skipped {
		w("\n> skipped: %s\n", MarkdownCell(sk))
	}
	return b.String()
}

// availabilityHTML is parsed on first use, not at every muster start.
var availabilityHTML = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("availability").Funcs(template.FuncMap{
		"svg":     func(s ServiceAvailability) template.HTML { return template.HTML(s.SVG()) }, // built from numbers and escaped names only
		"pct":     func(v float64) string { return fmt.Sprintf("%.3f%%", v) },
		"min":     minutes,
		"money":   money,
		"utc":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") },
		"verdict": func(p PeriodAvailability) string { return p.verdict() },
	}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Availability {{.Period}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:72em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}td,th{white-space:nowrap}.MISSED{color:#c62828;font-weight:bold}.met{color:#2e7d32}
</style></head><body>
<h1>Availability {{.Period}}</h1>
<p>Times in {{.TimeZone}}; claim deadlines on the {{.Calendar}} calendar. Generated {{utc .GeneratedAt}}.</p>
{{range .Services}}{{$s := .}}
<section><h2>{{.Service}}{{if .Title}} — {{.Title}}{{end}}</h2>
<p>Target {{.Target}}% per {{.Measured}}.</p>
<figure>{{svg .}}</figure>
<table><tr><th>period</th><th>availability</th><th>down (min)</th><th>budget (min)</th><th>used</th><th>left (min)</th><th>commitment</th><th>penalty</th><th>claim by</th></tr>
{{range .Months}}<tr><td>{{.Period}}</td><td>{{pct .Availability}}</td><td>{{min .Down}}</td><td>{{min .Budget}}</td><td>{{printf "%.1f%%" .BudgetUsed}}</td><td>{{min .BudgetLeft}}</td><td class="{{verdict .}}">{{verdict .}}</td><td>{{money .Penalty $s.Currency}}</td><td>{{.ClaimBy}}</td></tr>
{{end}}{{with .Year}}<tr><th>{{.Period}}</th><th>{{pct .Availability}}</th><th>{{min .Down}}</th><th>{{min .Budget}}</th><th>{{printf "%.1f%%" .BudgetUsed}}</th><th>{{min .BudgetLeft}}</th><th class="{{verdict .}}">{{verdict .}}</th><th>{{money .Penalty $s.Currency}}</th><th>{{.ClaimBy}}</th></tr>{{end}}
</table>
{{range .Months}}{{if .Windows}}<h3>{{.Period}}: windows that counted</h3><table><tr><th>incident</th><th>window</th><th>level</th><th>start</th><th>end</th><th>minutes</th><th>seq</th></tr>
{{range .Windows}}<tr><td>{{.Incident}}</td><td>{{.Window}}</td><td>{{.Level}}</td><td>{{utc .Start}}</td><td>{{if .End.IsZero}}ongoing{{else}}{{utc .End}}{{end}}</td><td>{{min .Minutes}}</td><td>{{.Seq}}</td></tr>
{{end}}</table>{{end}}{{end}}
</section>{{end}}
{{range .Skipped}}<p>skipped: {{.}}</p>{{end}}
</body></html>
`))
})

// HTML renders the report as a standalone page with each service's SVG chart inline.
func (r *AvailabilityReport) HTML() ([]byte, error) {
	var b bytes.Buffer
	err := availabilityHTML().Execute(&b, r)
	return b.Bytes(), err
}
