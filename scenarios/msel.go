package scenarios

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// MSELRow is one inject of the master scenario events list, for a facilitator who
// runs the exercise on paper: when it is delivered, by whom to whom, what it says,
// what the players are expected to do, and the facilitator's notes.
type MSELRow struct {
	Number    int
	At        string // T+10m; a relative inject says what it waits for
	Earliest  time.Duration
	Story     string // the in-game clock at the earliest time, Mon 15:04
	Module    string
	Inject    string
	From      string
	To        string // role names; everyone when empty
	Channel   string
	Title     string
	Message   string
	Expected  string // the expectations, each with its deadline
	Decision  string // the prompt, options and default
	Pool      string // the random pool it is a variant of
	Notes     string
	Objective string
}

// MSEL lists every inject of sc in the order a drill can deliver them (earliest
// possible drill time, then scenario order): timed injects at their time, relative ones
// at the earliest their anchor allows, branches after their decision.
func MSEL(sc *Scenario) []MSELRow {
	earliest := map[string]time.Duration{}
	var at func(in *Inject, seen map[string]bool) time.Duration
	at = func(in *Inject, seen map[string]bool) time.Duration {
		if t, ok := earliest[in.ID]; ok {
			return t
		}
		if seen[in.ID] {
			return 0
		}
		seen[in.ID] = true
		var t time.Duration
		switch {
		case in.Timed:
			t = in.At
		case in.After != nil && in.After.Inject != "":
			if a, ok := sc.Inject(in.After.Inject); ok {
				t = at(a, seen) + in.After.Delay
			}
		case in.After != nil:
			t = in.After.Delay
		default:
			first := true
			for _, src := range sc.gotoSources(in.ID) {
				if a, ok := sc.Inject(src.inject); ok {
					c := at(a, seen) + src.delay
					if first || c < t {
						t, first = c, false
					}
				}
			}
		}
		earliest[in.ID] = t
		return t
	}
	roleName := func(id string) string {
		if r, ok := sc.Role(id); ok {
			return r.Name
		}
		return id
	}
	var rows []MSELRow
	for i := range sc.Injects {
		in := &sc.Injects[i]
		t := at(in, map[string]bool{})
		r := MSELRow{Inject: in.ID, Earliest: t, Story: sc.StoryStart.Add(t).Format("Mon 15:04"), From: in.From, Channel: in.Channel,
			Title: in.Title, Message: strings.TrimSpace(in.Body), Notes: strings.TrimSpace(in.Notes), Pool: in.Pool}
		r.At = formatOffset(t)
		if !in.Timed {
			r.At = in.DescribeTiming() + " (earliest " + formatOffset(t) + ")"
		}
		if m, ok := sc.Module(in.Module); ok {
			r.Module = m.Title
		}
		var to []string
		for _, id := range in.To {
			to = append(to, roleName(id))
		}
		r.To = strings.Join(to, ", ")
		var exp, objs []string
		for _, x := range in.Expects {
			exp = append(exp, fmt.Sprintf("%s within %s", x.Text, clockText(x.Within)))
			if !inList(objs, x.Objective) {
				objs = append(objs, x.Objective)
			}
		}
		r.Expected, r.Objective = strings.Join(exp, "; "), strings.Join(objs, ", ")
		if d := in.Decision; d != nil {
			var opts []string
			for _, o := range d.Options {
				s := o.ID + ": " + o.Label
				if o.Goto != "" {
					s += " → " + o.Goto
				}
				opts = append(opts, s)
			}
			r.Decision = fmt.Sprintf("%s [%s] (default %s after %s)", d.Prompt, strings.Join(opts, "; "), d.Default, clockText(d.Timeout))
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Earliest < rows[j].Earliest })
	for i := range rows {
		rows[i].Number = i + 1
	}
	return rows
}

var mselHeader = []string{"#", "drill time", "story time", "module", "inject", "from", "to", "channel", "title", "message",
	"expected player action", "decision", "pool", "objective", "facilitator notes"}

func (r MSELRow) cells() []string {
	return []string{fmt.Sprint(r.Number), r.At, r.Story, r.Module, r.Inject, r.From, r.To, r.Channel, r.Title, r.Message,
		r.Expected, r.Decision, r.Pool, r.Objective, r.Notes}
}

// MSELCSV renders the MSEL as CSV (RFC 4180), one inject per row, with a header. A
// cell that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed
// with a quote.
func MSELCSV(sc *Scenario) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(mselHeader)
	for _, r := range MSEL(sc) {
		cells := r.cells()
		for i, c := range cells {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				cells[i] = "'" + c
			}
		}
		_ = w.Write(cells)
	}
	w.Flush()
	return b.Bytes()
}

// MSELMarkdown renders the MSEL as a Markdown document: a header with the scenario,
// then one table row per inject.
func MSELMarkdown(sc *Scenario) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# MSEL: %s\n\n", untrusted.Line(sc.Title))
	fmt.Fprintf(&b, "Scenario %s %s · runbook %s · planned %s of drill time · story starts %s · severity %s\n\n",
		sc.ID, sc.Version, sc.Runbook.ID, clockText(sc.PlannedDuration), sc.StoryStart.Format("2006-01-02 15:04 -07:00"), sc.Severity)
	if len(sc.Pools) > 0 {
		b.WriteString("Random pools: a drill plays one inject of each pool (the seed decides); print them all and draw one.\n\n")
	}
	b.WriteString("| " + strings.Join(mselHeader, " | ") + " |\n|" + strings.Repeat("---|", len(mselHeader)) + "\n")
	for _, r := range MSEL(sc) {
		cells := r.cells()
		for i, c := range cells {
			cells[i] = incident.MarkdownCell(strings.ReplaceAll(c, "\n", " "))
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return []byte(b.String())
}
