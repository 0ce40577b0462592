package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/syncbuf"
	"github.com/muster-ir/muster/scenarios"
)

// TestHeadlessDrillPostsInjectsToWebhooks: a headless drill posts each role's
// injects to its webhook (config.toml's entry winning over the scenario's), in order,
// and a dead webhook is printed and recorded without stopping the drill.
func TestHeadlessDrillPostsInjectsToWebhooks(t *testing.T) {
	webhookBackoff = time.Millisecond
	t.Cleanup(func() { webhookBackoff = time.Second })
	var mu sync.Mutex
	var got []scenarios.WebhookMessage
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m scenarios.WebhookMessage
		if r.URL.Path != "/ic" || json.NewDecoder(r.Body).Decode(&m) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()

	c := newCLI(t)
	raw, err := os.ReadFile(shortDrill)
	if err != nil {
		t.Fatal(err)
	}
	roles := `[[roles]]
id = "ic"
name = "Incident commander"
webhook = { url = "https://chat.example.com/not-used", format = "json" }

[[roles]]
id = "ops"
name = "Ops lead"
webhook = { url = "` + dead + `/hook/secret" }

[[injects]]`
	file := filepath.Join(t.TempDir(), "hooked.toml")
	os.WriteFile(file, []byte(strings.Replace(string(raw), "[[injects]]", roles, 1)), 0o600)
	os.WriteFile(filepath.Join(c.home, "config.toml"), []byte("schema = 1\n[drill.webhooks.ic]\nurl = \""+srv.URL+"/ic\"\n"), 0o600)

	clk := newDrillClock(time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC))
	c.clock, c.drillClock = clk.Now, clk
	pr, pw := io.Pipe()
	var stderr, out syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		code := c.stream(strings.NewReader(""), pw, &stderr, "drill", file, "--headless", "--speed", "60", "--seed", "9", "--poll", "20ms")
		pw.Close()
		done <- code
	}()
	copied := make(chan struct{})
	go func() { io.Copy(&out, pr); close(copied) }()
	if code := clk.playUntilDone(t, done); code != 0 {
		t.Fatalf("drill exit %d\n%s\n%s", code, out.String(), stderr.String())
	}
	<-copied
	text := out.String()
	for _, want := range []string{
		"webhook: role ic: injects posted to " + srv.URL + " (json, from config.toml)",
		"webhook: role ops: injects posted to " + dead + " (slack, from the scenario)",
		"inject probes-red not delivered to role ops (slack webhook " + dead + ") after 4 attempt(s)",
		"SCORE 0/30",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "secret") || strings.Contains(text, "/ic") {
		t.Errorf("a webhook's path (a secret) is printed:\n%s", text)
	}
	mu.Lock()
	defer mu.Unlock()
	var ids []string
	for _, m := range got {
		ids = append(ids, m.Inject)
	}
	// short-drill's injects address nobody in particular: ic gets every one delivered.
	if len(ids) < 3 || ids[0] != "probes-red" || ids[1] != "failover-call" {
		t.Errorf("ic got %v", ids)
	}
	// The status shows what was not delivered.
	id := strings.TrimSpace(strings.SplitN(text, "\n", 2)[0])
	var st struct {
		Undelivered []struct {
			Inject string `json:"inject"`
			Role   string `json:"role"`
		} `json:"undelivered"`
	}
	if txt := c.ok("drill", "status", id); !strings.Contains(txt, "! inject probes-red not delivered to role ops") {
		t.Errorf("drill status does not show the failed delivery:\n%s", txt)
	}
	if err := json.Unmarshal([]byte(c.ok("drill", "status", id, "--format", "json")), &st); err != nil || len(st.Undelivered) != len(ids) || st.Undelivered[0].Role != "ops" {
		t.Errorf("status undelivered %+v (%v), want one per inject for ops", st.Undelivered, err)
	}
}
