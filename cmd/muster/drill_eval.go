package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/scenarios"
)

// openDrill loads drill incident id for an evaluation command.
func openDrill(g *globals, id string) (*scenarios.Drill, error) {
	_, d, err := resumeDrill(g, g.store(), id)
	return d, err
}

// resumeDrill loads drill incident id from st and resumes its engine, which writes as
// the caller.
func resumeDrill(g *globals, st *incident.Store, id string) (*incident.View, *scenarios.Drill, error) {
	v, err := loadDrill(st, id)
	if err != nil {
		return nil, nil, err
	}
	d, err := scenarios.Resume(v, &scenarios.StoreJournal{Store: st, ID: id, Actor: g.Actor})
	if err != nil {
		return nil, nil, commandError(err)
	}
	return v, d, nil
}

// loadDrill loads incident id from st; an incident that is not a drill is a usage
// error.
func loadDrill(st *incident.Store, id string) (*incident.View, error) {
	v, err := st.Load(id)
	if err != nil {
		return nil, commandError(err)
	}
	if !v.State.Drill {
		return nil, usageError("%s is not a drill", id)
	}
	return v, nil
}

type observeOptions struct {
	Objective, Task, RootCause, Recommendation, Element string
	Strength, Improvement                               bool
}

func newDrillObserveCmd(g *globals) *cobra.Command {
	var o observeOptions
	cmd := &cobra.Command{
		Use:   "observe ID TEXT --objective OBJ [--task TASK] (--strength | --improvement) [--root-cause T] [--recommendation T] [--element E]",
		Short: "Record an evaluator's observation: what was seen, for which objective or critical task, strength or area for improvement",
		Long: `Record what an evaluator saw, during the drill or after it until it is finalised.
--objective names the objective (and --task one of its critical tasks); --strength or
--improvement says which it is; an area for improvement may carry its root cause, a
recommendation (the corrective action of its improvement plan item) and the POETE
element (planning, organization, equipment, training, exercise) the action improves.
The actor (--actor) is the evaluator.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrillObserve(g, args[0], args[1], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Objective, "objective", "", "the objective the observation is about (required)")
	f.StringVar(&o.Task, "task", "", "one of the objective's critical tasks")
	f.BoolVar(&o.Strength, "strength", false, "a strength")
	f.BoolVar(&o.Improvement, "improvement", false, "an area for improvement")
	f.StringVar(&o.RootCause, "root-cause", "", "improvement: why it happened")
	f.StringVar(&o.Recommendation, "recommendation", "", "improvement: the corrective action")
	f.StringVar(&o.Element, "element", "", "improvement: POETE element of the corrective action")
	return cmd
}

func runDrillObserve(g *globals, id, text string, o observeOptions) error {
	kind := ""
	switch {
	case o.Strength && o.Improvement:
		return usageError("--strength or --improvement, not both")
	case o.Strength:
		kind = scenarios.Strength
	case o.Improvement:
		kind = scenarios.Improvement
	default:
		return usageError("say --strength or --improvement")
	}
	if o.Objective == "" {
		return usageError("--objective is required")
	}
	d, err := openDrill(g, id)
	if err != nil {
		return err
	}
	if _, err := d.Observe(g.now(), scenarios.ObservationPayload{Objective: o.Objective, Task: o.Task, Kind: kind, Text: text,
		RootCause: o.RootCause, Recommendation: o.Recommendation, Element: o.Element}); err != nil {
		return commandError(err)
	}
	obs := d.Observations()
	fmt.Fprintf(g.Stdout, "%s: observation %s recorded\n", id, obs[len(obs)-1].ID)
	return nil
}

func newDrillRateCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "rate ID OBJECTIVE[/TASK] P|S|M|U --reason TEXT",
		Short: "Rate an objective or a critical task as an evaluator, overriding muster's rating (a reason is required)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			obj, task, _ := strings.Cut(args[1], "/")
			d, err := openDrill(g, args[0])
			if err != nil {
				return err
			}
			if _, err := d.Rate(g.now(), obj, task, args[2], reason); err != nil {
				return commandError(err)
			}
			fmt.Fprintf(g.Stdout, "%s: %s rated %s\n", args[0], args[1], strings.ToUpper(args[2]))
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func newDrillHotWashCmd(g *globals) *cobra.Command {
	var participant string
	cmd := &cobra.Command{
		Use:   "hotwash ID QUESTION ANSWER --participant WHO",
		Short: "Record a participant's answer to a hot wash question (1, 2, ...) once the drill has ended",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				return usageError("question %q is not a number (1, 2, ...)", args[1])
			}
			if participant == "" {
				return usageError("--participant is required")
			}
			d, err := openDrill(g, args[0])
			if err != nil {
				return err
			}
			if _, err := d.HotWash(g.now(), participant, n, args[2]); err != nil {
				return commandError(err)
			}
			fmt.Fprintf(g.Stdout, "%s: hot wash answer %d of %s recorded\n", args[0], n, participant)
			return nil
		},
	}
	cmd.Flags().StringVar(&participant, "participant", "", "who answers (required)")
	return cmd
}

func newDrillDiscussCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "discuss ID MODULE QUESTION ANSWER",
		Short: "Record the room's answer to a module's discussion question (1, 2, ...)",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[2])
			if err != nil {
				return usageError("question %q is not a number (1, 2, ...)", args[2])
			}
			d, err := openDrill(g, args[0])
			if err != nil {
				return err
			}
			if _, err := d.Discuss(g.now(), args[1], n, args[3]); err != nil {
				return commandError(err)
			}
			fmt.Fprintf(g.Stdout, "%s: answer to %s question %d recorded\n", args[0], args[1], n)
			return nil
		},
	}
}

func newDrillAARCmd(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "draft ID [--force]",
		Short: "Write the after-action report's editable draft (executive summary, improvement plan items) into the drill's directory",
		Long: `Write aar-draft.toml into the drill incident's directory with the executive summary
to write and every improvement plan item with muster's values: its corrective action,
POETE element, primary responsible organisation, point of contact, owner, start and
completion date. Edit it; muster incident report ID reads it (a problem in it is
reported with its line and column), and muster drill act ID finalise makes the edited
items follow-ups. --force replaces a draft already there.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := loadDrill(g.store(), args[0])
			if err != nil {
				return err
			}
			path := filepath.Join(v.Dir, scenarios.DraftFile)
			if _, err := os.Stat(path); err == nil && !force {
				return usageError("%s exists: edit it, or --force to start again", path)
			}
			a, err := scenarios.BuildAAR(v, g.now())
			if err != nil {
				return commandError(err)
			}
			if err := os.WriteFile(path, scenarios.DraftTOML(a), 0o600); err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace the draft already there")
	return cmd
}

// newDrillAARViewCmd prints a drill's AAR/IP alone: Markdown, JSON, or a print-ready
// HTML page (handling marking and page number on every printed page).
func newDrillAARViewCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "aar ID [--format md|json|html]",
		Short: "Print the drill's after-action report and improvement plan (HSEEP AAR/IP); html is print-ready",
		Long: `Print the after-action report and improvement plan of a drill: the same section
muster incident report adds, alone. --format html writes one self-contained, print-ready
page (A4, the handling marking top and bottom of every page, the improvement plan on
landscape pages); make a PDF of it with headless Chromium:

  muster drill aar ID --format html > aar.html
  chromium --headless --no-sandbox --no-pdf-header-footer --print-to-pdf=aar.pdf aar.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := loadDrill(g.store(), args[0])
			if err != nil {
				return err
			}
			a, err := scenarios.BuildAAR(v, g.now())
			if err != nil {
				return commandError(err)
			}
			switch format {
			case "json":
				return writeJSON(g.Stdout, a)
			case "html":
				b, err := a.HTML()
				if err != nil {
					return err
				}
				_, err = g.Stdout.Write(b)
				return err
			}
			_, err = io.WriteString(g.Stdout, a.Markdown())
			return err
		},
	}
	addFormatFlag(cmd, &format, "md", "json", "html")
	return cmd
}
