package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// backupRuns is a fake RunBackup: each call answers the next of its replies and
// remembers the context it was given.
type backupRuns struct {
	mu      sync.Mutex
	replies []func(ctx context.Context) (BackupSummary, error)
	calls   int
	ctxs    []context.Context
}

func (b *backupRuns) run(ctx context.Context) (BackupSummary, error) {
	b.mu.Lock()
	f := b.replies[b.calls]
	b.calls++
	b.ctxs = append(b.ctxs, ctx)
	b.mu.Unlock()
	return f(ctx)
}

// homeWithBackup is home at 100x30 with a failed check three hours old on disk.
func homeWithBackup(t *testing.T, runs *backupRuns) (Model, *fakeClock) {
	t.Helper()
	d, clk := fixture(t)
	old := BackupSummary{At: clk.Now().Add(-3 * time.Hour), Status: "fail", Summary: "12 databases: 11 pass, 1 fail (prod-db)", Problems: 1}
	d.LastBackup = func() (BackupSummary, bool) { return old, true }
	if runs != nil {
		d.RunBackup = runs.run
	}
	return newModel(t, d, Options{}, 100, 30), clk
}

// lineWith is the screen line holding s, or "".
func lineWith(scr, s string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// startBackup presses b and returns the model with the check in flight and the
// command that runs it (not yet run).
func startBackup(t *testing.T, m Model) (Model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(keyMsg("b"))
	m = next.(Model)
	if cmd == nil {
		t.Fatal("b started nothing")
	}
	return m, cmd
}

func TestBackupCheckFromHome(t *testing.T) {
	runs := &backupRuns{}
	m, clk := homeWithBackup(t, runs)
	runs.replies = []func(context.Context) (BackupSummary, error){func(context.Context) (BackupSummary, error) {
		return BackupSummary{At: clk.Now(), Status: "pass", Summary: "12 databases: 12 pass"}, nil
	}}
	if got := shot(m); !strings.Contains(got, "b check backups") || !strings.Contains(got, "Last backup check: ✗ FAIL 3h ago") {
		t.Fatalf("home before the check:\n%s", got)
	}

	m, cmd := startBackup(t, m)
	scr := shot(m)
	line := lineWith(scr, "checking backups…")
	if line == "" || !strings.Contains(line, m.spinFrame()) || !strings.Contains(line, "last: ✗ FAIL 3h ago") {
		t.Fatalf("no running line with the spinner and the last result:\n%s", scr)
	}
	if strings.Contains(scr, "Last backup check:") {
		t.Errorf("the running check shares the screen with the old line:\n%s", scr)
	}
	// The spinner turns while the check runs.
	if _, c := m.Update(spinner.TickMsg{ID: m.spin.ID()}); c == nil {
		t.Error("the spinner does not tick while the backup check runs")
	}
	// A second b while it runs starts nothing.
	next, again := m.Update(keyMsg("b"))
	m = next.(Model)
	if again != nil || !strings.Contains(m.flash.text, "already running") {
		t.Errorf("a second b: cmd %v, flash %q", again, m.flash.text)
	}

	m = runCmd(t, m, cmd)
	scr = shot(m)
	if !strings.Contains(scr, "Last backup check: ✓ PASS just now — 12 databases: 12 pass") || strings.Contains(scr, "checking backups") {
		t.Fatalf("the new result is not shown:\n%s", scr)
	}
	if _, c := m.Update(spinner.TickMsg{ID: m.spin.ID()}); c != nil {
		t.Error("the spinner still ticks after the check answered")
	}
	if runs.calls != 1 || runs.ctxs[0] != m.ctx {
		t.Errorf("RunBackup called %d times, with the model's context: %v", runs.calls, runs.calls > 0 && runs.ctxs[0] == m.ctx)
	}

	// A reload that reads an older file (the save failed) keeps the newer result.
	m = send(t, m, tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	if scr := shot(m); !strings.Contains(scr, "✓ PASS just now") {
		t.Errorf("a reload put the older check back:\n%s", scr)
	}
}

func TestBackupCheckStaleReplyIsDropped(t *testing.T) {
	runs := &backupRuns{}
	m, clk := homeWithBackup(t, runs)
	runs.replies = []func(context.Context) (BackupSummary, error){
		func(context.Context) (BackupSummary, error) {
			return BackupSummary{At: clk.Now(), Status: "warn", Summary: "first run"}, nil
		},
		func(context.Context) (BackupSummary, error) {
			return BackupSummary{At: clk.Now(), Status: "pass", Summary: "second run"}, nil
		},
	}
	m, cmd1 := startBackup(t, m)
	first := execCmd(cmd1)
	if len(first) != 1 {
		t.Fatalf("the first check answered %d messages", len(first))
	}
	m = send(t, m, first[0])
	if !strings.Contains(shot(m), "⚠ WARN just now — first run") {
		t.Fatalf("the first result is not shown:\n%s", shot(m))
	}

	m, cmd2 := startBackup(t, m)
	m = send(t, m, first[0]) // the first check's reply again: older request id
	scr := shot(m)
	if strings.Contains(scr, "first run") || !strings.Contains(scr, "checking backups…") {
		t.Fatalf("a stale reply was taken:\n%s", scr)
	}
	m = runCmd(t, m, cmd2)
	if scr := shot(m); !strings.Contains(scr, "✓ PASS just now — second run") {
		t.Fatalf("the second result is not shown:\n%s", scr)
	}
}

func TestBackupCheckErrorIsNeverAPass(t *testing.T) {
	runs := &backupRuns{}
	m, _ := homeWithBackup(t, runs)
	runs.replies = []func(context.Context) (BackupSummary, error){func(context.Context) (BackupSummary, error) {
		// A result alongside the error must not be shown.
		return BackupSummary{Status: "pass", Summary: "all good"},
			errors.New("no usable AWS credentials \x1b]52;c;aGk=\x07(profile \"ops\"):\r\nexpired\u202e token")
	}}
	m, cmd := startBackup(t, m)
	m = runCmd(t, m, cmd)
	scr := shot(m)
	line := lineWith(scr, "could not run")
	want := `Backup check: ✗ ERROR, could not run: no usable AWS credentials (profile "ops"): expired token`
	if !strings.Contains(line, want) {
		t.Fatalf("error line %q, want %q:\n%s", line, want, scr)
	}
	if strings.ContainsAny(scr, "\x1b\r\u202e") || strings.Contains(scr, "]52;") {
		t.Errorf("the error reached the screen uncleaned: %q", line)
	}
	if strings.Contains(scr, "PASS") || strings.Contains(scr, "all good") || !strings.Contains(scr, "Last backup check: ✗ FAIL 3h ago") {
		t.Errorf("after the error the screen shows a pass or lost the last check:\n%s", scr)
	}
}

func TestBackupCheckUsesTheModelContext(t *testing.T) {
	runs := &backupRuns{}
	m, _ := homeWithBackup(t, runs)
	runs.replies = []func(context.Context) (BackupSummary, error){func(ctx context.Context) (BackupSummary, error) {
		<-ctx.Done() // an AWS call in flight when the TUI quits
		return BackupSummary{}, ctx.Err()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	m.ctx = ctx
	m, cmd := startBackup(t, m)
	cancel()
	m = runCmd(t, m, cmd)
	if line := lineWith(shot(m), "could not run"); !strings.Contains(line, "context canceled") {
		t.Errorf("cancelling the model's context did not stop the check: %q", line)
	}
}

func TestBackupCheckNotAvailable(t *testing.T) {
	m, _ := homeWithBackup(t, nil)
	m = press(t, m, "b")
	scr := shot(m)
	if !strings.Contains(scr, "the backup check is not available here: run `muster backup check`") || strings.Contains(scr, "checking backups") {
		t.Errorf("b without RunBackup:\n%s", scr)
	}
}

func TestBackupKeyInFullHelp(t *testing.T) {
	m, _ := homeWithBackup(t, nil)
	m = press(t, m, "?")
	if scr := shot(m); !strings.Contains(scr, "check backups") || !strings.Contains(scr, "resume incident / read runbook") {
		t.Errorf("the full help lacks b or Enter's meaning:\n%s", scr)
	}
}
