package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
	"github.com/muster-ir/muster/scenarios"
	"github.com/muster-ir/muster/tui"
)

// AfterActionFile is where a headless drill writes its report, in the drill
// incident's directory.
const AfterActionFile = "after-action.md"

type drillOptions struct {
	Scenario string
	Speed    float64
	SpeedSet bool
	Seed     uint64
	SeedSet  bool
	Headless bool
	Resume   string
	Poll     time.Duration
}

func newDrillCmd(g *globals) *cobra.Command {
	var o drillOptions
	cmd := &cobra.Command{
		Use:   "drill SCENARIO [--speed N] [--seed N] [--headless] | drill --resume ID [--speed N] [--headless]",
		Short: "Run a tabletop drill: a scenario's injects on a compressed clock while the team works the runbook",
		Long: `Run a tabletop drill. SCENARIO is an id from muster scenario list or a scenario file.
A drill is an incident marked DRILL: the team works its runbook with the usual incident
commands while the scenario delivers injects on the drill clock (--speed 1 to 120 drill
seconds per real second), and muster judges what the scenario expects of the team.

--headless plays the drill without the screen: it prints the drill incident's id first,
then every inject as it fires; responders act from other terminals with
muster incident ... ID. At the end it prints the score and writes the after-action
report into the incident directory. Ctrl-C pauses the drill; --resume ID --headless
continues it.`,
		GroupID: "prepare",
		Args:    cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Scenario = args[0]
			}
			o.SeedSet = cmd.Flags().Changed("seed")
			o.SpeedSet = cmd.Flags().Changed("speed")
			return runDrill(cmd.Context(), g, o)
		},
	}
	cmd.Flags().Float64Var(&o.Speed, "speed", 1, "drill seconds per real second, 1 to 120")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 0, "seed of the random pools (default: a random one, printed and recorded)")
	cmd.Flags().BoolVar(&o.Headless, "headless", false, "no screen: print injects as they fire, read the team's actions from the journal")
	cmd.Flags().StringVar(&o.Resume, "resume", "", "continue the drill incident ID instead of starting one")
	cmd.Flags().DurationVar(&o.Poll, "poll", 250*time.Millisecond, "how often a headless drill looks for the team's actions")
	_ = cmd.Flags().MarkHidden("poll")
	cmd.AddCommand(newDrillStatusCmd(g), newDrillActCmd(g), newDrillObserveCmd(g), newDrillRateCmd(g), newDrillHotWashCmd(g), newDrillDiscussCmd(g), newDrillAARCmd(g), newDrillAARViewCmd(g))
	return cmd
}

// drillScreen opens the drill in the terminal UI: a new drill is started first (its
// id printed, as a headless one does), a --resume one is checked to be a drill.
// Quitting the screen pauses the drill; --resume ID opens it again.
func drillScreen(ctx context.Context, g *globals, o drillOptions) error {
	if !isTerminal(g.Stdin) || !isTerminal(g.Stdout) {
		return usageError("the drill screen needs a terminal; run the drill with --headless")
	}
	deps, err := g.tuiDeps()
	if err != nil {
		return err
	}
	st := g.store()
	id, speed := o.Resume, 0.0
	if id != "" {
		if _, err := loadDrill(st, id); err != nil {
			return err
		}
		if o.SpeedSet {
			speed = o.Speed
		}
	} else if id, err = startDrill(g, st, o); err != nil {
		return err
	}
	couriers := &screenCouriers{g: g}
	if o.Resume == "" {
		couriers.fresh = id
	}
	deps.DrillCourier = couriers.attach
	g.printRoutes(id)
	err = tui.RunDrill(ctx, deps, tui.DrillOptions{ID: id, Speed: speed, Input: g.Stdin, Output: g.Stdout})
	couriers.close()
	return g.afterTUI(err)
}

