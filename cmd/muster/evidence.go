package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/untrusted"
)

func newEvidenceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "evidence",
		Short:   "Prove an incident's journal and attachments were not altered; export them",
		GroupID: "verify",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify ID",
		Short: "Recompute the hash chain and every attachment's hash; exit 1 on any problem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvidenceVerify(g, args[0])
		},
	}, &cobra.Command{
		Use:   "export ID DIR",
		Short: "Write the journal, attachments, report and a SHA256SUMS file to DIR",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvidenceExport(g, args[0], args[1])
		},
	})
	return cmd
}

func runEvidenceVerify(g *globals, id string) error {
	dir, err := g.store().Locate(id)
	if err != nil {
		return commandError(err)
	}
	rep, err := incident.Verify(dir) // the chain, the attachments and every payload
	if err != nil {
		return commandError(err)
	}
	for _, r := range rep.Recovered {
		fmt.Fprintf(g.Stdout, "note: line %d (seq %d): a torn write of %d bytes was recovered at open and kept in %s\n", r.Line, r.Seq, r.Bytes, untrusted.Line(r.File))
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(g.Stdout, untrusted.Line(p.String()))
		}
		if rep.Omitted > 0 {
			fmt.Fprintf(g.Stdout, "... and %d more problems\n", rep.Omitted)
		}
		return checkFailed(fmt.Errorf("%s: verification FAILED: %s", id, untrusted.Line(rep.Summary())))
	}
	fmt.Fprintln(g.Stdout, untrusted.Line(rep.Summary()))
	return nil
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
