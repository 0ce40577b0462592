package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// JSON renders the report as indented JSON.
func (r *SLAReport) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

func ratio(met, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d %3.0f%%", met, of, 100*float64(met)/float64(of))
}

func dur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return runbook.FormatDuration(d.Round(time.Minute))
}

func (r *SLAReport) scope() string {
	s := "all incidents"
	switch {
	case !r.Since.IsZero() && !r.Until.IsZero():
		s = "incidents opened " + r.Since.UTC().Format("2006-01-02") + " to " + r.Until.UTC().Format("2006-01-02")
	case !r.Since.IsZero():
		s = "incidents opened since " + r.Since.UTC().Format("2006-01-02")
	case !r.Until.IsZero():
		s = "incidents opened before " + r.Until.UTC().Format("2006-01-02")
	}
	if r.Drills {
		s += ", drills included"
	} else {
		s += ", drills left out"
	}
	return s
}

func (r *SLAReport) levels() []SLALevel {
	if len(r.Levels) == 0 {
		return nil
	}
	return append(append([]SLALevel(nil), r.Levels...), r.Total)
}

// Table renders the report for a terminal.
func (r *SLAReport) Table() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("SLA report: %s\n\n", r.scope())
	w("%-12s %9s %13s %13s %26s %26s %6s %13s\n", "severity", "incidents", "respond met", "resolve met", "to acknowledge med/p90/max", "to resolve med/p90/max", "escal.", "updates ok")
	for _, l := range r.levels() {
		w("%-12s %9d %13s %13s %26s %26s %6d %13s\n", l.Severity, l.Incidents, ratio(l.RespondMet, l.RespondJudged), ratio(l.ResolveMet, l.ResolveJudged),
			dur(l.Acknowledge.Median)+"/"+dur(l.Acknowledge.P90)+"/"+dur(l.Acknowledge.Worst), dur(l.Resolve.Median)+"/"+dur(l.Resolve.P90)+"/"+dur(l.Resolve.Worst),
			l.Escalations, ratio(l.UpdatesOnTime, l.UpdatesDue))
	}
	if len(r.Levels) == 0 {
		w("no incidents\n")
	}
	w("\nA deadline is counted once it was met or missed; pending ones are not. Median is the lower middle, p90 the nearest rank.\n")
	for _, s := range r.Skipped {
		w("skipped: %s\n", s)
	}
	return b.String()
}

// Markdown renders the report with the incidents behind it.
func (r *SLAReport) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# SLA report\n\n%s. Generated %s.\n\n", strings.ToUpper(r.scope()[:1])+r.scope()[1:], FormatUTC(r.GeneratedAt))
	w("| severity | incidents | respond-by met | resolve-by met | acknowledge median | p90 | worst | resolve median | p90 | worst | escalations | updates on time |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range r.levels() {
		w("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", MarkdownCell(l.Severity), l.Incidents, ratio(l.RespondMet, l.RespondJudged), ratio(l.ResolveMet, l.ResolveJudged),
			dur(l.Acknowledge.Median), dur(l.Acknowledge.P90), dur(l.Acknowledge.Worst), dur(l.Resolve.Median), dur(l.Resolve.P90), dur(l.Resolve.Worst),
			l.Escalations, ratio(l.UpdatesOnTime, l.UpdatesDue))
	}
	if len(r.Incidents) > 0 {
		w("\n## Incidents\n\n| incident | severity | respond-by | resolve-by | acknowledged after | resolved after |\n|---|---|---|---|---:|---:|\n")
		for _, in := range r.Incidents {
			w("| %s | %s | %s | %s | %s | %s |\n", in.ID, MarkdownCell(in.Severity), in.Respond, in.Resolve, dur(in.Acknowledge), dur(in.Resolved))
		}
	}
	for _, s := range r.Skipped {
		w("\n> skipped: %s\n", MarkdownCell(s))
	}
	return b.String()
}
