package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// chatServer is a webhook receiver on 127.0.0.1: it keeps every body per path, in the
// order received. hold, when set, makes every request to that path wait until it is
// closed (a slow chat).
type chatServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string][][]byte
	fails  map[string]int // answer 503 this many times first
	hold   map[string]chan struct{}
}

func newChatServer(t *testing.T) *chatServer {
	t.Helper()
	cs := &chatServer{bodies: map[string][][]byte{}, fails: map[string]int{}, hold: map[string]chan struct{}{}}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		cs.mu.Lock()
		hold := cs.hold[r.URL.Path]
		cs.mu.Unlock()
		if hold != nil {
			<-hold
		}
		cs.mu.Lock()
		defer cs.mu.Unlock()
		if r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		if cs.fails[r.URL.Path] > 0 {
			cs.fails[r.URL.Path]--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		cs.bodies[r.URL.Path] = append(cs.bodies[r.URL.Path], bytes.Clone(buf.Bytes()))
		w.Write([]byte("ok")) //nolint:errcheck
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *chatServer) got(path string) [][]byte {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return slices.Clone(cs.bodies[path])
}

// deadURL is a loopback address nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/hook"
}

const webhookRoles = `
[[roles]]
id = "ic"
name = "Incident commander"
webhook = { url = "%IC%" }

[[roles]]
id = "ops"
name = "Ops lead"
webhook = { env = "MUSTER_TEST_HOOK_OPS", format = "json" }

[[roles]]
id = "comms"
name = "Communications lead"
webhook = { url = "%DEAD%", format = "json" }

[[roles]]
id = "scribe"
name = "Scribe"
`

const webhookInjects = `
[[injects]]
id = "alert"
at = "0m"
from = "Monitoring"
channel = "alert"
title = "Checkout errors at 40%"
body = "**All** regions & every <customer>.\n> quoted from the pager"
facilitator_notes = "never sent"

[[injects]]
id = "for-ops"
at = "5m"
to = ["ops"]
from = "Database lead"
channel = "chat"
title = "Replica lag 30 s"

[[injects]]
id = "for-ic"
at = "10m"
to = ["ic", "comms"]
from = "CEO"
channel = "phone"
title = "What do I tell the board?"

  [injects.decision]
  prompt = "Fail over now?"
  role = "ic"
  timeout = "5m"
  default = "wait"
  options = [
    { id = "now", label = "Fail over", points = 10 },
    { id = "wait", label = "Wait", points = 0 },
  ]

[[injects]]
id = "late"
at = "20m"
from = "Support"
channel = "ticket"
title = "Customers ask for an update"

  [[injects.expectations]]
  id = "tell"
  kind = "notify"
  within = "5m"
  objective = "respond"
`

func webhookScenario(t *testing.T, ic, dead string) *Scenario {
	t.Helper()
	body := strings.NewReplacer("%IC%", ic, "%DEAD%", dead).Replace(webhookRoles + webhookInjects)
	return parseScenario(t, body)
}

// playToEnd steps a drill on its fake clock to the planned end.
func (h *harness) playToEnd() {
	h.t.Helper()
	for n := 0; !h.d.Ended(); n++ {
		if n > 1000 {
			h.t.Fatal("the drill did not end")
		}
		w, ok := h.d.NextWake(h.c.now())
		if !ok {
			h.t.Fatal("nothing to wait for and not ended")
		}
		if w.After(h.c.now()) {
			h.c.set(w)
		}
		h.step()
	}
}

func startScenario(t *testing.T, sc *Scenario) *harness {
	t.Helper()
	c := newClock()
	st := &incident.Store{DataDir: t.TempDir(), Now: c.now, NewID: func(time.Time) string { return "INC-20260303-HOOKS" }}
	inc, d, err := Start(st, StartOptions{Scenario: sc, Runbook: testRunbook(t), Policy: runbook.DefaultPolicy(), Actor: "fran@facilitator", Seed: 1, Speed: 60, Now: c.now()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inc.Close() })
	return &harness{t: t, c: c, st: st, inc: inc, d: d}
}

