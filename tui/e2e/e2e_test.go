// Package e2e_test runs the built muster binary inside tmux at a fixed size: keys go in
// with send-keys, the screen comes back with capture-pane, and the journal on disk is
// then checked with muster's own evidence verify and incident show.
package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// requireTmux skips without tmux, unless MUSTER_REQUIRE_TMUX=1 (CI) makes that a
// failure.
func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("MUSTER_REQUIRE_TMUX") == "1" {
			t.Fatal("tmux is not on PATH and MUSTER_REQUIRE_TMUX=1")
		}
		t.Skip("tmux is not on PATH (install tmux, or set MUSTER_REQUIRE_TMUX=1 to make this a failure)")
	}
}

// buildMuster builds the binary under test into a temporary directory.
func buildMuster(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "muster")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/muster-ir/muster/cmd/muster").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// term is one tmux server (its own socket, killed at cleanup) with one session.
type term struct {
	t       *testing.T
	socket  string
	session string
}

var sessions int

func newTerm(t *testing.T, command string) *term {
	t.Helper()
	sessions++
	x := &term{t: t, socket: fmt.Sprintf("muster-e2e-%d-%d", os.Getpid(), sessions), session: "muster"}
	t.Cleanup(func() { _, _ = x.tmux("kill-server") })
	// The shell line after muster reports its exit status and keeps the pane open, so
	// the test sees how muster left the terminal.
	shell := command + `; echo "muster exited with status $?"; sleep 600`
	if out, err := x.tmux("new-session", "-d", "-x", "100", "-y", "30", "-s", x.session, shell); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	return x
}

func (x *term) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", x.socket}, args...)...).CombinedOutput()
	return string(out), err
}

func (x *term) screen() string {
	out, err := x.tmux("capture-pane", "-p", "-t", x.session)
	if err != nil {
		x.t.Fatalf("capture-pane: %v\n%s", err, out)
	}
	return out
}

// waitFor polls the pane until it shows every want.
func (x *term) waitFor(want ...string) string {
	x.t.Helper()
	return x.waitWithin(20*time.Second, want...)
}

