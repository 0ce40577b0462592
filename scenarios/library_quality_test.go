package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The library's scenarios are what a trainer runs first: each must be a full exercise,
// not a sketch. These tests hold every embedded scenario to the floor issue #16 set.

func libraryScenarios(t *testing.T) []*Scenario {
	t.Helper()
	lib, problems := LoadLibrary("", Env{Runbooks: runbookLibrary(t)})
	if len(problems) > 0 {
		t.Fatalf("embedded scenarios have problems (lint must be clean):\n%v", problems)
	}
	var out []*Scenario
	for _, sc := range lib.List() {
		if sc.Source == SourceEmbedded {
			out = append(out, sc)
		}
	}
	if len(out) < 5 {
		t.Fatalf("%d embedded scenarios, want at least 5", len(out))
	}
	return out
}

// isDataBreach: a scenario about personal data leaving the company, which the law
// (GDPR Art. 33) gives 72 hours from awareness to report to the supervisory authority.
func isDataBreach(sc *Scenario) bool {
	return slices.Contains(sc.Tags, "data-breach")
}

// regulatorAudiences are the words a notice to a data protection supervisor carries.
var regulatorAudiences = []string{"data protection authority", "supervisory authority", "regulator"}

func TestLibraryScenarioQuality(t *testing.T) {
	breaches := 0
	for _, sc := range libraryScenarios(t) {
		t.Run(sc.ID, func(t *testing.T) {
			if n := len(sc.Injects); n < 15 {
				t.Errorf("%d injects, want at least 15", n)
			}
			decisions, branches := 0, 0
			for _, in := range sc.Injects {
				if in.Decision == nil {
					continue
				}
				decisions++
				if in.Decision.DefaultScores {
					t.Errorf("inject %s: default_scores lets a team that does nothing score", in.ID)
				}
				for _, o := range in.Decision.Options {
					if o.Goto != "" {
						branches++
					}
				}
			}
			if decisions < 2 {
				t.Errorf("%d decisions, want at least 2", decisions)
			}
			if branches < 2 {
				t.Errorf("%d decision options branch to an inject, want at least 2 (decisions with consequences)", branches)
			}
			if len(sc.Pools) == 0 {
				t.Errorf("no random pool: every run of the scenario is the same story")
			}
			timed, relative := 0, 0
			for _, in := range sc.Injects {
				switch {
				case in.Timed:
					timed++
				case in.After != nil:
					relative++
				}
			}
			if timed == 0 || relative == 0 {
				t.Errorf("%d timed and %d triggered injects, want both kinds", timed, relative)
			}
			rated := map[string]bool{}
			for _, in := range sc.Injects {
				for _, x := range in.Expects {
					if x.Task != "" {
						rated[x.Objective+"/"+x.Task] = true
					}
				}
			}
			tasks := 0
			for _, o := range sc.Objectives {
				if len(o.Tasks) == 0 {
					t.Errorf("objective %s has no critical tasks", o.ID)
				}
				for _, task := range o.Tasks {
					tasks++
					if !rated[o.ID+"/"+task.ID] {
						t.Errorf("critical task %s/%s: no expectation rates it", o.ID, task.ID)
					}
				}
			}
			if tasks == 0 {
				t.Errorf("no critical tasks")
			}
			if len(sc.HotWash) == 0 {
				t.Errorf("no hot wash questions")
			}
			if sc.Exercise.Sponsor == "" || sc.Exercise.Contact == "" || sc.Exercise.Handling == "" {
				t.Errorf("exercise overview incomplete: %+v", sc.Exercise)
			}
			if isDataBreach(sc) {
				breaches++
				checkRegulatorNotice(t, sc)
			}
		})
	}
	if breaches < 2 {
		t.Errorf("%d data-breach scenarios (tag data-breach), want at least 2", breaches)
	}
}

