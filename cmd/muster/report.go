package main

import (
	"errors"
	"path/filepath"

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
	cmd.AddCommand(newReportLintCmd(g))
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
