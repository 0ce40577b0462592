// Package tui is muster's terminal UI: Bubble Tea models only. One root Model holds
// the screens (home, start an incident, the incident, a runbook read-only), their key
// maps and one Styles struct. Every side effect is a tea.Cmd that calls the runbook
// and incident packages exactly as the CLI does and answers with a message; the
// screens change only in Update, from the incident state a command returned after its
// append reached the disk. Nothing here prints to stdout.
package tui

import (
	"context"
	"errors"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/scenarios"
)

// Deps is everything the TUI works with, filled by the command layer. A nil function
// means the feature is absent, and the screen says so.
type Deps struct {
	Store *incident.Store
	// Library is the runbooks home lists and new incidents start from. nil with
	// ReloadLibrary set: the first home scan reads it, in the background.
	Library *runbook.Library
	// LibraryProblems are the user's runbook files that did not load; home shows
	// how many, so a broken file is not silently missing.
	LibraryProblems runbook.Problems
	// ReloadLibrary reads the runbook library again (Ctrl+R on home), so a runbook
	// added while muster runs shows up; nil keeps Library as it is.
	ReloadLibrary func() (*runbook.Library, runbook.Problems)
	Policy        *runbook.Policy // for new incidents; an incident keeps its frozen one
	Actor         string
	Now           func() time.Time // time.Now when nil
	NoColor       bool
	// NoticeReminder is how long before a customer or stakeholder update falls due the
	// incident screen shows a banner and rings the terminal bell ([tui] notice_reminder
	// in config.toml); 0 means no reminder.
	NoticeReminder time.Duration

	// RunCheck runs a step's built-in check (check = "rds-backup"). The result is
	// logged as evidence with RecordCheck.
	RunCheck func(ctx context.Context, step runbook.Step, severity string) (incident.CheckRun, error)
	// LastBackup returns the last backup check's summary for home, if there was one.
	LastBackup func() (BackupSummary, bool)
	// RunBackup runs a backup check now (b on home) and keeps it as the last one; nil
	// means home cannot run one and says so.
	RunBackup func(ctx context.Context) (BackupSummary, error)
	// Clipboard copies text to a clipboard it can vouch for and names it ("the system
	// clipboard (xclip)"); an error means none was reachable, and the screen falls back
	// to OSC 52, saying it may not have worked. nil tries wl-copy, xclip, xsel, pbcopy,
	// then tmux's paste buffer.
	Clipboard func(text string) (via string, err error)
	// DrillClock drives drills (scenarios.Run); nil is the real clock.
	DrillClock scenarios.Clock
	// DrillCourier, when set, is given every drill the drill screen opens, to post its
	// injects to the roles' webhooks (scenarios.Drill.SetCourier). It must not block.
	DrillCourier func(d *scenarios.Drill)
}

// BackupSummary is the last backup check as home shows it.
type BackupSummary struct {
	At       time.Time
	Status   string // pass, warn, fail or error
	Summary  string // one line, e.g. "12 databases: 11 pass, 1 fail (prod-db: newest restore point 31h old, RPO 6h)"
	Problems int    // databases out of policy
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Options choose where the TUI starts and which terminal it drives.
type Options struct {
	// Resume is the incident to open first (muster incident resume ID); empty opens
	// home.
	Resume string
	// Drill is the drill incident to open first in the drill screen (muster drill);
	// DrillSpeed, when above 0, sets its speed as it opens.
	Drill      string
	DrillSpeed float64
	Input      io.Reader // os.Stdin when nil
	Output     io.Writer // os.Stdout when nil
}

// Run runs the TUI until the user quits. Cancelling ctx (SIGTERM) quits too: a
// running check is cancelled and the terminal restored. Nothing a responder saw as
// saved can be lost, because every save is an fsync'd journal line before the screen
// says so.
func Run(ctx context.Context, deps Deps, opts Options) error {
	_, err := run(ctx, deps, opts)
	return err
}

// DrillOptions open the drill screen: ID is the drill incident (muster drill starts
// it first, or --resume names it); Speed, when above 0, is set as it opens.
type DrillOptions struct {
	ID     string
	Speed  float64
	Input  io.Reader
	Output io.Writer
}

// RunDrill runs the TUI on the drill screen of a drill incident. The drill plays on
// the real clock while the screen is open; quitting pauses it (the journal says so),
// and opening it again, here or from home, resumes it where it stood.
func RunDrill(ctx context.Context, deps Deps, o DrillOptions) error {
	if o.ID == "" {
		return errors.New("tui.RunDrill: no drill incident")
	}
	_, err := run(ctx, deps, Options{Drill: o.ID, DrillSpeed: o.Speed, Input: o.Input, Output: o.Output})
	return err
}

func run(ctx context.Context, deps Deps, opts Options) (tea.Model, error) {
	parent := ctx
	// Quitting cancels what commands still run on the model's context (a backup check's
	// AWS calls) rather than leaving them to the end of the process.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The renderer measures the first frame's symbols (✓, box drawing) with wcwidth,
	// and go-runewidth's first look-up above U+0300 fills two 1.1 MB tables: in a fresh
	// process that is about 550 page faults on the way to the first frame. They are
	// filled on another core while the screen reads the incident.
	go ansi.WcWidth.StringWidth("✓")
	m := New(deps, opts)
	m.ctx = ctx
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	if deps.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	if fm, ok := final.(Model); ok && fm.drill.d != nil {
		// Quit, Ctrl+C or SIGTERM on a drill (opened by muster drill or from home): stop
		// its driver and pause it, so its clock does not run on unseen. An ended drill
		// is left as it is.
		if fm.drill.cancel != nil {
			fm.drill.cancel()
		}
		pauseDrill(fm.drill.d, deps.now())()
	}
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && parent.Err() != nil {
		return final, nil
	}
	return final, err
}