// checkRegulatorNotice: a data-breach scenario expects a notice to the data
// protection authority, due within the 72 hours GDPR Art. 33 allows from awareness
// (the first inject) and within the drill, so a team that never sends it is scored
// on it.
func checkRegulatorNotice(t *testing.T, sc *Scenario) {
	t.Helper()
	const legal = 72 * time.Hour
	found := 0
	for _, in := range sc.Injects {
		for _, x := range in.Expects {
			if x.Kind != ExpectNotify || !slices.ContainsFunc(regulatorAudiences, func(a string) bool { return strings.Contains(strings.ToLower(x.Audience), a) }) {
				continue
			}
			if !in.Timed {
				continue // a branch's follow-up; the timed one below is what every drill reaches
			}
			due := in.At + x.Within
			if due > legal {
				t.Errorf("regulator notice %s/%s due at %v, after the 72 hours from awareness", in.ID, x.ID, due)
			}
			if due >= sc.PlannedDuration {
				t.Errorf("regulator notice %s/%s due at %v, at or after the drill's end %v", in.ID, x.ID, due, sc.PlannedDuration)
			}
			if in.Pool != "" {
				t.Errorf("regulator notice %s/%s is on a pool variant: some drills would not ask for it", in.ID, x.ID)
			}
			found++
		}
	}
	if found == 0 {
		t.Errorf("a data-breach scenario without a notify expectation to the data protection authority on a timed inject")
	}
	if !slices.ContainsFunc(sc.Injects, func(in Inject) bool { return strings.Contains(in.Body+in.Notes, "72 hours") }) {
		t.Errorf("no inject or facilitator note states the 72-hour deadline")
	}
}

// seedsCoveringPools returns seeds whose draws, together, pick every member of every
// pool at least once.
func seedsCoveringPools(t *testing.T, sc *Scenario) []uint64 {
	t.Helper()
	want := map[string]bool{}
	for _, p := range sc.Pools {
		for _, m := range p.Members {
			want[m] = true
		}
	}
	seeds := []uint64{1}
	for seed := uint64(1); seed <= 500 && len(want) > 0; seed++ {
		picked := false
		for _, m := range Draw(sc, seed) {
			if want[m] {
				delete(want, m)
				picked = true
			}
		}
		if picked && seed != 1 {
			seeds = append(seeds, seed)
		}
	}
	if len(want) > 0 {
		t.Fatalf("no seed up to 500 draws %v", want)
	}
	return seeds
}

// TestLibraryScenarioDoingNothingScoresZero plays every library scenario as a headless
// drill to its planned end with no player action, for seeds that draw every pool
// variant: the score is 0 (decision defaults earn nothing, no expectation is met by
// the drill's own start), every reached expectation is missed and every decision was
// taken by default.
func TestLibraryScenarioDoingNothingScoresZero(t *testing.T) {
	for _, sc := range libraryScenarios(t) {
		rb, ok := runbookLibrary(t).Get(sc.Runbook.ID)
		if !ok {
			t.Fatalf("%s: runbook %s missing", sc.ID, sc.Runbook.ID)
		}
		for _, seed := range seedsCoveringPools(t, sc) {
			t.Run(fmt.Sprintf("%s/seed-%d", sc.ID, seed), func(t *testing.T) {
				h := startHeadless(t, sc, rb, seed, 60)
				for n := 0; !h.d.Ended(); n++ {
					if n > 10000 {
						t.Fatal("the drill did not end")
					}
					w, ok := h.d.NextWake(h.c.now())
					if !ok {
						t.Fatalf("the drill waits for nothing at %v and has not ended", h.d.Status(h.c.now()).Drill)
					}
					if w.After(h.c.now()) {
						h.c.set(w)
					}
					h.step()
				}
				st := h.d.Status(h.c.now())
				if st.Score.Points != 0 {
					t.Errorf("score %d of %d with no player action, want 0", st.Score.Points, st.Score.Max)
				}
				if st.Score.Max == 0 {
					t.Errorf("nothing to score")
				}
				if st.Injects < 10 {
					t.Errorf("%d injects delivered to a team that does nothing, want most of the scenario", st.Injects)
				}
				for _, x := range h.d.Expectations(h.c.now()) {
					if x.Verdict != Missed && x.Verdict != NotReached {
						t.Errorf("expectation %s/%s: %s with no player action", x.Inject, x.ID, x.Verdict)
					}
				}
				for _, dv := range h.d.Decisions() {
					if dv.Open || dv.Points != 0 {
						t.Errorf("decision %s: open %v, %d points with no player action", dv.Inject, dv.Open, dv.Points)
					}
				}
			})
		}
	}
}