func TestWebhookDeliveryPerRoleInOrder(t *testing.T) {
	cs := newChatServer(t)
	cs.fails["/ic"] = 1 // the first try of the first inject fails: retried
	dead := deadURL(t)
	t.Setenv("MUSTER_TEST_HOOK_OPS", cs.URL+"/ops")
	sc := webhookScenario(t, cs.URL+"/ic", dead)

	routes, notes := Routes(sc, nil, func(k string) string {
		if k == "MUSTER_TEST_HOOK_OPS" {
			return cs.URL + "/ops"
		}
		return ""
	})
	if len(routes) != 3 {
		t.Fatalf("routes %+v, notes %v", routes, notes)
	}
	for _, n := range notes {
		if strings.Contains(n, "/ic") || strings.Contains(n, "/ops") {
			t.Errorf("a note prints the webhook's path (a secret): %s", n)
		}
	}

	h := startScenario(t, sc)
	var mu sync.Mutex
	var shown []incident.DrillDelivery
	c := NewCourier(sc, h.d.ID, routes, CourierOptions{Attempts: 3, Backoff: time.Millisecond, OnFailure: func(p incident.DrillDelivery) {
		mu.Lock()
		defer mu.Unlock()
		shown = append(shown, p)
	}})
	h.d.SetCourier(c, true)
	h.playToEnd()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// ic: Slack format, every inject for everyone and the one addressed to ic, in order.
	var ic []string
	for _, b := range cs.got("/ic") {
		var m struct {
			Text   string           `json:"text"`
			Blocks []map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("ic body %s: %v", b, err)
		}
		if len(m.Blocks) < 2 || m.Blocks[0]["type"] != "header" {
			t.Errorf("slack body without a header block: %s", b)
		}
		ic = append(ic, m.Text)
	}
	if len(ic) != 3 || !strings.Contains(ic[0], "Checkout errors") || !strings.Contains(ic[1], "What do I tell the board?") || !strings.Contains(ic[2], "Customers ask") {
		t.Fatalf("ic got %q", ic)
	}
	for _, want := range []string{"*All* regions &amp; every &lt;customer&gt;.", "\n> quoted from the pager", "DRILL T+0s"} {
		if !strings.Contains(ic[0], want) {
			t.Errorf("ic's first message lacks %q:\n%s", want, ic[0])
		}
	}
	if !strings.Contains(ic[1], "*Decision:* Fail over now?") || !strings.Contains(ic[1], "• Fail over") || strings.Contains(ic[1], "points") {
		t.Errorf("the decision is not in ic's message as players see it:\n%s", ic[1])
	}
	for _, m := range ic {
		if strings.Contains(m, "never sent") {
			t.Errorf("facilitator notes reached a player: %s", m)
		}
	}

	// ops: muster's JSON, from the environment, its own inject and the shared ones.
	var ops []WebhookMessage
	for _, b := range cs.got("/ops") {
		var m WebhookMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, m)
	}
	var ids []string
	for _, m := range ops {
		ids = append(ids, m.Inject)
		if m.Role != "ops" || m.Drill != "INC-20260303-HOOKS" || m.Scenario != "test-drill" {
			t.Errorf("ops message %+v", m)
		}
	}
	if strings.Join(ids, " ") != "alert for-ops late" {
		t.Errorf("ops got %v, want alert for-ops late", ids)
	}
	if ops[1].At != "T+5m" || ops[1].Story.IsZero() || ops[1].Channel != "chat" {
		t.Errorf("ops message %+v", ops[1])
	}

	// comms: dead. Every inject for comms failed, was recorded and shown; the drill ended.
	var failed []string
	for _, p := range h.d.Status(h.c.now()).Undelivered {
		failed = append(failed, p.Role+":"+p.Inject)
		if p.Attempts != 3 || p.Target != webhookTarget(dead) || p.Error == "" || strings.Contains(p.Error, "/hook") {
			t.Errorf("failure %+v", p)
		}
	}
	slices.Sort(failed)
	if strings.Join(failed, " ") != "comms:alert comms:for-ic comms:late" {
		t.Errorf("recorded failures %v", failed)
	}
	if len(shown) != 3 {
		t.Errorf("%d failures shown, want 3", len(shown))
	}
	n := 0
	for _, e := range h.events() {
		if e.Type == EvDelivery {
			n++
			if strings.Contains(string(e.Data), "/hook") {
				t.Errorf("the journal holds the webhook's path: %s", e.Data)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d drill.delivery records in the journal, want 3", n)
	}
	if !h.d.Ended() {
		t.Error("the drill did not end")
	}
}

// TestWebhookNeverHoldsTheDrill: a chat that does not answer does not slow the drill:
// the drill plays to its end while every request waits, and the injects arrive in
// order once the chat answers.
func TestWebhookNeverHoldsTheDrill(t *testing.T) {
	cs := newChatServer(t)
	release := make(chan struct{})
	cs.hold["/ic"] = release
	sc := webhookScenario(t, cs.URL+"/ic", deadURL(t))
	routes, _ := Routes(sc, map[string]WebhookSetting{"comms": {URL: cs.URL + "/comms"}}, func(string) string { return "" })
	h := startScenario(t, sc)
	c := NewCourier(sc, h.d.ID, routes, CourierOptions{Attempts: 1})
	h.d.SetCourier(c, true)
	h.playToEnd() // with /ic holding every request: would hang if delivery were on the clock's path
	if got := cs.got("/ic"); len(got) != 0 {
		t.Fatalf("delivered while held: %d", len(got))
	}
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := cs.got("/ic"); len(got) != 3 {
		t.Errorf("ic got %d messages after the release, want 3", len(got))
	}
	// config.toml's entry for comms wins over the scenario's dead URL.
	if got := cs.got("/comms"); len(got) != 3 {
		t.Errorf("comms (from config.toml) got %d messages, want 3", len(got))
	}
	if u := h.d.Status(h.c.now()).Undelivered; len(u) != 0 {
		t.Errorf("failures %+v", u)
	}
}

func TestWebhookPermanentErrorNotRetried(t *testing.T) {
	var mu sync.Mutex
	tries := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tries++
		mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	sc := webhookScenario(t, srv.URL+"/ic", deadURL(t))
	routes := []Route{{Role: "ic", URL: srv.URL + "/ic", Format: WebhookSlack}}
	h := startScenario(t, sc)
	c := NewCourier(sc, h.d.ID, routes, CourierOptions{Attempts: 5, Backoff: time.Millisecond})
	h.d.SetCourier(c, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	u := h.d.Status(h.c.now()).Undelivered
	if len(u) != 1 || u[0].Attempts != 1 || !strings.Contains(u[0].Error, "404") {
		t.Fatalf("failures %+v", u)
	}
	if tries != 1 {
		t.Errorf("%d tries of a 404, want 1", tries)
	}
}

func TestWebhookRoutesNotes(t *testing.T) {
	sc := webhookScenario(t, "https://chat.example.com/services/T0/B0/secret", "https://chat.example.com/x")
	routes, notes := Routes(sc, map[string]WebhookSetting{"scribe": {URL: "ftp://nope"}}, func(string) string { return "" })
	var roles []string
	for _, r := range routes {
		roles = append(roles, r.Role+"/"+r.Format+"/"+r.Source)
	}
	if strings.Join(roles, " ") != "ic/slack/the scenario comms/json/the scenario" {
		t.Errorf("routes %v", roles)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{
		"role ops: $MUSTER_TEST_HOOK_OPS is not set: its injects are not posted",
		"role ic: injects posted to https://chat.example.com (slack, from the scenario)",
		"role scribe: webhook from config.toml: a webhook URL starts with https:// (or http://), not \"ftp:\"",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "secret") {
		t.Errorf("notes print the webhook's path:\n%s", joined)
	}
}

func TestWebhookLint(t *testing.T) {
	bad := head + `
[[roles]]
id = "ic"
name = "IC"
webhook = { format = "teams" }

[[roles]]
id = "ops"
name = "Ops"
webhook = { url = "hooks.example.com/x", env = "1BAD" }

[[injects]]
id = "a"
at = "0m"
from = "x"
channel = "chat"
title = "t"
`
	_, ps := Parse("hooks.toml", []byte(bad), testEnv(t))
	got := ps.Error()
	for _, want := range []string{
		`roles[0].webhook: give url = "https://..." or env = "VARIABLE"`,
		`roles[0].webhook.format: "teams" is not one of slack, json`,
		`roles[1].webhook.url: a webhook URL starts with https://`,
		`roles[1].webhook.env: "1BAD" is not an environment variable name`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lint lacks %q:\n%s", want, got)
		}
	}
}

// BenchmarkWebhookPost: what the drill pays per fired inject for delivery to three
// roles' webhooks (Post, under the drill's lock): queueing only, whatever the chat
// does. The posts themselves run on the couriers' goroutines.
func BenchmarkWebhookPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	sc, ps := Parse("hooks.toml", []byte(head+strings.NewReplacer("%IC%", srv.URL+"/ic", "%DEAD%", srv.URL+"/comms").Replace(webhookRoles+webhookInjects)), testEnv(b))
	if len(ps) > 0 {
		b.Fatal(ps)
	}
	routes, _ := Routes(sc, nil, func(string) string { return srv.URL + "/ops" })
	c := NewCourier(sc, "INC-BENCH", routes, CourierOptions{Queue: b.N + 1})
	c.attach(func(incident.DrillDelivery) {})
	item := []FeedItem{{Inject: "alert", From: "Monitoring", Channel: "alert", Title: "Checkout errors at 40%", Body: "All regions."}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Post(item)
	}
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c.Close(ctx) //nolint:errcheck
}
