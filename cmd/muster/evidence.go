package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

func newEvidenceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "evidence",
		Short:   "Prove an incident's journal and attachments were not altered; export them",
		GroupID: "verify",
	}
	cmd.AddCommand(newEvidenceVerifyCmd(g), newEvidenceHeadCmd(g), &cobra.Command{
		Use:   "export ID DIR",
		Short: "Write the journal, attachments, report and a SHA256SUMS file to DIR",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvidenceExport(g, args[0], args[1])
		},
	})
	return cmd
}

func runEvidenceExport(g *globals, id, dir string) error {
	v, err := g.store().Load(id)
	if err != nil {
		return commandError(err)
	}
	md, err := renderReport(v, "md", g.now())
	if err != nil {
		return err
	}
	js, err := renderReport(v, "json", g.now())
	if err != nil {
		return err
	}
	if err := journal.Export(v.Dir, dir, map[string][]byte{"report.md": md, "report.json": js}); err != nil {
		return commandError(err)
	}
	fmt.Fprintf(g.Stdout, "%s exported to %s; check it with: (cd %s && sha256sum -c SHA256SUMS)\n", id, untrusted.Line(dir), untrusted.Line(dir))
	return nil
}
