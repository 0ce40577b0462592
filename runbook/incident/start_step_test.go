package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
)

// The step that tells the responder to run `muster incident start` is done by the
// start itself: by whoever started, at the start, with no journal line of its own;
// it can be neither done again, skipped nor undone.
func TestStartDoesTheStartStep(t *testing.T) {
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	rb, _ := lib.Get("service-outage")
	opened := time.Date(2026, 11, 23, 9, 12, 0, 0, time.UTC)
	st := &Store{DataDir: t.TempDir(), Now: func() time.Time { return opened }}
	inc, err := st.Start(StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: "critical", Title: "Checkout down", Actor: "alice@ops"})
	if err != nil {
		t.Fatal(err)
	}
	defer inc.Close()
	s := inc.State.Step("start-incident")
	if s.Status != StepDone || s.By != "alice@ops" || !s.At.Equal(opened) || s.Note != StartedStepNote {
		t.Errorf("start-incident after the start: %+v", s)
	}
	if inc.State.Step("open-incident").Status != StepTodo {
		t.Error("the start did more than its own step")
	}
	if !inc.State.RespondedAt.IsZero() {
		t.Error("the start step counted as a response")
	}
	if p := inc.State.Progress()[0]; p.Done != 1 || p.Total != 3 {
		t.Errorf("detect progress %+v", p)
	}
	if rbStep, _ := rb.Step("start-incident"); inc.State.TimeboxOverdue(rbStep, opened.Add(24*time.Hour)) {
		t.Error("a step done by the start has an overdue timebox")
	}
	for name, err := range map[string]error{
		"done":    inc.CompleteStep("start-incident", ""),
		"skipped": inc.SkipStep("start-incident", "not needed"),
		"undone":  inc.UndoStep("start-incident", "oops"),
	} {
		if err == nil || !strings.Contains(err.Error(), "done by the start of the incident") {
			t.Errorf("start-incident %s again: %v", name, err)
		}
	}
	v, err := st.Load(inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.State.Step("start-incident").Status != StepDone || v.State.Events != 1 {
		t.Errorf("reloaded: step %+v after %d events", v.State.Step("start-incident"), v.State.Events)
	}
	md := BuildReport(v, opened.Add(time.Hour)).Markdown()
	if !strings.Contains(md, "| start-incident — Start the incident in muster | done | alice@ops | 2026-11-23 09:12:00Z | — | done by the start of the incident |") {
		t.Errorf("report row of the start step:\n%s", md)
	}
}
