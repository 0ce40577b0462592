package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/tomldoc"
)

func newReportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "report",
		Short:   "Availability and SLA reports over every incident's journal; check services.toml",
		GroupID: "verify",
	}
	cmd.AddCommand(newReportAvailabilityCmd(g), newReportSLACmd(g), newReportLintCmd(g))
	return cmd
}

func newReportLintCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "lint [FILE...]",
		Short: "Check services configs (default <data dir>/services.toml): every problem as file:line:col, exit 1",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{filepath.Join(g.DataDir, incident.ServicesFile)}
			}
			return lintFiles(g, args, "services config", func(path string) (string, tomldoc.Problems) {
				_, err := incident.LoadServices(path)
				var ps tomldoc.Problems
				switch {
				case err == nil:
					return "", nil
				case errors.As(err, &ps):
					return "", ps
				}
				return "", tomldoc.Problems{{File: path, Msg: err.Error()}}
			})
		},
	}
}

type availabilityOptions struct {
	Service, Period, Year, Format, Output string
}

func newReportAvailabilityCmd(g *globals) *cobra.Command {
	var o availabilityOptions
	cmd := &cobra.Command{
		Use:   "availability [--service S] [--period 2026-11 | --year 2026] [--format F] [--output FILE]",
		Short: "Availability per service and month from the outage windows in the journals: budget, missed commitments, penalties, claim deadlines",
		Long: `Measure each service of <data dir>/services.toml against its target, from the outage
windows recorded with "muster incident impact" (drills never count). Overlapping windows
count once, windows across month ends are split, partial outages count with the service's
partial_weight, planned maintenance does not count, an ongoing outage counts until now.
Months are those of the severity policy's calendar time zone; the last day to claim a
penalty is counted in working days on that calendar. The table draws each month against
the target; md and html embed an SVG chart (html is a standalone page).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runReportAvailability(g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Service, "service", "", "one service (default: every service)")
	f.StringVar(&o.Period, "period", "", "a month, YYYY-MM (default: this month)")
	f.StringVar(&o.Year, "year", "", "a year, YYYY: its months and the annual figure")
	addFormatFlag(cmd, &o.Format, "table", "json", "md", "html")
	f.StringVarP(&o.Output, "output", "o", "", "write to FILE instead of standard output (a .html name implies --format html)")
	return cmd
}

func runReportAvailability(g *globals, o availabilityOptions) error {
	now := g.now()
	q := incident.AvailabilityQuery{Service: o.Service, Now: now}
	switch {
	case o.Period != "" && o.Year != "":
		return usageError("give --period or --year, not both")
	case o.Period != "":
		m, err := time.Parse("2006-01", o.Period)
		if err != nil {
			return usageError("--period %q: want a month, YYYY-MM", o.Period)
		}
		q.Month = m
	case o.Year != "":
		y, err := strconv.Atoi(o.Year)
		if err != nil || y < 1970 || y > 9999 {
			return usageError("--year %q: want a year, YYYY", o.Year)
		}
		q.Year = y
	}
	format := o.Format
	if strings.HasSuffix(strings.ToLower(o.Output), ".html") && format == "table" {
		format = "html"
	}
	svc, err := incident.DefaultServices(g.DataDir)
	if err != nil {
		var ps tomldoc.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(g.Stderr, p.String())
			}
			return &exitError{code: 2, err: fmt.Errorf("%s has %s", incident.ServicesFile, plural(len(ps), "problem"))}
		}
		return commandError(err)
	}
	if svc == nil {
		return &exitError{code: 2, err: fmt.Errorf("no services config: write %s (see README: Services)", filepath.Join(g.DataDir, incident.ServicesFile))}
	}
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	facts, _, err := g.store().AllFacts()
	if err != nil {
		return commandError(err)
	}
	r, err := incident.BuildAvailability(facts, svc, pol, q)
	if err != nil {
		return usageError("%v", err)
	}
	var data []byte
	switch format {
	case "json":
		data, err = r.JSON()
	case "md":
		data = []byte(r.Markdown())
	case "html":
		data, err = r.HTML()
	default:
		data = []byte(r.Table())
	}
	if err != nil {
		return err
	}
	return writeOut(g, o.Output, data)
}

func writeOut(g *globals, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := g.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return &exitError{code: 2, err: err}
	}
	return nil
}

type slaOptions struct {
	Since, Until, Severity, Format, Output string
	Drills                                 bool
}

func newReportSLACmd(g *globals) *cobra.Command {
	var o slaOptions
	cmd := &cobra.Command{
		Use:   "sla [--since DATE] [--until DATE] [--severity LEVEL] [--drills] [--format F] [--output FILE]",
		Short: "Per severity: respond-by and resolve-by met, time to acknowledge and to resolve, escalations, updates on time",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runReportSLA(g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Since, "since", "", "incidents opened on or after DATE (YYYY-MM-DD, UTC) or an RFC 3339 time")
	f.StringVar(&o.Until, "until", "", "incidents opened before DATE (YYYY-MM-DD, UTC) or an RFC 3339 time")
	f.StringVar(&o.Severity, "severity", "", "one severity level")
	f.BoolVar(&o.Drills, "drills", false, "count drills too")
	addFormatFlag(cmd, &o.Format, "table", "json", "md")
	f.StringVarP(&o.Output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return parseInstant(s, time.Time{})
}

func runReportSLA(g *globals, o slaOptions) error {
	since, err := parseDay(o.Since)
	if err != nil {
		return usageError("--since: %v", err)
	}
	until, err := parseDay(o.Until)
	if err != nil {
		return usageError("--until: %v", err)
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return usageError("--until %s is not after --since %s", o.Until, o.Since)
	}
	pol, err := g.loadPolicy()
	if err != nil {
		return err
	}
	if o.Severity != "" {
		if _, ok := pol.Level(o.Severity); !ok {
			return usageError("--severity %q: the %s policy has %s", o.Severity, pol.Name, strings.Join(pol.LevelNames(), ", "))
		}
	}
	facts, _, err := g.store().AllFacts()
	if err != nil {
		return commandError(err)
	}
	r := incident.BuildSLAReport(facts, pol.LevelNames(), incident.SLAQuery{Since: since, Until: until, Severity: o.Severity, Drills: o.Drills, Now: g.now()})
	var data []byte
	switch o.Format {
	case "json":
		data, err = r.JSON()
	case "md":
		data = []byte(r.Markdown())
	default:
		data = []byte(r.Table())
	}
	if err != nil {
		return err
	}
	return writeOut(g, o.Output, data)
}
