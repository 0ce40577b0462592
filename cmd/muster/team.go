package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/team"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// openTeam reaches the team store named by --store or MUSTER_STORE, once per command
// line; without one muster stays local.
func (g *globals) openTeam(ctx context.Context) error {
	if g.team != nil {
		return nil
	}
	cfg, cfgErr := g.settings()
	if g.StoreURL == "" && !g.storeFlagSet && cfgErr == nil {
		g.StoreURL = cfg.Team.Store
	}
	if g.StoreURL == "" {
		return nil
	}
	if cfgErr != nil {
		// The retention to write cannot be known: writing evidence without it
		// would be silently weaker than configured.
		return cfgErr
	}
	if err := g.storeWaitFromEnv(g.storeWaitSet); err != nil {
		return err // read only with a store: a local command does not need it
	}
	s, err := team.Open(ctx, g.StoreURL, team.WithRetention(team.Retention{Mode: cfg.Team.RetentionMode, Days: cfg.Team.RetentionDays}),
		team.WithAnswerWait(g.StoreWait))
	if err != nil {
		return usageError("%v", err)
	}
	g.team, g.ctx = s, ctx
	return nil
}

// storeWaitFromEnv reads MUSTER_STORE_WAIT when --store-wait is not given.
func (g *globals) storeWaitFromEnv(flagSet bool) error {
	v, ok := os.LookupEnv("MUSTER_STORE_WAIT")
	if flagSet || !ok || v == "" {
		return g.checkStoreWait("--store-wait")
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return usageError("MUSTER_STORE_WAIT=%q: want a duration such as 10s or 1m", untrusted.Line(v))
	}
	g.StoreWait = d
	return g.checkStoreWait("MUSTER_STORE_WAIT")
}

func (g *globals) checkStoreWait(from string) error {
	if g.StoreWait <= 0 {
		return usageError("%s %s: want a duration above 0, such as 10s", from, g.StoreWait)
	}
	return nil
}

// queuedLine says that an event was saved on this machine and not shared, and why;
// a store that never answered is said as such, without the request around it.
func queuedLine(g *globals, pending int, cause error) string {
	var na *team.NoAnswerError
	if errors.As(cause, &na) {
		return fmt.Sprintf("%s did not answer within %s: saved on this machine, queued offline, not yet shared: %d (muster team sync shares it)", g.team, na.Wait, pending)
	}
	return fmt.Sprintf("queued offline, not yet shared: %d (%s)", pending, untrusted.Line(cause.Error()))
}

func newTeamCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "team",
		Short:   "The team store: one journal shared by responders on different machines (S3)",
		GroupID: "respond",
	}
	cmd.AddCommand(newTeamDoctorCmd(g), newTeamSyncCmd(g))
	return cmd
}

func (g *globals) needTeam() (*team.Store, error) {
	if g.team == nil {
		return nil, usageError("no team store: give --store s3://bucket/prefix or set MUSTER_STORE")
	}
	return g.team, nil
}

func newTeamDoctorCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the team store's bucket: reachable, versioning, Object Lock, encryption, public access, conditional writes, IAM actions",
		Long: `Check the team store's bucket and say what is wrong in words.

Exit codes: 0 every check ok (warnings allowed), 1 a check failed, 2 the store could
not be reached or a check could not run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.needTeam()
			if err != nil {
				return err
			}
			d := s.Doctor(cmd.Context())
			if format == "json" {
				if err := writeJSON(g.Stdout, d); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(g.Stdout, "team store %s\n", d.Store)
				tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
				for _, c := range d.Checks {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Verdict, c.Name, untrusted.Line(c.Detail))
				}
				tw.Flush()
				if missing := d.MissingActions(); len(missing) > 0 {
					fmt.Fprintf(g.Stdout, "missing IAM actions: %s\n", strings.Join(missing, ", "))
				}
			}
			switch d.Worst() {
			case team.Fail:
				if len(d.Checks) == 1 {
					return &exitError{code: 2}
				}
				return &exitError{code: 1}
			case team.Unknown:
				return &exitError{code: 2}
			}
			return nil
		},
	}
	addFormatFlag(cmd, &format, "table", "json")
	return cmd
}

func newTeamSyncCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "sync",
		Short: "Bring this machine's copies of the team's incidents up to date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := g.needTeam(); err != nil {
				return err
			}
			return g.syncTeam(true)
		},
	}
}

// syncTeam brings the local mirrors up to date; an incident that cannot be synced is
// named on stderr, never hidden.
func (g *globals) syncTeam(verbose bool) error {
	if g.team == nil {
		return nil
	}
	failed, err := g.store().Sync()
	if err != nil {
		return fmt.Errorf("team store %s: %w", g.team, err)
	}
	ids := make([]string, 0, len(failed))
	for id := range failed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(g.Stderr, "warning: incident %s in %s: %s\n", untrusted.Line(id), g.team, untrusted.Line(failed[id].Error()))
	}
	published := g.flushOutboxes()
	if entries, err := os.ReadDir(filepath.Join(g.DataDir, "incidents")); err == nil {
		for _, e := range entries {
			if e.IsDir() && e.Name()[0] != '.' {
				g.syncSignatures(e.Name()) // presence.go; nothing for a local incident
			}
		}
	}
	if verbose {
		fmt.Fprintf(g.Stdout, "synced with %s (%d could not be); published %s\n", g.team, len(failed), plural(published, "queued event"))
	}
	return nil
}

// flushOutboxes publishes what waits in the outbox of every team incident here.
func (g *globals) flushOutboxes() int {
	st := g.store()
	entries, _ := os.ReadDir(filepath.Join(g.DataDir, "incidents"))
	n := 0
	for _, e := range entries {
		if !e.IsDir() || incident.Pending(st.Dir(e.Name())) == 0 {
			continue
		}
		inc, err := st.OpenForCommand(e.Name(), g.Actor)
		if err != nil {
			fmt.Fprintf(g.Stderr, "warning: %s: %s\n", untrusted.Line(e.Name()), untrusted.Line(err.Error()))
			continue
		}
		f, err := inc.Flush()
		if err != nil {
			fmt.Fprintf(g.Stderr, "warning: %s: %s\n", inc.ID, untrusted.Line(err.Error()))
		}
		if f.Pending > 0 {
			fmt.Fprintf(g.Stderr, "%s: still queued offline, not yet shared: %d\n", inc.ID, f.Pending)
		}
		n += f.Published
		reportRefused(g, inc)
		inc.Close()
	}
	return n
}

func newIncidentWatchCmd(g *globals) *cobra.Command {
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "watch ID",
		Short: "Follow an incident live, one line per event, like tail -f (Ctrl+C to stop)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentWatch(cmd.Context(), g, strings.ToUpper(args[0]), every)
		},
	}
	cmd.Flags().DurationVar(&every, "every", time.Second, "how often to look for new events")
	return cmd
}

// runIncidentWatch prints every event of the incident, then each new one as it arrives
// (from the team store when one is configured, else from the local journal).
func runIncidentWatch(ctx context.Context, g *globals, id string, every time.Duration) error {
	st := g.store()
	var last uint64
	t := time.NewTicker(max(every, 100*time.Millisecond))
	defer t.Stop()
	var beatAt time.Time // presence.go: colleagues' screens show who watches
	var beatWarned bool
	defer leavePresence(ctx, g, id)
	for {
		if err := st.SyncIncident(id); err != nil {
			fmt.Fprintf(g.Stderr, "warning: %s: %s (showing what this machine has)\n", g.team, untrusted.Line(err.Error()))
		}
		v, err := st.Load(id)
		if err != nil {
			return commandError(err)
		}
		for _, e := range v.Events {
			if e.Seq <= last {
				continue
			}
			printWatched(g, e)
			last = e.Seq
		}
		beatAt = watchPresence(g, st, id, beatAt, &beatWarned)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func printWatched(g *globals, e journal.Event) {
	fmt.Fprintf(g.Stdout, "%s  %5d  %-22s %s\n", e.Time.UTC().Format("2006-01-02 15:04:05Z"), e.Seq,
		untrusted.Line(e.Actor), untrusted.Line(incident.Describe(e)))
}

// load reads an incident for show and report: a team incident is first brought up to
// date from the store (offline, what this machine has is shown, with a warning).
func (g *globals) load(id string) (*incident.View, error) {
	st := g.store()
	if g.team != nil {
		if err := st.SyncIncident(id); err != nil {
			fmt.Fprintf(g.Stderr, "warning: %s: %s (showing what this machine has)\n", g.team, untrusted.Line(err.Error()))
		}
	}
	return st.Load(id)
}

// reportRefused names the queued events that no longer applied when this command
// published the outbox (they are kept in outbox-refused.jsonl).
func reportRefused(g *globals, inc *incident.Incident) {
	qs := inc.Flushed.Refused
	if len(qs) == 0 {
		return
	}
	fmt.Fprintf(g.Stderr, "warning: %s queued offline no longer applied and were not shared (kept in %s):\n", plural(len(qs), "event"), incident.RefusedFile)
	for _, q := range qs {
		fmt.Fprintf(g.Stderr, "  %s %s by %s: %s\n", q.QueuedAt.Format("2006-01-02 15:04:05Z"), q.Type, untrusted.Line(q.Actor), untrusted.Line(q.Refused))
	}
}

// verifyRemote is evidence verify --remote: the team store's chain of the incident,
// the local copy compared with it line by line, and every event object written more
// than once. Problems print like verify's; a failure is exit 1.
func (g *globals) verifyRemote(ctx context.Context, id, dir string) error {
	s, err := g.needTeam()
	if err != nil {
		return err
	}
	r, err := s.VerifyRemote(ctx, id, dir)
	if err != nil {
		return commandError(err)
	}
	for _, p := range r.Problems {
		fmt.Fprintln(g.Stdout, "remote: "+untrusted.Line(p.String()))
	}
	if r.Behind > 0 {
		fmt.Fprintf(g.Stdout, "remote: this machine's copy is %s behind %s (muster team sync brings them)\n", plural(r.Behind, "line"), r.Store)
	}
	if !r.OK() {
		return checkFailed(fmt.Errorf("%s: verification against %s FAILED: %s", id, r.Store, plural(len(r.Problems), "problem")))
	}
	fmt.Fprintf(g.Stdout, "remote: %s in %s form one chain; the local copy is the same chain\n", plural(r.StoreLines, "line"), r.Store)
	if r.Signatures > 0 {
		fmt.Fprintf(g.Stdout, "remote: %s in %s, each of its line and in this machine's journal.sigs\n", plural(r.Signatures, "signature"), r.Store)
	}
	if r.Attachments > 0 {
		fmt.Fprintf(g.Stdout, "remote: %s in %s, each with the SHA-256 its line names\n", plural(r.Attachments, "attachment"), r.Store)
	}
	return nil
}
