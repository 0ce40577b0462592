package main

import (
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// followupRow is one open follow-up across incidents.
type followupRow struct {
	Incident string    `json:"incident"`
	Scenario string    `json:"scenario,omitempty"` // --drills: the drill's scenario
	ID       string    `json:"id"`
	Owner    string    `json:"owner"`
	Due      time.Time `json:"due"`
	Overdue  bool      `json:"overdue"`
	Text     string    `json:"text"`
}

func newFollowupsCmd(g *globals) *cobra.Command {
	var format string
	var drills bool
	cmd := &cobra.Command{
		Use:   "followups [--drills] [--format table|json]",
		Short: "List open follow-up actions across all incidents, earliest due first",
		Long: `List open follow-up actions across all incidents, earliest due first.
--drills lists instead the improvement plan items of every finalised drill (each
became a follow-up of its drill incident): the improvement plan across drills.`,
		GroupID: "respond",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFollowups(g, format, drills, g.now())
		},
	}
	addFormatFlag(cmd, &format, "table", "json")
	cmd.Flags().BoolVar(&drills, "drills", false, "the drills' improvement plan items instead of real incidents' follow-ups")
	return cmd
}

func runFollowups(g *globals, format string, drills bool, now time.Time) error {
	rows := []followupRow{}
	err := g.store().Scan(func(s incident.Summary, v *incident.View) {
		if v == nil || s.Drill != drills {
			return // drills never mix with real work; an unreadable incident shows in incident list
		}
		for _, f := range v.State.OpenFollowUps() {
			rows = append(rows, followupRow{Incident: s.ID, Scenario: v.State.Labels["scenario"], ID: f.ID, Owner: f.Owner, Due: f.Due, Overdue: now.After(f.Due), Text: f.Text})
		}
	})
	if err != nil {
		return err
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Due.Before(rows[j].Due) })
	if format == "json" {
		return writeJSON(g.Stdout, rows)
	}
	if len(rows) == 0 {
		if drills {
			fmt.Fprintln(g.Stdout, "no open improvement items from drills")
		} else {
			fmt.Fprintln(g.Stdout, "no open follow-ups")
		}
		return nil
	}
	tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
	if drills {
		fmt.Fprintln(tw, "DUE\tDRILL\tSCENARIO\tID\tOWNER\tCORRECTIVE ACTION")
	} else {
		fmt.Fprintln(tw, "DUE\tINCIDENT\tID\tOWNER\tACTION")
	}
	for _, r := range rows {
		due := r.Due.Format("2006-01-02")
		if r.Overdue {
			due += " OVERDUE"
		}
		if drills {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", due, r.Incident, untrusted.Line(r.Scenario), r.ID, untrusted.Line(r.Owner), untrusted.Line(r.Text))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", due, r.Incident, r.ID, untrusted.Line(r.Owner), untrusted.Line(r.Text))
	}
	return tw.Flush()
}
