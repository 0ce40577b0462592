package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
)

// seedDrawing finds a seed whose draw of pool "contents" is want.
func seedDrawing(t *testing.T, want string) uint64 {
	t.Helper()
	sc := parseScenario(t, poolScenario)
	for seed := range uint64(1000) {
		if Draw(sc, seed)["contents"] == want {
			return seed
		}
	}
	t.Fatalf("no seed draws %s", want)
	return 0
}

func TestTriggeringAnUndrawnPoolVariantReplacesTheDrawnOne(t *testing.T) {
	h := startDrill(t, poolScenario, seedDrawing(t, "tickets"), 1)
	h.at(time.Minute)
	choices := map[string]TriggerChoice{}
	for _, c := range h.d.TriggerChoices() {
		choices[c.Inject] = c
	}
	if c := choices["keys"]; c.Refused || c.Replaces != "tickets" || !strings.Contains(c.Note, "replaces tickets, the variant pool contents drew") {
		t.Errorf("trigger list entry for keys: %+v", c)
	}
	if c := choices["tickets"]; c.Refused || c.Note != "" {
		t.Errorf("the drawn variant is a plain trigger: %+v", c)
	}
	maxBefore := h.d.Status(h.c.now()).Score.Max
	h.must(h.d.Trigger(h.c.now(), "keys"))
	// The third variant is now refused.
	if _, err := h.d.Trigger(h.c.now(), "hashes"); !incident.IsRefused(err) || !strings.Contains(err.Error(), "pool contents played keys at T+1m") {
		t.Errorf("second variant: %v", err)
	}
	h.at(20 * time.Minute)
	fired := h.firedAt()
	if _, ok := fired["tickets"]; ok || fired["keys"] != time.Minute || fired["follow-up"] != 2*time.Minute {
		t.Fatalf("after triggering keys in place of tickets, fired %v", fired)
	}
	if got := h.d.Status(h.c.now()).Score.Max; got != maxBefore {
		t.Errorf("max score %d, want %d: one variant is played", got, maxBefore)
	}
	// The replacement survives a rebuild.
	v, err := h.st.Load(h.inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Rebuild(v)
	if err != nil {
		t.Fatal(err)
	}
	if e.pick("contents") != "keys" {
		t.Errorf("rebuilt engine plays %s", e.pick("contents"))
	}
}

func TestTriggeringABranchTargetFollowsTheDecision(t *testing.T) {
	h := startDrill(t, decisionScenario, 1, 1)
	h.at(11 * time.Minute)
	for _, c := range h.d.TriggerChoices() {
		if c.Inject == "failed-over" && (!c.Refused || !strings.Contains(c.Note, "a branch of call=now: take that decision first")) {
			t.Errorf("open decision: %+v", c)
		}
	}
	if _, err := h.d.Trigger(h.c.now(), "failed-over"); !incident.IsRefused(err) {
		t.Fatalf("triggering a branch of an open decision: %v", err)
	}
	h.must(h.d.Decide(h.c.now(), "call", "wait"))
	if _, err := h.d.Trigger(h.c.now(), "failed-over"); !incident.IsRefused(err) || !strings.Contains(err.Error(), "a branch not taken: call was answered wait") {
		t.Errorf("triggering the branch not taken: %v", err)
	}
	// The branch taken may be brought forward.
	h.must(h.d.Trigger(h.c.now(), "still-down"))
	h.at(time.Hour)
	fired := h.firedAt()
	if _, ok := fired["failed-over"]; ok || fired["still-down"] != 11*time.Minute {
		t.Fatalf("fired %v", fired)
	}
}

func TestATimeoutEarnsNothingUnlessTheScenarioSaysSo(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want int
	}{
		{"default", decisionScenario, 0},
		{"default_scores", strings.Replace(decisionScenario, `default = "wait"`, "default = \"wait\"\n  default_scores = true", 1), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startDrill(t, tc.body, 1, 1)
			h.at(16 * time.Minute)
			d := h.d.Decisions()
			if d[0].By != "timeout" || d[0].Points != tc.want {
				t.Fatalf("decision %+v, want %d points", d[0], tc.want)
			}
			if s := h.d.Status(h.c.now()).Score; s.Points != tc.want || s.Max != 10 {
				t.Errorf("score %+v, want %d of 10", s, tc.want)
			}
		})
	}
}

const checkScenario = `
[[injects]]
id = "backups"
at = "0m"
from = "dba"
channel = "chat"
title = "Are the backups fine?"

  [[injects.expectations]]
  id = "check"
  kind = "backup-check"
  within = "10m"
  objective = "respond"
`

func TestACheckThatErredMeetsNoExpectation(t *testing.T) {
	h := startDrill(t, checkScenario, 1, 1)
	h.team(2*time.Minute, func(inc *incident.Incident) error {
		return inc.RecordCheck(incident.CheckRun{Check: "rds-backup", Status: "error", Summary: "AWS unreachable"})
	})
	if v := h.verdicts()["backups/check"]; v != Pending {
		t.Fatalf("after a check that erred: %s", v)
	}
	h.team(4*time.Minute, func(inc *incident.Incident) error {
		return inc.RecordCheck(incident.CheckRun{Check: "rds-backup", Status: "fail", Summary: "newest restore point 7h old"})
	})
	if v := h.verdicts()["backups/check"]; v != Met {
		t.Fatalf("after a check that ran (and found a problem): %s", v)
	}
}