func runDrill(ctx context.Context, g *globals, o drillOptions) error {
	switch {
	case o.Scenario == "" && o.Resume == "":
		return usageError("name a scenario (muster scenario list) or --resume a drill incident")
	case o.Scenario != "" && o.Resume != "":
		return usageError("give a scenario or --resume ID, not both")
	case o.Speed < scenarios.MinSpeed || o.Speed > scenarios.MaxSpeed:
		return usageError("--speed %g is out of range: %g to %g", o.Speed, scenarios.MinSpeed, scenarios.MaxSpeed)
	}
	if !o.Headless {
		return drillScreen(ctx, g, o)
	}
	st := g.store()
	var id string
	if o.Resume != "" {
		id = o.Resume
	} else {
		var err error
		if id, err = startDrill(g, st, o); err != nil {
			return err
		}
	}
	v, d, err := resumeDrill(g, st, id)
	if err != nil {
		return err
	}
	return playHeadless(ctx, g, st, d, o, v)
}

// startDrill opens the drill incident, prints its id first (responders need it) and
// releases the incident's lock so they can act on it.
func startDrill(g *globals, st *incident.Store, o drillOptions) (string, error) {
	env, lib, err := g.scenarioEnv()
	if err != nil {
		return "", err
	}
	sc, err := g.resolveScenario(o.Scenario, env)
	if err != nil {
		return "", err
	}
	rb, ok := lib.Get(sc.Runbook.ID)
	if !ok {
		return "", usageError("scenario %s is played with runbook %s, which is not in the library", sc.ID, sc.Runbook.ID)
	}
	// The scenario must hold against the runbook actually played (a user's override).
	if _, problems := scenarios.Parse(sc.Source, sc.Raw, scenarios.Env{Runbooks: scenarios.OneRunbook{R: rb}, Policy: env.Policy}); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(g.Stderr, p.String())
		}
		return "", &exitError{code: 2, err: fmt.Errorf("scenario %s does not fit runbook %s %s (%s)", sc.ID, rb.ID, rb.Version, untrusted.Line(rb.Source))}
	}
	seed := o.Seed
	if !o.SeedSet {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		seed = binary.LittleEndian.Uint64(b[:]) % 1_000_000_000 // short enough to read out and type again
	}
	inc, _, err := scenarios.Start(st, scenarios.StartOptions{Scenario: sc, Runbook: rb, Policy: env.Policy, Actor: g.Actor,
		Seed: seed, Speed: o.Speed, Now: g.now()})
	if err != nil {
		return "", commandError(err)
	}
	id := inc.ID
	if err := inc.Close(); err != nil {
		return "", err
	}
	fmt.Fprintln(g.Stdout, id)
	fmt.Fprintf(g.Stdout, "DRILL %s %s · runbook %s %s · severity %s · seed %d · %gx · planned %s of drill time (%s real)\n",
		sc.ID, sc.Version, rb.ID, rb.Version, sc.Severity, seed, o.Speed, scenarios.ClockText(sc.PlannedDuration),
		scenarios.ClockText(time.Duration(float64(sc.PlannedDuration)/o.Speed).Round(time.Second)))
	fmt.Fprintf(g.Stdout, "responders: muster incident show %s · muster incident step %s STEP --done · ...\n", id, id)
	return id, nil
}

func playHeadless(ctx context.Context, g *globals, st *incident.Store, d *scenarios.Drill, o drillOptions, v *incident.View) error {
	w := g.Stdout
	sc := d.Scenario()
	if o.Resume != "" {
		status := d.Status(g.now())
		fmt.Fprintf(w, "%s\nDRILL %s %s resumed at %s · %gx\n", d.ID, sc.ID, sc.Version, scenarios.FormatOffset(status.Drill), status.Speed)
		for _, f := range d.Feed() {
			fmt.Fprintf(w, "(delivered) %s %s: %s\n", scenarios.FormatOffset(f.Drill), f.Inject, f.Title)
		}
		pr0 := &drillPrinter{w: w, d: d, module: "-"}
		if status.Paused && !status.Ended {
			u, err := d.Resume(g.now())
			if err != nil {
				return commandError(err)
			}
			pr0.update(u)
		}
		if o.SpeedSet && o.Speed != status.Speed && !status.Ended {
			u, err := d.SetSpeed(g.now(), o.Speed)
			if err != nil {
				return commandError(err)
			}
			pr0.update(u)
		}
	}
	pr := &drillPrinter{w: w, d: d}
	printUpdate := pr.update
	if o.Resume == "" {
		// What happened between the start and now: the injects delivered with the
		// start, and any responder quicker than this process.
		printUpdate(scenarios.Update{Fired: d.Feed(), Events: v.Events})
	}
	clk := scenarios.RealClock
	if g.DrillClock != nil {
		clk = g.DrillClock
	}
	courier, err := g.drillCourier(d, w)
	if err != nil {
		return err
	}
	d.SetCourier(courier, o.Resume == "")
	err = scenarios.Run(ctx, d, clk, scenarios.RunOptions{Poll: o.Poll, OnUpdate: printUpdate})
	closeCourier(courier, ctx.Err() != nil)
	if u, serr := d.Step(g.now()); serr == nil && len(u.Events) > 0 { // the deliveries that failed as the webhooks closed
		printUpdate(u)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		now := g.now()
		if u, perr := d.Pause(now); perr == nil {
			printUpdate(u)
		}
		return &exitError{code: 2, err: fmt.Errorf("drill %s interrupted at %s and paused; continue it with: muster drill --resume %s --headless",
			d.ID, scenarios.FormatOffset(d.Status(now).Drill), d.ID)}
	}
	if err != nil {
		return commandError(err)
	}
	return finishDrill(g, st, d)
}

