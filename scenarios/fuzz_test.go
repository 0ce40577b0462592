package scenarios

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// FuzzParse: no input makes Parse panic; it returns either problems that each name the
// file and a message, or a scenario whose text is clean and whose references hold. A
// scenario that parses is then played to its end on an in-memory journal: the planner
// must always settle and end the drill. Seeds: the test scenarios' shapes (timed,
// triggered, decisions, pools, expectations) and testdata/fuzz/FuzzParse. The library
// files are not seeds: against the test runbook they stop at "unknown runbook", and at
// 15-20 KB each costs 5 to 50 times a test scenario per execution, so CI's few seconds
// of fuzzing went to them (TestEmbeddedLibraryLintsClean parses them against their
// runbooks).
func FuzzParse(f *testing.F) {
	for _, body := range []string{okInjects, timedInjects, decisionScenario, poolScenario, expectScenario} {
		f.Add([]byte(head + body))
	}
	f.Add([]byte(head + okInjects + "\n[[injects]]\nid = \"a\"\nfrom = \"x\"\nchannel = \"chat\"\ntitle = \"\\u001b]52;c;eA==\\u0007\\u202e\"\nafter = { inject = \"a\" }\n"))
	f.Add([]byte(head + "[[injects]]\nid = 5\nat = -1\n"))
	f.Add([]byte(head + "[[roles]]\nid = \"ic\"\nname = \"IC\"\nwebhook = { url = \"https://chat.example.com/h\", env = \"HOOK_IC\", format = \"json\" }\n" + okInjects))
	f.Add([]byte("schema = 1\nid = \"x\"\n[runbook\n"))
	env := Env{Runbooks: OneRunbook{testRunbook(f)}, Policy: runbook.DefaultPolicy()}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, ps := Parse("f.toml", data, env)
		if len(ps) > 0 {
			if sc != nil {
				t.Fatal("a scenario returned with problems")
			}
			for _, p := range ps {
				if p.File != "f.toml" || p.Msg == "" || p.Line < 0 || p.Col < 0 {
					t.Fatalf("malformed problem %#v", p)
				}
			}
			return
		}
		if sc == nil {
			t.Fatal("neither a scenario nor a problem")
		}
		if sc.Digest != digest(data) {
			t.Fatal("digest does not match the input")
		}
		for _, s := range []string{sc.ID, sc.Title, sc.Summary, sc.Threat} {
			if untrusted.Clean(s) != s {
				t.Fatalf("text not cleaned: %q", s)
			}
		}
		for _, r := range sc.Roles {
			if w := r.Webhook; w != nil {
				if (w.URL == "" && w.Env == "") || (w.URL != "" && checkWebhookURL(w.URL) != nil) || (w.Env != "" && !envName().MatchString(w.Env)) || !inList(WebhookFormats, w.Format) {
					t.Fatalf("role %s: webhook %+v accepted", r.ID, *w)
				}
			}
		}
		seen := map[string]bool{}
		for _, in := range sc.Injects {
			if seen[in.ID] {
				t.Fatalf("duplicate inject %q accepted", in.ID)
			}
			seen[in.ID] = true
			for _, s := range []string{in.Title, in.Body, in.From, in.Notes} {
				if untrusted.Clean(s) != s {
					t.Fatalf("inject text not cleaned: %q", s)
				}
			}
			for _, x := range in.Expects {
				if x.Within <= 0 || x.Points < 0 {
					t.Fatalf("expectation %s/%s without a deadline accepted", in.ID, x.ID)
				}
			}
			if in.Timed && in.At >= sc.PlannedDuration {
				t.Fatalf("inject %s at %v after the end %v accepted", in.ID, in.At, sc.PlannedDuration)
			}
		}
		playInMemory(t, sc, env)
	})
}

// playInMemory plays a scenario with no team on an in-memory journal, stepping the
// clock in a few jumps, and checks that the drill ends.
func playInMemory(t testing.TB, sc *Scenario, env Env) {
	rb, _ := env.Runbooks.Get(sc.Runbook.ID)
	e := NewEngine(sc, rb, env.Policy)
	var seq uint64
	apply := func(typ string, payload any, at time.Time) {
		data, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		seq++
		e.Apply(journal.Event{Seq: seq, Time: at, Actor: "fuzz", Type: typ, Data: data})
	}
	start := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	apply(incident.EvStarted, incident.Started{Severity: sc.Severity}, start)
	r, err := e.StartRecord(start, 1, 60, ScenarioFile)
	if err != nil {
		t.Fatal(err)
	}
	apply(r.Type, r.Payload, start)
	limit := 20 * (len(sc.Injects)*(2+len(sc.Injects)) + sc.ExpectationCount()*3 + 10)
	for _, frac := range []float64{0, 0.1, 0.5, 1.01} {
		now := start.Add(time.Duration(float64(sc.PlannedDuration) * frac / 60))
		for n := 0; ; n++ {
			r, ok := e.Next(now)
			if !ok {
				break
			}
			if n > limit {
				t.Fatalf("the planner did not settle: %d records at %v", n, now)
			}
			apply(r.Type, r.Payload, now)
		}
	}
	if !e.Ended() {
		t.Fatalf("the drill did not end at its planned duration: %+v", e.Status(start.Add(sc.PlannedDuration)))
	}
}

// FuzzParseDraft: an after-action draft never panics, and a draft that parses only
// edits items the plan has.
func FuzzParseDraft(f *testing.F) {
	plan := []PlanItem{{ID: "IP1", Action: "Rehearse"}, {ID: "IP2", Action: "Write it down"}}
	f.Add([]byte("schema = 1\nexecutive_summary = \"\"\"\nGood.\n\"\"\"\n\n[[plan]]\nid = \"IP1\"\nowner = \"dana\"\ncompletion = 2027-01-15T00:00:00Z\n"))
	f.Add([]byte("schema = 1\n[[plan]]\nid = \"IP9\"\nelement = \"luck\"\n"))
	f.Add([]byte("schema = 2\n[[plan]]\nid = \"IP2\"\nstart = 2027-02-01T00:00:00Z\ncompletion = 2027-01-01T00:00:00Z\n"))
	f.Add([]byte("schema = 1\nsumary = 3\n[plan]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, ps := ParseDraft("draft.toml", data, plan)
		if d == nil {
			if len(ps) == 0 {
				t.Fatal("no draft and no problem")
			}
			return
		}
		for id := range d.Items {
			if id != "IP1" && id != "IP2" {
				t.Fatalf("draft edits unknown item %q", id)
			}
		}
	})
}
