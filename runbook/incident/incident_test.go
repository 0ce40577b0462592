package incident

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/journal"
)

// clock is a fixed clock the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock(s string) *clock           { t, _ := time.Parse(time.RFC3339, s); return &clock{t} }
func mustRunbook(t *testing.T) *runbook.Runbook {
	t.Helper()
	rb, problems := runbook.LoadFile("testdata/runbook.toml", nil)
	if len(problems) > 0 {
		t.Fatalf("fixture runbook: %v", problems)
	}
	return rb
}

func startIncident(t *testing.T, c *clock, severity string) (*Store, *Incident) {
	t.Helper()
	st := &Store{DataDir: t.TempDir(), Now: c.now}
	inc, err := st.Start(StartOptions{Runbook: mustRunbook(t), Policy: runbook.DefaultPolicy(), Severity: severity, Title: "Checkout is down", Actor: "alice@laptop"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return st, inc
}

func eventCount(t *testing.T, inc *Incident) int {
	t.Helper()
	ev, err := inc.Events()
	if err != nil {
		t.Fatal(err)
	}
	return len(ev)
}

func TestStartRecordsRunbookPolicyAndDeadlines(t *testing.T) {
	c := newClock("2026-11-27T15:30:00Z") // Friday 16:30 in Brussels
	st, inc := startIncident(t, c, "medium")
	if !strings.HasPrefix(inc.ID, "INC-20261127-") || len(inc.ID) != len("INC-20261127-K7QF4") {
		t.Errorf("id %q", inc.ID)
	}
	s := inc.State
	if s.Runbook.ID != "test-outage" || s.Runbook.Version != "1.2.0" || len(s.Runbook.Digest) != 64 || s.Policy.Name != "ir-four-level" {
		t.Errorf("refs: %+v %+v", s.Runbook, s.Policy)
	}
	// Medium responds within 24 business hours: Friday 0.5h + Monday 9h + Tuesday 9h + Wednesday 5.5h.
	if want := time.Date(2026, 12, 2, 12, 30, 0, 0, time.UTC); !s.RespondBy.Due.Equal(want) {
		t.Errorf("respond-by %s, want %s", s.RespondBy.Due, want)
	}
	for _, f := range []string{RunbookFile, PolicyFile, "journal.jsonl"} {
		fi, err := os.Stat(filepath.Join(inc.Dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, err, fi)
		}
	}
	if fi, _ := os.Stat(inc.Dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode())
	}
	// A reader sees the same state without the lock.
	v, err := st.Load(inc.ID)
	if err != nil || v.State.Title != "Checkout is down" || v.State.Severity != "medium" {
		t.Fatalf("Load: %v %+v", err, v)
	}
}

func TestStartRefusals(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st := &Store{DataDir: t.TempDir(), Now: c.now}
	rb := mustRunbook(t)
	for name, o := range map[string]StartOptions{
		"no title":         {Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: "high", Title: "  "},
		"unknown severity": {Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: "sev1", Title: "x"},
	} {
		if _, err := st.Start(o); !IsRefused(err) {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(st.DataDir, "incidents")); len(entries) != 0 {
		t.Errorf("a refused start left %d directories", len(entries))
	}
}

func TestInvalidCommandsAppendNothing(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	_, inc := startIncident(t, c, "high")
	before := eventCount(t, inc)
	for name, f := range map[string]func() error{
		"unknown step":            func() error { return inc.CompleteStep("nope", "") },
		"skip without reason":     func() error { return inc.SkipStep("confirm", "  ") },
		"undo a step still to do": func() error { return inc.UndoStep("confirm", "") },
		"escalate without reason": func() error { return inc.Escalate("incident lead", "") },
		"escalate to nobody":      func() error { return inc.Escalate("", "it is spreading") },
		"notify without message":  func() error { return inc.Notify("customers", "email", "") },
		"empty note":              func() error { return inc.AddNote("\x1b[2J  ", "") },
		"same severity":           func() error { return inc.ChangeSeverity("high", "still high") },
		"unknown severity":        func() error { return inc.ChangeSeverity("sev0", "worse") },
		"severity without reason": func() error { return inc.ChangeSeverity("critical", "") },
		"follow-up without due":   func() error { _, err := inc.AddFollowUp("bob", time.Time{}, "fix it"); return err },
		"unknown follow-up done":  func() error { return inc.CompleteFollowUp("F9", "") },
		"close with open steps":   func() error { return inc.CloseIncident("", false, "") },
		"force close no reason":   func() error { return inc.CloseIncident("", true, "") },
	} {
		err := f()
		if !IsRefused(err) {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
	}
	if after := eventCount(t, inc); after != before {
		t.Errorf("refused commands appended %d events", after-before)
	}
}

func TestLifecycle(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st, inc := startIncident(t, c, "high")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c.advance(5 * time.Minute)
	must(inc.CompleteStep("confirm", "dashboard red"))
	if !inc.State.RespondedAt.IsZero() {
		t.Error("a detect step must not meet respond-by")
	}
	c.advance(5 * time.Minute)
	must(inc.CompleteStep("assign-owner", ""))
	if !inc.State.RespondedAt.Equal(c.t) {
		t.Errorf("the first triage action meets respond-by: %s", inc.State.RespondedAt)
	}
	if err := inc.CompleteStep("assign-owner", ""); !IsRefused(err) {
		t.Errorf("done twice: %v", err)
	}
	must(inc.Escalate("incident lead", "customers blocked"))
	must(inc.Assign("incident commander", "carol"))
	if inc.State.Commander() != "carol" {
		t.Errorf("commander %q", inc.State.Commander())
	}
	c.advance(10 * time.Minute)
	must(inc.CompleteStep("failover", ""))
	// page-leadership applies only to critical: contain is complete at high.
	u, ok := inc.State.NextUpdate()
	if !ok || u.Audience != "affected customers" || !u.Due.Equal(c.t.Add(FirstNoticeWithin)) || u.Why != "after contain" {
		t.Errorf("next update after contain: %+v %v", u, ok)
	}
	c.advance(2 * time.Minute)
	must(inc.Notify("affected customers", "email", "We failed over; service is back."))
	u, _ = inc.State.NextUpdate()
	if !u.Due.Equal(c.t.Add(time.Hour)) || u.Why != "update every 1h" {
		t.Errorf("next regular update: %+v", u)
	}
	// Raising to critical recomputes from the original start and adds a step.
	must(inc.ChangeSeverity("critical", "customer data involved"))
	if want := inc.State.OpenedAt.Add(6 * time.Hour); !inc.State.ResolveBy.Due.Equal(want) {
		t.Errorf("resolve-by after raise = %s, want %s", inc.State.ResolveBy.Due, want)
	}
	if open := inc.State.OpenWork(); strings.Join(open, ",") != "step page-leadership,step postmortem" {
		t.Errorf("open work %v", open)
	}
	must(inc.SkipStep("page-leadership", "leadership already on the bridge"))
	must(inc.UndoStep("page-leadership", "they left"))
	must(inc.SkipStep("page-leadership", "leadership on the bridge again"))
	must(inc.AddNote("Root cause: expired certificate.\nRenewed by hand.", "failover"))
	fid, err := inc.AddFollowUp("dave", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), "Automate certificate renewal")
	must(err)
	must(inc.CompleteStep("postmortem", ""))
	if err := inc.CloseIncident("", false, ""); !IsRefused(err) || !strings.Contains(err.Error(), "follow-up F1") {
		t.Errorf("close with an open follow-up: %v", err)
	}
	must(inc.CompleteFollowUp(strings.ToLower(fid), "cron job added"))
	c.advance(time.Hour)
	must(inc.CloseIncident("Certificate renewed.", false, ""))
	if err := inc.AddNote("late", ""); !IsRefused(err) {
		t.Errorf("note after close: %v", err)
	}

	// The fold over the journal on disk gives the same state as the live one.
	inc.Close()
	v, err := st.Load(inc.ID)
	must(err)
	live, _ := json.Marshal(inc.State)
	folded, _ := json.Marshal(v.State)
	if string(live) != string(folded) {
		t.Errorf("state from disk differs from the live state:\n%s\n%s", live, folded)
	}
	respond, resolve := v.State.SLAs(v.Policy, c.t)
	if !respond.Met || !resolve.Met || resolve.Missed {
		t.Errorf("SLAs: %+v %+v", respond, resolve)
	}
	rep, err := journal.Verify(v.Dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %s", err, rep.Summary())
	}
}

func TestForcedCloseRecordsWhatWasOpen(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	_, inc := startIncident(t, c, "low")
	if err := inc.CloseIncident("", true, "duplicate of INC-20261122-AAAAA"); err != nil {
		t.Fatal(err)
	}
	if !inc.State.Close.Forced || len(inc.State.Close.Open) != 4 {
		t.Errorf("close %+v", inc.State.Close)
	}
}

func TestSecondWriterGetsTheLockError(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st, inc := startIncident(t, c, "high")
	_, err := st.Open(inc.ID, "bob@desk")
	var locked *journal.LockedError
	if err == nil || !errorsAs(err, &locked) || !strings.Contains(err.Error(), "alice@laptop") {
		t.Fatalf("second writer: %v", err)
	}
	if _, err := st.Load(inc.ID); err != nil {
		t.Errorf("a reader must not block: %v", err)
	}
}

func TestListSeparatesDrillsAndSortsNewestFirst(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st := &Store{DataDir: t.TempDir(), Now: c.now}
	rb := mustRunbook(t)
	var ids []string
	for i, drill := range []bool{false, true, false} {
		inc, err := st.Start(StartOptions{Runbook: rb, Policy: runbook.DefaultPolicy(), Severity: "high", Title: "n" + string(rune('0'+i)), Actor: "a", Drill: drill})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inc.ID)
		inc.Close()
		c.advance(10 * time.Minute)
	}
	list, err := st.List()
	if err != nil || len(list) != 3 {
		t.Fatalf("%v %v", list, err)
	}
	if list[0].ID != ids[2] || !list[1].Drill || list[2].ID != ids[0] {
		t.Errorf("order/drill: %+v", list)
	}
}

func TestOpenRefusesPathsOutsideTheStore(t *testing.T) {
	st := &Store{DataDir: t.TempDir()}
	for _, id := range []string{"../x", "a/b", "..", ""} {
		if _, err := st.Open(id, "a"); !IsRefused(err) {
			t.Errorf("Open(%q) = %v", id, err)
		}
	}
}

func TestTimeboxRunsFromThePhaseStart(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	_, inc := startIncident(t, c, "high")
	rb := inc.Runbook
	confirm, _ := rb.Step("confirm")   // detect, 10m
	failover, _ := rb.Step("failover") // contain, 30m
	if inc.State.TimeboxOverdue(confirm, c.t.Add(10*time.Minute)) || !inc.State.TimeboxOverdue(confirm, c.t.Add(11*time.Minute)) {
		t.Error("the first phase's timebox runs from the start")
	}
	if inc.State.TimeboxOverdue(failover, c.t.Add(5*time.Hour)) {
		t.Error("contain has not started while detect and triage are open")
	}
	c.advance(20 * time.Minute)
	inc.CompleteStep("confirm", "")
	inc.CompleteStep("assign-owner", "")
	if inc.State.TimeboxOverdue(failover, c.t.Add(30*time.Minute)) || !inc.State.TimeboxOverdue(failover, c.t.Add(31*time.Minute)) {
		t.Error("contain starts when triage is complete")
	}
	if inc.State.TimeboxOverdue(confirm, c.t.Add(time.Hour)) {
		t.Error("a done step is never overdue")
	}
}

func TestStartRefusesARunbookThatDoesNotFitThePolicy(t *testing.T) {
	c := newClock("2026-11-23T10:00:00Z")
	st := &Store{DataDir: t.TempDir(), Now: c.now}
	sd, _ := runbook.Preset("service-desk")
	// "critical" exists in both schemes, but the runbook's other levels do not.
	_, err := st.Start(StartOptions{Runbook: mustRunbook(t), Policy: sd, Severity: "critical", Title: "x", Actor: "a"})
	if !IsRefused(err) || !strings.Contains(err.Error(), "does not fit the service-desk policy") {
		t.Fatalf("err = %v", err)
	}
}

// The store's Context ends the long reads: the fold of the whole journal in Open (a
// cache miss), Load and Events. Open lets go of the lock when it gives up, and the
// same store with a live context opens the incident.
func TestTheStoresContextEndsLongReads(t *testing.T) {
	st, inc := startIncident(t, newClock("2026-11-27T15:30:00Z"), "medium")
	if err := inc.AddNote("first look", ""); err != nil {
		t.Fatal(err)
	}
	inc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stopped := *st
	stopped.Context = ctx
	if _, err := stopped.Open(inc.ID, "bob@desk"); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}
	if _, err := stopped.Load(inc.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context: %v", err)
	}
	if _, err := stopped.Events(inc.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("Events with a cancelled context: %v", err)
	}
	again, err := st.Open(inc.ID, "bob@desk")
	if err != nil {
		t.Fatalf("Open after a cancelled Open: %v", err)
	}
	defer again.Close()
	if again.State.Events != 2 {
		t.Errorf("%d events folded", again.State.Events)
	}
}