// waitWithin polls the pane until it shows every want, for at most d: a loaded
// machine may take a while to build, start and draw.
func (x *term) waitWithin(d time.Duration, want ...string) string {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := x.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("the terminal never showed %q:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keys sends key names (Enter, Space, Escape, C-s) as tmux knows them.
func (x *term) keys(keys ...string) {
	x.t.Helper()
	for _, k := range keys {
		if out, err := x.tmux("send-keys", "-t", x.session, k); err != nil {
			x.t.Fatalf("send-keys %s: %v\n%s", k, err, out)
		}
	}
}

// typ sends text literally.
func (x *term) typ(text string) {
	x.t.Helper()
	if out, err := x.tmux("send-keys", "-t", x.session, "-l", text); err != nil {
		x.t.Fatalf("send-keys -l: %v\n%s", err, out)
	}
}

func TestIncidentThroughTheKeyboard(t *testing.T) {
	requireTmux(t)
	bin := buildMuster(t)
	home := t.TempDir()
	run := fmt.Sprintf("env MUSTER_HOME=%s NO_COLOR=1 %s --actor e2e@tmux", home, bin)

	x := newTerm(t, run)
	x.waitFor("Runbooks (7)", "none open")
	x.keys("n")
	x.waitFor("Start an incident")
	x.typ("outage")
	x.waitFor("▸ service-outage")
	x.keys("Enter", "Enter") // the runbook, then critical
	x.typ("Checkout API down for all users")
	x.keys("Enter")
	x.waitFor("✓ started INC-", "▸ · Open the incident")

	x.keys("Space")
	x.waitFor("✓ saved: step open-incident done", "✓ Open the incident", "▸ · Confirm the outage")
	x.keys("n")
	x.waitFor("About step confirm-outage")
	x.typ("status page shows 503 from three regions")
	x.keys("C-s")
	x.waitFor("✓ saved: note")
	x.keys("q")
	after := x.waitFor("muster exited with status 0")
	if strings.Contains(after, "Open the incident") {
		t.Errorf("the alternate screen was not left on quit:\n%s", after)
	}

	entries, err := os.ReadDir(filepath.Join(home, "incidents"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("want one incident directory, got %v (%v)", entries, err)
	}
	id := entries[0].Name()

	out, err := exec.Command(bin, "--data-dir", home, "evidence", "verify", id).CombinedOutput()
	if err != nil {
		t.Fatalf("muster evidence verify %s: %v\n%s", id, err, out)
	}

	out, err = exec.Command(bin, "--data-dir", home, "incident", "show", id, "--format", "json").Output()
	if err != nil {
		t.Fatalf("muster incident show %s --format json: %v\n%s", id, err, out)
	}
	var show struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		Severity string `json:"severity"`
		Steps    map[string]struct {
			Status string `json:"status"`
			By     string `json:"by"`
		} `json:"steps"`
		Notes []struct {
			Text  string `json:"text"`
			Step  string `json:"step"`
			Actor string `json:"actor"`
		} `json:"notes"`
	}
	if err := json.Unmarshal(out, &show); err != nil {
		t.Fatalf("incident show json: %v\n%s", err, out)
	}
	if show.ID != id || show.Title != "Checkout API down for all users" || show.Severity != "critical" {
		t.Errorf("incident show: %s %q %s", show.ID, show.Title, show.Severity)
	}
	if s := show.Steps["open-incident"]; s.Status != "done" || s.By != "e2e@tmux" {
		t.Errorf("step open-incident in the journal: %+v", s)
	}
	if len(show.Notes) != 1 || show.Notes[0].Text != "status page shows 503 from three regions" || show.Notes[0].Step != "confirm-outage" || show.Notes[0].Actor != "e2e@tmux" {
		t.Errorf("notes in the journal: %+v", show.Notes)
	}

	// Enter on home resumes the incident: the screen rebuilt from the journal, with the
	// next step to do selected.
	h := newTerm(t, run)
	h.waitFor("Open incidents (1)", id)
	h.keys("Enter")
	h.waitFor("✓ Open the incident", "▸ · Confirm the outage")
	h.keys("C-c") // Ctrl+C leaves as cleanly as q
	if after := h.waitFor("muster exited with status 0"); strings.Contains(after, "Confirm the outage") {
		t.Errorf("the alternate screen was not left on Ctrl+C:\n%s", after)
	}

	// So does muster incident resume ID.
	r := newTerm(t, fmt.Sprintf("env MUSTER_HOME=%s NO_COLOR=1 %s incident resume %s", home, bin, id))
	r.waitFor(id, "✓ Open the incident", "▸ · Confirm the outage", "Detect")
	r.keys("q")
	r.waitFor("muster exited with status 0")
}

// A short drill at 120x (two minutes of drill in a second) on the drill screen: the
// injects appear in the feed, the drill ends with the after-action report on screen,
// q leaves, and the drill's journal verifies. --resume opens the ended drill again.
func TestDrillOnTheScreen(t *testing.T) {
	requireTmux(t)
	bin := buildMuster(t)
	home := t.TempDir()
	file, err := filepath.Abs("../../scenarios/testdata/short-drill.toml")
	if err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("env MUSTER_HOME=%s NO_COLOR=1 %s --actor e2e@tmux", home, bin)

	x := newTerm(t, env+" drill "+file+" --speed 120 --seed 7")
	x.waitWithin(60*time.Second, "DRILL ended · after-action report", "score")
	// Each key waits for the screen to answer the one before: an Escape followed at
	// once by a letter reads as Alt+letter.
	x.keys("Escape")
	// The panel shows the newest injects; f lists every one delivered.
	x.waitWithin(30*time.Second, "DRILL ■ ENDED", "TICKET from Support desk: Customers ask what happened", "space done")
	x.keys("f")
	x.waitWithin(30*time.Second, "DRILL · inject feed", "API returns 503 everywhere", "PHONE from Ops lead: Fail over now?")
	x.keys("Escape")
	x.waitWithin(30*time.Second, "space done")
	x.keys("q")
	after := x.waitWithin(30*time.Second, "muster exited with status 0")
	id := regexp.MustCompile(`INC-\d{8}-[0-9A-Z]{5}`).FindString(after)
	if id == "" {
		t.Fatalf("muster drill did not print the drill's id before the screen:\n%s", after)
	}
	if strings.Contains(after, "Injects (") {
		t.Errorf("the alternate screen was not left on quit:\n%s", after)
	}

	out, err := exec.Command(bin, "--data-dir", home, "evidence", "verify", id).CombinedOutput()
	if err != nil {
		t.Fatalf("muster evidence verify %s: %v\n%s", id, err, out)
	}
	out, err = exec.Command(bin, "--data-dir", home, "drill", "status", id, "--format", "json").Output()
	if err != nil {
		t.Fatalf("muster drill status %s: %v\n%s", id, err, out)
	}
	var st struct {
		Ended   bool `json:"ended"`
		Injects int  `json:"injects"`
	}
	if err := json.Unmarshal(out, &st); err != nil || !st.Ended || st.Injects < 3 {
		t.Errorf("drill status: %+v (%v)\n%s", st, err, out)
	}

	r := newTerm(t, env+" drill --resume "+id)
	r.waitWithin(60*time.Second, "DRILL ended · after-action report")
	r.keys("Escape")
	r.waitWithin(30*time.Second, "space done")
	r.keys("q")
	r.waitWithin(30*time.Second, "muster exited with status 0")

	// At 1x the drill runs on while the team works: the first inject is there, the
	// team opens the incident, and quitting pauses the drill.
	p := newTerm(t, env+" drill "+file+" --speed 1 --seed 7")
	p.waitWithin(60*time.Second, "DRILL ▶ RUNNING 1x", "ALERT from Synthetic monitoring: API returns 503 everywhere", "▸ · Open the incident")
	p.keys("Space")
	p.waitWithin(30*time.Second, "✓ saved: step open-incident done")
	// The facilitator, evaluating too, records what she saw from the drill screen.
	p.keys("o")
	p.waitWithin(30*time.Second, "DRILL · evaluator's observation", "What was seen")
	p.typ("Alice opened the incident before anyone asked")
	p.waitWithin(30*time.Second, "Alice opened the incident before anyone asked")
	p.keys("C-s")
	p.waitWithin(30*time.Second, "✓ drill: observation recorded")
	p.keys("q")
	after = p.waitWithin(30*time.Second, "muster exited with status 0")
	id2 := regexp.MustCompile(`INC-\d{8}-[0-9A-Z]{5}`).FindString(after)
	out, err = exec.Command(bin, "--data-dir", home, "drill", "status", id2, "--format", "json").Output()
	if err != nil {
		t.Fatalf("muster drill status %s: %v\n%s", id2, err, out)
	}
	var st2 struct {
		Paused bool `json:"paused"`
		Score  struct {
			Met int `json:"met"`
		} `json:"score"`
	}
	if err := json.Unmarshal(out, &st2); err != nil || !st2.Paused || st2.Score.Met != 1 {
		t.Errorf("after quitting a running drill: %+v (%v)\n%s", st2, err, out)
	}
	out, err = exec.Command(bin, "--data-dir", home, "incident", "report", id2, "--format", "json").Output()
	if err != nil {
		t.Fatalf("muster incident report %s: %v", id2, err)
	}
	if !strings.Contains(string(out), `"text": "Alice opened the incident before anyone asked"`) || !strings.Contains(string(out), `"by": "e2e@tmux"`) {
		t.Errorf("the observation entered on the drill screen is not in the report")
	}
	out, err = exec.Command(bin, "--data-dir", home, "evidence", "verify", id2).CombinedOutput()
	if err != nil {
		t.Fatalf("muster evidence verify %s: %v\n%s", id2, err, out)
	}
}

// A team's incident on the built binary: a note written from the CLI appears in the
// feed; a half-written note survives a SIGKILL of the TUI and is offered back on
// resume; acknowledge, assign, a follow-up (added and done) and close are done from
// the keyboard and then read back with incident show --format json.
func TestTeamWorkFromTheKeyboard(t *testing.T) {
	requireTmux(t)
	bin := buildMuster(t)
	home := t.TempDir()
	cli := func(actor string, args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"--data-dir", home, "--actor", actor}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("muster %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	id := regexp.MustCompile(`INC-\d{8}-[0-9A-Z]{5}`).FindString(cli("e2e@tmux", "incident", "start", "--runbook", "service-outage", "--severity", "critical", "--title", "Checkout API down"))
	if id == "" {
		t.Fatal("incident start printed no id")
	}
	resume := fmt.Sprintf("env MUSTER_HOME=%s NO_COLOR=1 %s --actor e2e@tmux incident resume %s", home, bin, id)

	x := newTerm(t, resume)
	x.waitFor("▸ · Open the incident", "Activity")
	cli("bob@desk", "incident", "note", id, "DBA: the replica is 40 min behind")
	x.waitFor("bob@desk note: DBA: the replica is 40 min behind")

	// A half-written note, then the TUI is killed: the draft is on disk.
	x.keys("N")
	x.waitFor("A note for the journal, about the incident.")
	x.typ("failover started at")
	x.waitFor("failover started at")
	waitForFile(t, filepath.Join(home, "drafts", id, "note.json"), "failover started at")
	x.kill()
	x.waitFor("Killed") // the shell says so; the screen is left as it was (no alternate-screen exit)

	r := newTerm(t, resume)
	r.waitFor("your draft note from", "failover started at")
	r.typ(" 10:14")
	r.keys("C-s")
	r.waitFor("✓ saved: note")

	r.keys("K")
	r.waitFor("✓ saved: acknowledged")
	r.keys("R")
	r.waitFor("Assign a role", "[incident commander]")
	r.keys("Enter")
	r.typ("alice@laptop")
	r.keys("Enter")
	r.waitFor("✓ saved: incident commander: alice@laptop", "roles: incident commander: alice@laptop")

	r.keys("F")
	r.waitFor("Follow-ups · 0 open of 0")
	r.keys("a")
	r.waitFor("Add a follow-up")
	r.typ("Alert on replication lag above 30 s")
	r.keys("Tab")
	r.typ("carol")
	r.keys("Enter", "Enter")
	r.waitFor("✓ saved: follow-up for carol")
	r.waitFor("Follow-ups · 1 open of 1", "F1  carol") // back to the list it was added from
	r.keys("Space")
	r.waitFor("✓ saved: follow-up F1 done", "Follow-ups · 0 open of 1")
	r.keys("Escape")
	r.waitFor("space done")

	r.keys("C")
	r.waitFor("Resolve and close", "Still open")
	r.typ("Failed over to the standby; root cause in the post-mortem")
	r.keys("Tab", "Right", "Tab")
	r.typ("game day: the remaining steps are covered by the review")
	r.keys("C-s")
	r.waitFor("✓ saved: incident closed", "CLOSED")
	r.keys("q")
	r.waitFor("muster exited with status 0")

	var show struct {
		RespondedAt time.Time         `json:"responded_at"`
		Roles       map[string]string `json:"roles"`
		Closed      bool              `json:"closed"`
		Close       struct {
			Summary string `json:"summary"`
			Forced  bool   `json:"forced"`
		} `json:"close"`
		Notes []struct {
			Text  string `json:"text"`
			Actor string `json:"actor"`
		} `json:"notes"`
		FollowUps []struct {
			Owner string `json:"owner"`
			Text  string `json:"text"`
			Done  bool   `json:"done"`
		} `json:"followups"`
	}
	if err := json.Unmarshal([]byte(cli("e2e@tmux", "incident", "show", id, "--format", "json")), &show); err != nil {
		t.Fatal(err)
	}
	if show.RespondedAt.IsZero() || show.Roles["incident commander"] != "alice@laptop" || !show.Closed || !show.Close.Forced {
		t.Errorf("incident show: responded %v, roles %v, closed %v %+v", show.RespondedAt, show.Roles, show.Closed, show.Close)
	}
	var notes []string
	for _, n := range show.Notes {
		notes = append(notes, n.Actor+": "+n.Text)
	}
	if want := "bob@desk: DBA: the replica is 40 min behind|e2e@tmux: failover started at 10:14"; strings.Join(notes, "|") != want {
		t.Errorf("notes %q, want %q", notes, want)
	}
	if len(show.FollowUps) != 1 || show.FollowUps[0].Owner != "carol" || !show.FollowUps[0].Done {
		t.Errorf("follow-ups: %+v", show.FollowUps)
	}
	if entries, _ := os.ReadDir(filepath.Join(home, "drafts")); len(entries) != 0 {
		t.Errorf("drafts left after the note was sent: %v", entries)
	}
	if out, err := exec.Command(bin, "--data-dir", home, "evidence", "verify", id).CombinedOutput(); err != nil {
		t.Fatalf("muster evidence verify %s: %v\n%s", id, err, out)
	}
}

// waitForFile polls until the file at path holds want.
func waitForFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held %q:\n%s", path, want, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL to the program running in the pane (the shell's child).
func (x *term) kill() {
	x.t.Helper()
	out, err := x.tmux("list-panes", "-t", x.session, "-F", "#{pane_pid}")
	if err != nil {
		x.t.Fatalf("list-panes: %v\n%s", err, out)
	}
	shell := strings.TrimSpace(out)
	ps, err := exec.Command("ps", "-o", "pid=", "--ppid", shell).Output()
	if err != nil {
		x.t.Fatalf("ps --ppid %s: %v", shell, err)
	}
	var pid int
	if _, err := fmt.Sscan(strings.TrimSpace(string(ps)), &pid); err != nil || pid <= 0 {
		x.t.Fatalf("no program under the pane's shell %s: %q", shell, ps)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		x.t.Fatalf("kill -9 %d: %v", pid, err)
	}
}