// finishDrill finalises the improvement plan, writes the after-action report and
// prints the score.
func finishDrill(g *globals, st *incident.Store, d *scenarios.Drill) error {
	w := g.Stdout
	now := g.now()
	var items []scenarios.FinalisedItem
	var err error
	// A scenario with a hot wash is finalised after it (finalising closes the drill
	// to evaluation): the facilitator runs it, then muster drill act ID finalise.
	hotWash := len(d.Scenario().HotWash) > 0
	if !hotWash {
		items, err = d.Finalise(now)
		if err != nil && !incident.IsRefused(err) {
			return commandError(err)
		}
	}
	v, err := st.Load(d.ID)
	if err != nil {
		return commandError(err)
	}
	a, err := scenarios.BuildAAR(v, now)
	if err != nil {
		return err
	}
	data, err := renderReport(v, "md", now)
	if err != nil {
		return err
	}
	path := filepath.Join(v.Dir, AfterActionFile)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	s := a.Score
	fmt.Fprintf(w, "\nSCORE %d/%d (%d%%): %d met, %d late, %d missed\n", s.Points, s.Max, s.Percent(), s.Met, s.Late, s.Missed)
	for _, o := range a.Objectives {
		fmt.Fprintf(w, "  %s  %s — %s\n", o.Rating, o.Text, o.Meaning)
	}
	follow := map[string]string{}
	for _, it := range items {
		follow[it.Item] = it.FollowUp
	}
	if len(a.Plan) > 0 {
		fmt.Fprintln(w, "IMPROVEMENT PLAN")
	}
	for _, p := range a.Plan {
		fu := ""
		if f := follow[p.ID]; f != "" {
			fu = " → follow-up " + f
		}
		fmt.Fprintf(w, "  %s %s (%s, due %s)%s\n", p.ID, p.Action, p.Owner, p.Due.Format("2006-01-02"), fu)
	}
	fmt.Fprintf(w, "report: %s\n", path)
	if hotWash {
		fmt.Fprintf(w, "HOT WASH: ask every participant, and record each answer with muster drill hotwash %s N ANSWER --participant WHO:\n", d.ID)
		for i, q := range d.Scenario().HotWash {
			fmt.Fprintf(w, "  %d. %s\n", i+1, q)
		}
		fmt.Fprintf(w, "then: muster drill act %s finalise (the improvement plan becomes follow-ups; the drill closes)\n", d.ID)
	}
	return nil
}

// drillPrinter prints a headless drill as it goes.
type drillPrinter struct {
	w      io.Writer
	d      *scenarios.Drill
	module string // the module whose questions were printed last
}

// update prints what a step of the drill added: injects in full, verdicts, decisions,
// facilitator actions and the team's actions in one line each.
func (p *drillPrinter) update(u scenarios.Update) {
	w, d := p.w, p.d
	fired := map[uint64]scenarios.FeedItem{}
	for _, f := range u.Fired {
		fired[f.Seq] = f
	}
	sc := d.Scenario()
	for _, e := range u.Events {
		if f, ok := fired[e.Seq]; ok {
			p.inject(sc, f)
			continue
		}
		switch e.Type {
		case incident.EvStarted, scenarios.EvDrillStarted, journal.TypeRecovered:
			continue
		}
		at := d.DrillAt(e.Time)
		if dp, ok := drillTimeOf(e); ok {
			at = dp
		}
		who := ""
		if !strings.HasPrefix(e.Type, "drill.") {
			who = untrusted.Line(e.Actor) + ": "
		}
		fmt.Fprintf(w, "   %s  %s%s\n", scenarios.FormatOffset(at), who, scenarios.DescribeEvent(e))
	}
}

