package incident

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/golden"

	"github.com/muster-ir/muster/runbook"
)

// reportIncident plays a whole incident on a fixed clock with a fixed id, so its
// journal, and so its final hash, are the same on every machine.
func reportIncident(t *testing.T) (*View, time.Time) {
	t.Helper()
	c := newClock("2026-11-23T09:12:00Z")
	st := &Store{DataDir: t.TempDir(), Now: c.now, NewID: func(time.Time) string { return "INC-20261123-4N7QX" }}
	inc, err := st.Start(StartOptions{Runbook: mustRunbook(t), Policy: runbook.DefaultPolicy(), Severity: "high", Title: "Checkout returns 502 for all EU customers", Actor: "alice@ops"})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	step := func(d time.Duration, f func() error) { c.advance(d); must(f()) }
	step(4*time.Minute, func() error { return inc.CompleteStep("confirm", "502 rate 100% on the EU load balancer") })
	step(3*time.Minute, func() error { return inc.Assign("incident commander", "carol") })
	step(1*time.Minute, func() error { return inc.CompleteStep("assign-owner", "") })
	step(2*time.Minute, func() error { return inc.Escalate("incident lead", "all EU customers blocked at checkout") })
	step(20*time.Minute, func() error { return inc.CompleteStep("failover", "") })
	step(5*time.Minute, func() error {
		return inc.Notify("affected customers", "email", "Checkout failed between 09:10 and 09:40 UTC; it works again.")
	})
	step(30*time.Minute, func() error { return inc.ChangeSeverity("critical", "orders were lost, not only delayed") })
	step(2*time.Minute, func() error { return inc.SkipStep("page-leadership", "the CTO joined the bridge at 10:05") })
	step(10*time.Minute, func() error {
		return inc.AddNote("Root cause: the EU certificate expired at 09:10.\nRenewed by hand at 09:35.", "failover")
	})
	step(24*time.Hour, func() error { return inc.CompleteStep("postmortem", "") })
	step(time.Minute, func() error {
		_, err := inc.AddFollowUp("dave", time.Date(2026, 12, 4, 23, 59, 59, 0, time.UTC), "Alert 14 days before any certificate expires")
		return err
	})
	step(time.Hour, func() error {
		return inc.CloseIncident("Certificate renewed; renewal now automated.", true, "follow-up F1 is tracked in the reliability backlog")
	})
	inc.Close()
	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return v, c.t.Add(time.Hour)
}

func TestReportGolden(t *testing.T) {
	v, now := reportIncident(t)
	r := BuildReport(v, now)
	golden.AssertFile(t, "report.md", []byte(r.Markdown()))
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertFile(t, "report.json", js)
	if r.Journal.FinalHash != v.Events[len(v.Events)-1].Hash {
		t.Error("the report's final hash is not the journal's last line hash")
	}
}

// A report built from a journal with lines muster cannot read says so at the top and
// in its JSON, naming the lines.
func TestReportWarnsOfUndecodableEvents(t *testing.T) {
	b, err := os.ReadFile("testdata/journals/undecodable.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	events := corpusEvents(t, b, true)
	rb := mustRunbook(t)
	v := &View{Runbook: rb, Policy: runbook.DefaultPolicy(), State: Fold(rb, events), Events: events}
	r := BuildReport(v, events[len(events)-1].Time)
	md := r.Markdown()
	for _, want := range []string{
		"> ⚠ 2 journal event(s) do not decode and are left out of this report (`muster evidence verify INC-20261127-CORP1` lists them):",
		"> - line 3 (seq 3): step.done event: payload does not decode: json: cannot unmarshal number",
		`> - line 4 (seq 4): severity.changed event: payload does not decode: field "to" is missing or empty`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md[:min(len(md), 1200)])
		}
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"undecodable": [`) {
		t.Error("the JSON report lacks undecodable")
	}
	if strings.Contains(mustReportMD(t), "do not decode") {
		t.Error("a clean journal's report warns")
	}
}

func mustReportMD(t *testing.T) string {
	v, now := reportIncident(t)
	return BuildReport(v, now).Markdown()
}
