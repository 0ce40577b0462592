package main

import (
	"context"
	"fmt"
	"path/filepath"

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
	cmd.AddCommand(newEvidenceVerifyCmd(g), newEvidenceHeadCmd(g), newEvidenceTimestampCmd(g), &cobra.Command{
		Use:   "export ID DIR",
		Short: "Write the journal, attachments, report and a SHA256SUMS file to DIR",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvidenceExport(cmd.Context(), g, args[0], args[1])
		},
	})
	return cmd
}

func runEvidenceExport(ctx context.Context, g *globals, id, dir string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := g.fetchAttachments(id, true); err != nil {
		return err
	}
	v, err := g.store().Load(id)
	if err != nil {
		return commandError(err)
	}
	integrity, err := g.integrity(ctx, v.Dir)
	if err != nil {
		return err
	}
	md, err := renderReportWith(v, "md", g.now(), integrity)
	if err != nil {
		return err
	}
	js, err := renderReportWith(v, "json", g.now(), integrity)
	if err != nil {
		return err
	}
	opts := journal.ExportOptions{Extra: map[string][]byte{"report.md": md, "report.json": js}}
	g.evidenceFiles(integrity, opts.Extra)
	sign, err := g.fileSigner()
	if err != nil {
		return err
	}
	opts.SignSums, opts.Context = sign, ctx
	if err := journal.ExportWith(v.Dir, dir, opts); err != nil {
		return commandError(err)
	}
	fmt.Fprintf(g.Stdout, "%s exported to %s; check it with: (cd %s && sha256sum -c SHA256SUMS)\n", filepath.Base(v.Dir), untrusted.Line(dir), untrusted.Line(dir))
	if sign != nil {
		fmt.Fprintf(g.Stdout, "and its signature with: ssh-keygen -Y verify -f ALLOWED_SIGNERS -I PRINCIPAL -n file -s %s < %s\n",
			untrusted.Line(filepath.Join(dir, journal.SumsSigName)), untrusted.Line(filepath.Join(dir, journal.SumsName)))
	}
	return nil
}