func drillTimeOf(e journal.Event) (time.Duration, bool) {
	p, err := incident.Decode(e)
	if err != nil {
		return 0, false
	}
	return incident.DrillTime(p)
}

func (p *drillPrinter) inject(sc *scenarios.Scenario, f scenarios.FeedItem) {
	w := p.w
	to := ""
	if len(f.To) > 0 {
		to = " → " + strings.Join(f.To, ", ")
	}
	kind := "INJECT"
	if f.AdHoc {
		kind = "AD-HOC INJECT"
	}
	fmt.Fprintf(w, "\n\a== %s %s · story %s · %s %s from %s%s\n", kind, scenarios.FormatOffset(f.Drill), f.Story.Format("Mon 15:04"),
		strings.ToUpper(f.Channel), f.Inject, f.From, to)
	fmt.Fprintf(w, "   %s\n", f.Title)
	if f.Body != "" {
		writeIndented(w, f.Body, "   | ")
	}
	if f.Notes != "" {
		writeIndented(w, "facilitator: "+f.Notes, "   ")
	}
	if in, ok := sc.Inject(f.Inject); ok && in.Decision != nil {
		dd := in.Decision
		fmt.Fprintf(w, "   DECISION: %s (default %s at %s)\n", dd.Prompt, dd.Default, scenarios.FormatOffset(f.Drill+dd.Timeout))
		for _, o := range dd.Options {
			fmt.Fprintf(w, "     %s: %s\n", o.ID, o.Label)
		}
	}
	if m, ok := sc.Module(f.Module); ok && m.ID != p.module {
		p.module = m.ID
		fmt.Fprintf(w, "   MODULE %s", m.Title)
		if len(m.Questions) > 0 {
			fmt.Fprintf(w, " · ask: %s", strings.Join(m.Questions, " / "))
		}
		fmt.Fprintln(w)
	}
}

func newDrillStatusCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status ID [--format text|json]",
		Short: "Show a drill where it stands: clocks, module and its questions, open decisions, score",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrillStatus(g, args[0], format, g.now())
		},
	}
	addFormatFlag(cmd, &format, "text", "json")
	return cmd
}

// drillStatusJSON is `muster drill status --format json`.
type drillStatusJSON struct {
	scenarios.Status
	Feed         []scenarios.FeedItem          `json:"feed"`
	Expectations []scenarios.ExpectationStatus `json:"expectations"`
}

func runDrillStatus(g *globals, id, format string, now time.Time) error {
	v, err := loadDrill(g.store(), id)
	if err != nil {
		return err
	}
	e, err := scenarios.Rebuild(v)
	if err != nil {
		return commandError(err)
	}
	st := e.Status(now)
	if format == "json" {
		return writeJSON(g.Stdout, drillStatusJSON{Status: st, Feed: e.Feed(), Expectations: e.Expectations(now)})
	}
	w := g.Stdout
	state := "running"
	switch {
	case st.Ended:
		state = "ended: " + st.EndReason
	case st.Stopping:
		state = "ending"
	case st.Paused:
		state = "PAUSED"
	}
	fmt.Fprintf(w, "DRILL %s · %s · %s of %s · story %s · %gx · seed %d\n", st.Scenario, state, scenarios.FormatOffset(st.Drill),
		runbook.FormatDuration(st.Planned), st.Story.Format("Mon 15:04"), st.Speed, st.Seed)
	fmt.Fprintf(w, "score %d/%d: %d met, %d late, %d missed, %d overdue, %d pending\n", st.Score.Points, st.Score.Max, st.Score.Met, st.Score.Late,
		st.Score.Missed, st.Score.Overdue, st.Score.Pending)
	if st.Module != nil {
		fmt.Fprintf(w, "module %s\n", st.Module.Title)
		for _, q := range st.Module.Questions {
			fmt.Fprintf(w, "  ? %s\n", q)
		}
	}
	for _, d := range st.OpenDecisions {
		var opts []string
		for _, o := range d.Options {
			opts = append(opts, o.ID)
		}
		fmt.Fprintf(w, "decision open on %s: %s [%s] (default %s at %s)\n", d.Inject, d.Prompt, strings.Join(opts, ", "), d.Default, scenarios.FormatOffset(d.Deadline))
	}
	if st.NextInject != "" {
		fmt.Fprintf(w, "next inject %s at %s\n", st.NextInject, scenarios.FormatOffset(st.NextDue))
	}
	if len(st.Waiting) > 0 {
		fmt.Fprintf(w, "waiting for the team: %s\n", strings.Join(st.Waiting, ", "))
	}
	fmt.Fprintf(w, "%s delivered\n", plural(st.Injects, "inject"))
	for _, p := range st.Undelivered {
		fmt.Fprintf(w, "! %s\n", untrusted.Line(incident.DescribePayload(p)))
	}
	return nil
}

