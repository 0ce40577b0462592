package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
)

type impactOptions struct {
	Window, Service, Level, Start, End, Note string
	Withdraw                                 bool
}

func newIncidentImpactCmd(g *globals) *cobra.Command {
	var o impactOptions
	cmd := &cobra.Command{
		Use:   "impact ID --service NAME --start TIME [--end TIME] [--level full|partial] [--note TEXT] | impact ID --window W [--start TIME] [--end TIME] [--level L] [--note TEXT] [--withdraw]",
		Short: "Record an outage window of a service (from the metrics), or correct one with --window",
		Long: `Record when a service was down, as the metrics show it: the first minute of failure is
the start. Times are RFC 3339 with their zone (2026-11-27T09:58:00+01:00 or ...Z) or
"now"; they are kept in UTC. Each window gets an id (W1, W2, ...): correct it later with
--window W1 and the fields that change (the journal keeps both records), or take it back
with --window W1 --withdraw. A window without an end keeps the incident from closing.
With <data dir>/services.toml, the service must be one it names.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIncidentImpact(g, args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Service, "service", "", "the service that was down (a name in services.toml)")
	f.StringVar(&o.Start, "start", "", "first minute of failure, RFC 3339 with zone, or now")
	f.StringVar(&o.End, "end", "", "when the service was back, RFC 3339 with zone, or now (omit while it is still down)")
	addEnumFlag(cmd, &o.Level, "level", "", "full or partial outage (a new window: full)", incident.ImpactFull, incident.ImpactPartial)
	f.StringVar(&o.Note, "note", "", "where the times come from")
	f.StringVar(&o.Window, "window", "", "correct this window (W1, W2, ...) instead of recording a new one")
	f.BoolVar(&o.Withdraw, "withdraw", false, "with --window: the window was recorded by mistake and no longer counts")
	return cmd
}

func runIncidentImpact(g *globals, id string, o impactOptions) error {
	now := g.now()
	start, err := parseInstant(o.Start, now)
	if err != nil {
		return usageError("--start: %v", err)
	}
	end, err := parseInstant(o.End, now)
	if err != nil {
		return usageError("--end: %v", err)
	}
	opts := incident.ImpactOptions{Window: o.Window, Service: o.Service, Level: o.Level, Start: start, End: end, Note: o.Note, Withdraw: o.Withdraw}
	svc, err := incident.DefaultServices(g.DataDir)
	if err != nil {
		return commandError(err)
	}
	if svc != nil {
		opts.Services = svc.Names()
	}
	return withIncident(g, id, func(inc *incident.Incident) error {
		w, err := inc.RecordImpact(opts)
		if err != nil {
			return err
		}
		what := "outage " + w + " recorded"
		switch {
		case o.Withdraw:
			what = "outage " + w + " withdrawn"
		case o.Window != "":
			what = "outage " + w + " corrected"
		}
		saved(g, inc, what)
		return nil
	})
}

// parseInstant reads a time given on the command line (see incident.ParseInstant).
func parseInstant(s string, now time.Time) (time.Time, error) { return incident.ParseInstant(s, now) }
