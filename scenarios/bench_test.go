package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// bigScenario writes a scenario of n injects the way an author would: modules, timed
// and relative injects, decisions with branches, pools, a few expectations each.
func bigScenario(n int) []byte {
	var b strings.Builder
	b.WriteString(strings.Replace(head, `planned_duration = "2h"`, fmt.Sprintf("planned_duration = %q", (time.Duration(n)*time.Minute+time.Hour).String()), 1))
	for m := range 10 {
		fmt.Fprintf(&b, "\n[[modules]]\nid = \"m%d\"\ntitle = \"Module %d\"\nphase = \"detect\"\nquestions = [\"Who owns this?\", \"What do we record first?\"]\n", m, m)
	}
	for i := range n {
		fmt.Fprintf(&b, "\n[[injects]]\nid = \"i%d\"\nmodule = \"m%d\"\nfrom = \"Support desk\"\nto = []\nchannel = \"%s\"\ntitle = \"Inject %d: customers report errors on checkout\"\n", i, i%10, Channels[i%len(Channels)], i)
		switch {
		case i%10 == 9: // a branch target of the decision just before it
		case i%7 == 3 && i > 0:
			fmt.Fprintf(&b, "after = { inject = \"i%d\", delay = \"2m\" }\n", i-1)
		case i%11 == 5:
			b.WriteString("after = { step = \"isolate\", delay = \"1m\" }\n")
		default:
			fmt.Fprintf(&b, "at = \"%dm\"\n", i)
		}
		b.WriteString("body = \"\"\"\nThe support desk has 14 new tickets about checkout failing with a 502.\nTwo are from enterprise customers.\n\"\"\"\nfacilitator_notes = \"If asked, the load balancer logs show the 502s.\"\n")
		if i%10 == 8 {
			fmt.Fprintf(&b, "\n  [injects.decision]\n  prompt = \"Fail over now?\"\n  timeout = \"5m\"\n  default = \"wait\"\n  options = [\n    { id = \"now\", label = \"Fail over\", goto = \"i%d\", delay = \"3m\", points = 10 },\n    { id = \"wait\", label = \"Wait\", points = 0 },\n  ]\n", i+1)
		}
		fmt.Fprintf(&b, "\n  [[injects.expectations]]\n  id = \"step\"\n  kind = \"step\"\n  step = \"isolate\"\n  within = \"15m\"\n  objective = \"respond\"\n")
		fmt.Fprintf(&b, "\n  [[injects.expectations]]\n  id = \"tell\"\n  kind = \"notify\"\n  audience = \"affected customers\"\n  within = \"30m\"\n  objective = \"respond\"\n  points = 5\n")
	}
	for p := 0; p+4 < n; p += 50 {
		fmt.Fprintf(&b, "\n[[pools]]\nid = \"pool-%d\"\nmembers = [\"i%d\", \"i%d\"]\nweights = [2, 1]\n", p, p+1, p+4)
	}
	return []byte(b.String())
}

func TestBigScenarioLintsClean(t *testing.T) {
	sc, ps := Parse("big.toml", bigScenario(500), testEnv(t))
	if len(ps) > 0 {
		t.Fatalf("%v", ps[:min(len(ps), 10)])
	}
	if len(sc.Injects) != 500 {
		t.Fatalf("%d injects", len(sc.Injects))
	}
}

// BenchmarkLoadLint500Injects: a 500-inject scenario decodes, lints and builds in
// under 10 ms (target).
func BenchmarkLoadLint500Injects(b *testing.B) {
	data := bigScenario(500)
	env := testEnv(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ps := Parse("big.toml", data, env); len(ps) > 0 {
			b.Fatal(ps[0])
		}
	}
}

// BenchmarkInjectLatency60x plays a drill at 60x on the real clock through Run, the
// driver the TUI and --headless use, writing to a real journal on disk the way a
// headless drill does (StoreJournal: the lock is taken per append). It reports how
// late after its due time each inject was recorded and handed to the screen: the
// target is under 50 ms. One op is one inject; injects are 3 drill seconds (50 ms
// real) apart.
func BenchmarkInjectLatency60x(b *testing.B) {
	n := max(b.N, 10)
	var sb strings.Builder
	sb.WriteString(strings.Replace(head, `planned_duration = "2h"`, fmt.Sprintf("planned_duration = %q", (time.Duration(n+1)*3*time.Second).String()), 1))
	for i := range n {
		fmt.Fprintf(&sb, "\n[[injects]]\nid = \"i%d\"\nat = \"%s\"\nfrom = \"monitoring\"\nchannel = \"alert\"\ntitle = \"Alert %d\"\n", i, (time.Duration(i+1) * 3 * time.Second).String(), i)
		if i == 0 {
			sb.WriteString("  [[injects.expectations]]\n  id = \"e\"\n  kind = \"evidence\"\n  within = \"3s\"\n  objective = \"respond\"\n")
		}
	}
	rb := testRunbook(b)
	sc, ps := Parse("latency.toml", []byte(sb.String()), Env{Runbooks: OneRunbook{rb}})
	if len(ps) > 0 {
		b.Fatal(ps)
	}
	st := &incident.Store{DataDir: b.TempDir()}
	start := time.Now()
	d, _ := startStored(b, st, StartOptions{Scenario: sc, Runbook: rb, Policy: runbook.DefaultPolicy(), Actor: "bench", Seed: 1, Speed: 60, Now: start})
	var mu sync.Mutex
	var late []time.Duration
	b.ResetTimer()
	err := Run(context.Background(), d, RealClock, RunOptions{OnUpdate: func(u Update) {
		shown := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for _, f := range u.Fired {
			due := start.Add(time.Duration(float64(f.Drill) / 60))
			late = append(late, shown.Sub(due))
		}
	}})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if len(late) != n {
		b.Fatalf("%d injects shown, want %d", len(late), n)
	}
	slices.Sort(late)
	var sum time.Duration
	for _, l := range late {
		sum += l
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(sum/time.Duration(n)), "mean-late-ms")
	b.ReportMetric(ms(late[n*99/100]), "p99-late-ms")
	b.ReportMetric(ms(late[n-1]), "max-late-ms")
}

// BenchmarkEngineNext: the planner's cost per record on the 500-inject scenario, all
// of it due at once (a resume after a long crash).
func BenchmarkEngineNext(b *testing.B) {
	sc, ps := Parse("big.toml", bigScenario(500), testEnv(b))
	if len(ps) > 0 {
		b.Fatal(ps)
	}
	for b.Loop() {
		playInMemory(b, sc, testEnv(b))
	}
}