type drillActOptions struct {
	From, Channel, Body string
}

func newDrillActCmd(g *globals) *cobra.Command {
	var o drillActOptions
	cmd := &cobra.Command{
		Use:   "act ID ACTION [ARG...]",
		Short: "Facilitate a running drill from another terminal: pause, resume, speed, skip, trigger, decide, adhoc, stop, finalise",
		Long: `Facilitator actions on a drill, each recorded in its journal (a headless drill picks
them up within a moment):

  pause | resume            stop or restart the drill clock
  speed N                   drill seconds per real second, 1 to 120
  skip                      jump the clock to the next scheduled inject
  trigger INJECT            deliver an inject now
  decide INJECT OPTION      answer the open decision of an inject
  adhoc TITLE [--from WHO] [--channel C] [--body TEXT]   write a new inject
  stop                      end the drill now; open expectations are missed
  finalise                  after the end: the improvement plan becomes follow-ups`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrillAct(g, args[0], args[1], args[2:], o)
		},
	}
	cmd.Flags().StringVar(&o.From, "from", "", "adhoc: who the inject comes from (default facilitator)")
	cmd.Flags().StringVar(&o.Channel, "channel", "", "adhoc: alert, email, phone, chat, ticket or news (default chat)")
	cmd.Flags().StringVar(&o.Body, "body", "", "adhoc: the inject's text (Markdown)")
	return cmd
}

func runDrillAct(g *globals, id, action string, args []string, o drillActOptions) error {
	want := map[string]int{"pause": 0, "resume": 0, "speed": 1, "skip": 0, "trigger": 1, "decide": 2, "adhoc": 1, "stop": 0, "finalise": 0}
	n, ok := want[action]
	if !ok {
		return usageError("unknown drill action %q: pause, resume, speed, skip, trigger, decide, adhoc, stop or finalise", action)
	}
	if len(args) != n {
		return usageError("drill act %s takes %s, not %d", action, plural(n, "argument"), len(args))
	}
	_, d, err := resumeDrill(g, g.store(), id)
	if err != nil {
		return err
	}
	now := g.now()
	var u scenarios.Update
	switch action {
	case "pause":
		u, err = d.Pause(now)
	case "resume":
		u, err = d.Resume(now)
	case "speed":
		var x float64
		if _, perr := fmt.Sscanf(args[0], "%g", &x); perr != nil {
			return usageError("speed %q is not a number", args[0])
		}
		u, err = d.SetSpeed(now, x)
	case "skip":
		u, err = d.Skip(now)
	case "trigger":
		u, err = d.Trigger(now, args[0])
	case "decide":
		u, err = d.Decide(now, args[0], args[1])
	case "adhoc":
		u, err = d.AddAdHoc(now, scenarios.AdHoc{From: o.From, Channel: o.Channel, Title: args[0], Body: o.Body})
	case "stop":
		u, err = d.Stop(now)
	case "finalise":
		var items []scenarios.FinalisedItem
		if items, err = d.Finalise(now); err == nil {
			for _, it := range items {
				fmt.Fprintf(g.Stdout, "%s: %s → follow-up %s\n", id, it.Item, it.FollowUp)
			}
			return nil
		}
	}
	if err != nil {
		return commandError(err)
	}
	(&drillPrinter{w: g.Stdout, d: d, module: "-"}).update(u)
	return nil
}
