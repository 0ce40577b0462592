package scenarios

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// HTML renders the AAR/IP as one print-ready HTML page in the HSEEP template's order:
// a cover, the handling instructions, the executive summary, the exercise overview,
// the analysis of each objective and its critical tasks, the decisions, discussion
// and hot wash, the improvement plan matrix (on landscape pages), and the appendices.
// The handling marking is on the top and bottom of every printed page (CSS page
// margin boxes), with the page number; a draft says DRAFT on every page. Print it,
// or make a PDF with headless Chromium:
//
//	chromium --headless --no-sandbox --no-pdf-header-footer --print-to-pdf=aar.pdf aar.html
//
// Every text from the journal or the scenario is cleaned of control characters and
// escaped by html/template.
func (a *AAR) HTML() ([]byte, error) {
	var b bytes.Buffer
	if err := aarTemplate().Execute(&b, a); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// aarTemplate is parsed on first use, not at every start of muster.
var aarTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("aar").Funcs(template.FuncMap{
		"line":  untrusted.Line,
		"paras": func(s string) []string { return paragraphs(untrusted.Block(s)) },
		"clock": clockText,
		"at":    formatOffset,
		"date":  func(t time.Time) string { return t.Format("2006-01-02") },
		"day": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2 January 2006")
		},
		"utc":    func(t time.Time) string { return utc(t) },
		"speeds": speeds,
		"join":   func(xs []string, sep string) string { return untrusted.Line(strings.Join(xs, sep)) },
		"short":  short,
		"hhmm":   func(t time.Time) string { return t.Format("15:04:05") },
		"inc":    func(i int) int { return i + 1 },
		"css":    cssString,
		"marking": func(a *AAR) string {
			m := untrusted.Line(a.Handling)
			if a.Status != "final" {
				if m != "" {
					m += " · "
				}
				m += "DRAFT"
			}
			return m
		},
		"answer": func(d DecisionView) []string {
			if d.Open {
				return []string{"open", "—", "—", "—"}
			}
			label, pts, top := d.Chosen, "", 0
			for _, o := range d.Options {
				if o.ID == d.Chosen {
					label, pts = o.Label, strconv.Itoa(d.Points)
				}
				top = max(top, o.Points)
			}
			return []string{label, d.By, formatOffset(d.At), pts + " of " + strconv.Itoa(top)}
		},
		"took": func(t TimeTarget) string {
			if !t.Reached {
				return "—"
			}
			return clockText(t.Took)
		},
		"seed": func(o Overview) string {
			s := strconv.FormatUint(o.Seed, 10)
			if len(o.Picks) > 0 {
				var picks []string
				for _, k := range sortedKeys(o.Picks) {
					picks = append(picks, "pool "+k+" drew "+o.Picks[k])
				}
				s += " (" + strings.Join(picks, ", ") + ")"
			}
			return untrusted.Line(s)
		},
	}).Parse(aarHTML))
})

// cssString quotes s as a CSS string for the page margin boxes: every character but
// letters, digits and spaces is a CSS escape, so nothing in s can end the string or
// the rule. (html/template refuses "TLP:AMBER" in a CSS string, taking it for a URL
// with an unknown scheme.)
func cssString(s string) template.CSS {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "\\%x ", r)
		}
	}
	b.WriteByte('"')
	return template.CSS(b.String()) //nolint:gosec // every character outside [A-Za-z0-9 ] is escaped above
}

// paragraphs splits Markdown text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

const aarHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="muster">
<title>{{line .Overview.Name}} — After-Action Report / Improvement Plan</title>
<style>
@page {
  size: A4;
  margin: 22mm 16mm 20mm 16mm;
  @top-center { content: {{css (marking .)}}; font: 700 9pt system-ui, sans-serif; color: #b00020; letter-spacing: .04em; }
  @bottom-center { content: {{css (marking .)}}; font: 700 9pt system-ui, sans-serif; color: #b00020; letter-spacing: .04em; }
  @bottom-left { content: {{css (printf "%s AAR/IP" (line .Overview.Name))}}; font: 8pt system-ui, sans-serif; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt system-ui, sans-serif; color: #555; }
}
@page cover { margin-top: 30mm; }
@page plan { size: A4 landscape; }
:root { --ink: #1b1b1b; --muted: #5c5c5c; --rule: #c9c9c9; --head: #eef1f5; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 system-ui, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 22pt; margin: 0 0 .4em; }
h2 { font-size: 15pt; border-bottom: 2px solid var(--ink); padding-bottom: .15em; margin: 1.6em 0 .6em; break-after: avoid; }
h3 { font-size: 12pt; margin: 1.2em 0 .4em; break-after: avoid; }
h4 { font-size: 10.5pt; margin: .9em 0 .3em; break-after: avoid; }
p, li { orphans: 3; widows: 3; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; font-size: 9.5pt; }
th, td { border: 1px solid var(--rule); padding: .3em .45em; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
thead { display: table-header-group; }
tr, .observation, .objective-head { break-inside: avoid; }
th[scope=row] { width: 24%; background: var(--head); }
.banner { border: 2px solid #b00020; color: #b00020; font-weight: 700; text-align: center; padding: .3em; letter-spacing: .04em; }
.draft { border-color: #8a6d00; color: #8a6d00; }
.cover { page: cover; }
.cover .subtitle { font-size: 14pt; color: var(--muted); margin: 0 0 2em; }
.cover dl { display: grid; grid-template-columns: 12em 1fr; gap: .3em 1em; }
.cover dt { font-weight: 600; }
.cover dd { margin: 0; }
.rating { display: inline-block; min-width: 1.8em; text-align: center; font-weight: 700; border-radius: 3px; padding: 0 .3em; color: #fff; }
.rating-P { background: #2e7d32; } .rating-S { background: #827717; } .rating-M { background: #e65100; } .rating-U { background: #b71c1c; } .rating-- { background: #757575; }
.muted { color: var(--muted); }
.observation { border-left: 3px solid var(--rule); padding: .1em 0 .1em .7em; margin: .5em 0; }
.observation.improvement { border-left-color: #e65100; }
.observation.strength { border-left-color: #2e7d32; }
.observation dl { display: grid; grid-template-columns: 11em 1fr; gap: .1em .8em; margin: .2em 0 0; }
.observation dt { color: var(--muted); }
.observation dd { margin: 0; }
.plan { page: plan; }
.plan table { font-size: 8.5pt; }
.new-page { break-before: page; }
.timeline td:nth-child(-n+4) { white-space: nowrap; }
@media screen {
  .plan, .new-page { margin-top: 3rem; }
}
@media print {
  body { max-width: none; padding: 0; }
  .cover { min-height: 230mm; display: flex; flex-direction: column; justify-content: center; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body>
{{- $a := . }}{{ $o := .Overview }}
<section class="cover" id="cover">
{{- if .Handling }}<p class="banner" id="handling-marking">{{line .Handling}}</p>{{ end }}
{{- if ne .Status "final" }}<p class="banner draft" id="draft-marking">DRAFT — {{ if $o.Ended.IsZero }}the drill is still running; verdicts and ratings may change{{ else }}the improvement plan is not finalised yet{{ end }}</p>{{ end }}
<h1>{{line $o.Name}}</h1>
<p class="subtitle">After-Action Report / Improvement Plan</p>
<dl>
<dt>Exercise dates</dt><dd>{{day $o.Started}} to {{day $o.Ended}}</dd>
<dt>Scenario</dt><dd>{{line $o.Scenario}} {{line $o.Version}}</dd>
<dt>Drill incident</dt><dd>{{line $o.Incident}}</dd>
{{- if $o.Sponsor }}<dt>Sponsor</dt><dd>{{line $o.Sponsor}}</dd>{{ end }}
<dt>Point of contact</dt><dd>{{ if $o.Contact }}{{line $o.Contact}}; {{ end }}facilitator {{line $o.Facilitator}}</dd>
<dt>Status</dt><dd>{{ if eq .Status "final" }}final{{ else }}draft{{ end }}</dd>
</dl>
</section>

<section class="new-page" id="handling">
<h2>Handling instructions</h2>
{{- if .Handling }}
<p>This document is marked <strong>{{line .Handling}}</strong>: every page carries the marking. Share it only as the marking allows.</p>
{{- else }}
<p>The scenario gives no handling marking. Treat this report as internal until its sponsor decides otherwise.</p>
{{- end }}
<p>Point of contact: {{ if $o.Contact }}{{line $o.Contact}}{{ else }}{{line $o.Facilitator}} (facilitator){{ end }}.</p>

<h2 id="executive-summary">Executive summary</h2>
{{- range paras .Summary.Text }}<p>{{.}}</p>{{ end }}
<h3>Major strengths</h3>
{{- if .Summary.Strengths }}<ul>{{ range .Summary.Strengths }}<li>{{line .}}</li>{{ end }}</ul>{{ else }}<p>None identified.</p>{{ end }}
<h3>Primary areas for improvement</h3>
{{- if .Summary.Improvements }}<ul>{{ range .Summary.Improvements }}<li>{{line .}}</li>{{ end }}</ul>{{ else }}<p>None identified.</p>{{ end }}
</section>

<section class="new-page" id="overview">
<h2>Exercise overview</h2>
<table>
<tr><th scope="row">Exercise name</th><td>{{line $o.Name}}</td></tr>
<tr><th scope="row">Scenario</th><td>{{line $o.Scenario}} {{line $o.Version}} (sha256 {{short $o.Digest}})</td></tr>
<tr><th scope="row">Exercise dates</th><td>{{utc $o.Started}} to {{utc $o.Ended}}</td></tr>
<tr><th scope="row">Scope</th><td>{{line $o.ExerciseType}} exercise; planned {{clock $o.Planned}} of drill time, played {{clock $o.Played}} at {{speeds $o.Speeds}}{{ if $o.EndReason }}, {{line $o.EndReason}}{{ end }}; runbook {{line $o.Runbook}}; starting severity {{line $o.Severity}}</td></tr>
{{- if $o.MissionAreas }}<tr><th scope="row">Mission areas</th><td>{{join $o.MissionAreas ", "}}</td></tr>{{ end }}
<tr><th scope="row">Core capabilities</th><td>{{join $o.Capabilities ", "}}</td></tr>
<tr><th scope="row">Objectives</th><td><ol>{{ range $o.Objectives }}<li>{{line .}}</li>{{ end }}</ol></td></tr>
{{- if $o.Threat }}<tr><th scope="row">Threat or hazard</th><td>{{line $o.Threat}}</td></tr>{{ end }}
<tr><th scope="row">Scenario summary</th><td>{{line $o.Summary}}</td></tr>
{{- if $o.Sponsor }}<tr><th scope="row">Sponsor</th><td>{{line $o.Sponsor}}</td></tr>{{ end }}
{{- if $o.Organisations }}<tr><th scope="row">Participating organisations</th><td>{{join $o.Organisations ", "}}</td></tr>{{ end }}
<tr><th scope="row">Point of contact</th><td>{{ if $o.Contact }}{{line $o.Contact}}; facilitator {{line $o.Facilitator}}{{ else }}{{line $o.Facilitator}} (facilitator){{ end }}</td></tr>
<tr><th scope="row">Participants</th><td>{{ range $i, $p := $o.Participants }}{{ if $i }}; {{ end }}{{line $p.Who}}{{ if $p.Roles }} ({{join $p.Roles ", "}}){{ end }}: {{$p.Actions}} actions{{ end }}</td></tr>
<tr><th scope="row">Seed</th><td>{{seed $o}}</td></tr>
</table>
{{ with .Score }}<p><strong>Score:</strong> {{.Points}} of {{.Max}} points ({{.Percent}}%): {{.Met}} met, {{.Late}} late, {{.Missed}} missed{{ if .NotReached }}; {{.NotReached}} not reached (their injects never fired){{ end }}. Met earns an expectation's points, late half, missed none; decisions earn their option's points.</p>{{ end }}
</section>

<section class="new-page" id="analysis">
<h2>Analysis of core capabilities</h2>
<table>
<thead><tr><th>Objective</th><th>Core capability</th><th>Rating</th></tr></thead>
<tbody>
{{- range .Objectives }}
<tr><td>{{.ID}} — {{line .Text}}</td><td>{{line .Capability}}</td><td><span class="rating rating-{{.Rating}}">{{.Rating}}</span> {{.Meaning}}</td></tr>
{{- end }}
</tbody>
</table>
<p class="muted">P: performed without challenges. S: performed with some challenges. M: performed with major challenges. U: unable to be performed.</p>
{{- range $i, $r := .Objectives }}
<article class="objective" id="objective-{{$r.ID}}">
<div class="objective-head">
<h3>Objective {{inc $i}}: {{line $r.Text}} <span class="rating rating-{{$r.Rating}}">{{$r.Rating}}</span></h3>
{{- with $r.Override }}<p>Rated {{.Rating}} by evaluator {{line .By}}: {{line .Reason}} (muster rated {{$r.Computed}}).</p>{{ end }}
<p>Core capability: {{line $r.Capability}}.{{ if $r.Targets }} Capability targets: {{join $r.Targets "; "}}.{{ end }} {{$r.Met}} met, {{$r.Late}} late, {{$r.Missed}} missed{{ if $r.Open }}, {{$r.Open}} open{{ end }}{{ if $r.NotReached }}, {{$r.NotReached}} not reached{{ end }}.</p>
</div>
{{- if $r.Tasks }}
<table class="tasks">
<thead><tr><th>Critical task</th><th>Rating</th><th>Met</th><th>Late</th><th>Missed</th><th>Observations</th></tr></thead>
<tbody>
{{- range $r.Tasks }}
<tr><td>{{.ID}} — {{line .Text}}</td><td><span class="rating rating-{{.Rating}}">{{.Rating}}</span>{{ if .Override }} (evaluator {{line .Override.By}}: {{line .Override.Reason}}; muster rated {{.Computed}}){{ end }}</td><td>{{.Met}}</td><td>{{.Late}}</td><td>{{.Missed}}</td><td>{{join .Observations ", "}}</td></tr>
{{- end }}
</tbody>
</table>
{{- end }}
<h4>Strengths</h4>
{{- if not $r.Strengths }}<p>None observed.</p>{{ end }}
{{- range $r.Strengths }}
<div class="observation strength">
<p><strong>{{line .Text}}</strong>{{ if .ID }} ({{.ID}}){{ end }}</p>
<dl>
{{- if .Observation }}<dt>Observation</dt><dd>{{line .Observation}}</dd>{{ end }}
<dt>Reference</dt><dd>{{line .Reference}}</dd>
</dl>
</div>
{{- end }}
<h4>Areas for improvement</h4>
{{- if not $r.Improvements }}<p>None observed.</p>{{ end }}
{{- range $r.Improvements }}
<div class="observation improvement">
<p><strong>{{line .Text}}</strong> ({{ if .ID }}{{.ID}}{{ else }}{{.Verdict}}{{ end }})</p>
<dl>
{{- if .Observation }}<dt>Observation</dt><dd>{{line .Observation}}</dd>{{ end }}
<dt>Reference</dt><dd>{{line .Reference}}</dd>
{{- if .Analysis }}<dt>Analysis (root cause)</dt><dd>{{line .Analysis}}</dd>{{ end }}
{{- if .Recommendation }}<dt>Recommendation</dt><dd>{{line .Recommendation}}</dd>{{ end }}
</dl>
</div>
{{- end }}
</article>
{{- end }}
</section>

<section id="decisions">
<h2>Decisions</h2>
{{- if not .Decisions }}<p>None put to the team.</p>{{ else }}
<table>
<thead><tr><th>Inject</th><th>Decision</th><th>Answer</th><th>By</th><th>At</th><th>Points</th></tr></thead>
<tbody>
{{- range .Decisions }}{{ $ans := answer . }}
<tr><td>{{line .Inject}}</td><td>{{line .Prompt}}</td><td>{{line (index $ans 0)}}</td><td>{{line (index $ans 1)}}</td><td>{{index $ans 2}}</td><td>{{index $ans 3}}</td></tr>
{{- end }}
</tbody>
</table>
{{- end }}
{{- if .Discussion }}
<h2 id="discussion">Discussion questions</h2>
{{- range .Discussion }}
<h3>{{line .Title}}</h3>
<ol>{{ range .Questions }}<li>{{line .Question}}<br><span class="{{ if not .Answer }}muted{{ end }}">{{ if .Answer }}{{line .Answer}} (recorded by {{line .By}}){{ else }}no answer recorded{{ end }}</span></li>{{ end }}</ol>
{{- end }}
{{- end }}
{{- if .HotWash }}
<h2 id="hot-wash">Hot wash and participant feedback</h2>
<ol>
{{- range .HotWash }}
<li>{{line .Question}}<ul>{{ range .Answers }}<li><strong>{{line .Participant}}:</strong> {{line .Answer}}</li>{{ else }}<li class="muted">no answer recorded</li>{{ end }}</ul></li>
{{- end }}
</ol>
{{- end }}
<h2 id="times">Time to contain against the SLA targets</h2>
<p>In drill time, against the targets of the severity the drill ended at.</p>
<table>
<thead><tr><th>Measure</th><th>Drill time</th><th>Target</th><th>Source</th><th>Verdict</th></tr></thead>
<tbody>
{{- range .Times }}
<tr><td>{{.Name}}</td><td>{{took .}}</td><td>{{line .Target}}</td><td>{{line .Source}}</td><td>{{line .Verdict}}</td></tr>
{{- end }}
</tbody>
</table>
</section>

<section class="plan new-page" id="improvement-plan">
<h2>Appendix A: Improvement plan</h2>
{{- if not .Plan }}<p>No corrective action: every expectation was met.</p>{{ else }}
<table>
<thead><tr><th>#</th><th>Core capability</th><th>Issue / area for improvement</th><th>Corrective action</th><th>Capability element</th><th>Primary responsible organisation</th><th>Organisation POC</th><th>Owner</th><th>Start date</th><th>Completion date</th><th>Follow-up</th></tr></thead>
<tbody>
{{- range .Plan }}
<tr><td>{{.ID}}</td><td>{{line .Capability}}</td><td>{{line .Issue}}</td><td>{{line .Action}}</td><td>{{line .Element}}</td><td>{{line .Organisation}}</td><td>{{line .Contact}}</td><td>{{line .Owner}}</td><td>{{date .Start}}</td><td>{{date .Due}}</td><td>{{line .FollowUp}}</td></tr>
{{- end }}
</tbody>
</table>
{{- if ne .Status "final" }}<p class="muted">Finalising the drill makes each action a follow-up of the drill incident.</p>{{ end }}
{{- end }}
</section>

{{- with .Replay }}
<section class="new-page" id="replay">
<h2>The team beside the original response</h2>
<p>Recorded from incident {{line .Incident}}{{ if .Redacted }} (redacted){{ end }}. The original responders' times are the bar.</p>
<table>
<thead><tr><th>Action</th><th>Original</th><th>Team</th><th>Verdict</th></tr></thead>
<tbody>{{ range .Rows }}<tr><td>{{line .Text}}</td><td>{{clock .Original}}</td><td>{{ if .Done }}{{clock .Team}}{{ else }}—{{ end }}</td><td>{{.Verdict}}</td></tr>{{ end }}</tbody>
</table>
</section>
{{- end }}

<section class="new-page" id="participants">
<h2>Appendix B: Exercise participants</h2>
<table>
<thead><tr><th>Role</th><th>Name</th><th>Kind</th><th>Played by</th></tr></thead>
<tbody>
{{- range $o.Roles }}
<tr><td>{{line .Role}}</td><td>{{line .Name}}</td><td>{{line .Kind}}</td><td>{{line .Person}}</td></tr>
{{- end }}
{{- range $o.Participants }}
<tr><td>{{join .Roles ", "}}</td><td>—</td><td>acted</td><td>{{line .Who}} ({{.Actions}} actions)</td></tr>
{{- end }}
</tbody>
</table>
</section>

<section class="new-page timeline" id="timeline">
<h2>Appendix C: Drill timeline</h2>
<table>
<thead><tr><th>Seq</th><th>Drill time</th><th>Story time</th><th>Real (UTC)</th><th>Who</th><th>What</th></tr></thead>
<tbody>
{{- range .Timeline }}
<tr><td>{{.Seq}}</td><td>{{at .Drill}}</td><td>{{hhmm .Story}}</td><td>{{utc .Real}}</td><td>{{line .Actor}}</td><td>{{line .What}}</td></tr>
{{- end }}
</tbody>
</table>
</section>
</body>
</html>
`
