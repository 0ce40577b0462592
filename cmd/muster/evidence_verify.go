package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/untrusted"
)

type verifyOptions struct {
	ID             string
	AllowedSigners string
	RequireSigned  bool
	Expect         []string
	Remote         bool
	TSACA          string
}

func newEvidenceVerifyCmd(g *globals) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify ID",
		Short: "Recompute the hash chain, every attachment's hash and every signature; exit 1 on any problem",
		Long: `Recompute the hash chain and every attachment's hash, and check the lines'
signatures against an OpenSSH allowed_signers file (--allowed-signers, or [signing]
allowed_signers in <data dir>/config.toml): who signed which lines, which lines are
unsigned, bad signatures and lines whose actor is not their key's principal.

Exit codes: 0 intact, 1 a problem was found, 2 verify could not run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			return runEvidenceVerify(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringVar(&o.AllowedSigners, "allowed-signers", "", "OpenSSH allowed_signers file to check signatures against (default [signing] allowed_signers)")
	cmd.Flags().StringArrayVar(&o.Expect, "expect", nil, "a published head (the line evidence head printed, SEQ:HASH, or @FILE) the journal must still hold; repeatable")
	cmd.Flags().BoolVar(&o.Remote, "remote", false, "also check the team store's chain of the incident and that this machine's copy is the same chain")
	cmd.Flags().StringVar(&o.TSACA, "tsa-ca", "", "PEM file of the CA a timestamp's TSA must chain to (default [timestamp] ca_file)")
	cmd.Flags().BoolVar(&o.RequireSigned, "require-signed", false, "every line must carry a valid signature (default [signing] require_signed)")
	return cmd
}

func runEvidenceVerify(ctx context.Context, g *globals, o verifyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := g.settings()
	if err != nil {
		return err
	}
	if o.AllowedSigners == "" {
		o.AllowedSigners = cfg.Signing.AllowedSigners
	}
	o.RequireSigned = o.RequireSigned || cfg.Signing.RequireSigned
	dir, err := g.store().Locate(o.ID)
	if err != nil {
		return commandError(err)
	}
	var opts journal.VerifyOptions
	opts.RequireSigned = o.RequireSigned
	if opts.Expect, err = parseExpects(o.Expect); err != nil {
		return err
	}
	if o.TSACA == "" {
		o.TSACA = cfg.Timestamp.CAFile
	}
	if o.TSACA != "" {
		if opts.TimestampRoots, err = journal.LoadCAFile(o.TSACA); err != nil {
			return &exitError{code: 2, err: err}
		}
	}
	var as *sshsig.AllowedSigners
	if o.AllowedSigners != "" {
		if as, err = sshsig.ReadAllowedSigners(o.AllowedSigners); err != nil {
			return &exitError{code: 2, err: err}
		}
		opts.Signatures = as
	} else if o.RequireSigned {
		return usageError("--require-signed needs an allowed_signers file (--allowed-signers or [signing] allowed_signers)")
	}
	_ = g.fetchAttachments(o.ID, false)             // a team incident's blobs a colleague attached
	g.syncSignatures(o.ID)                          // and the signatures of its lines
	rep, err := incident.VerifyWith(ctx, dir, opts) // the chain, attachments, payloads, signatures, heads
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return &exitError{code: 130, err: fmt.Errorf("%s: verify interrupted; nothing was checked to the end", o.ID)}
		}
		return commandError(err)
	}
	for _, r := range rep.Recovered {
		fmt.Fprintf(g.Stdout, "note: line %d (seq %d): a torn write of %d bytes was recovered at open and kept in %s\n", r.Line, r.Seq, r.Bytes, untrusted.Line(r.File))
	}
	printSignatures(g, rep)
	printTimestamps(g, rep)
	headsOK := printHeads(g, opts.Expect, rep, as)
	var remoteErr error
	if o.Remote {
		remoteErr = g.verifyRemote(ctx, o.ID, dir)
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(g.Stdout, untrusted.Line(p.String()))
		}
		if rep.Omitted > 0 {
			fmt.Fprintf(g.Stdout, "... and %d more problems\n", rep.Omitted)
		}
		return checkFailed(fmt.Errorf("%s: verification FAILED: %s", o.ID, untrusted.Line(rep.Summary())))
	}
	if !headsOK {
		return checkFailed(fmt.Errorf("%s: verification FAILED: a published head's signature is bad", o.ID))
	}
	fmt.Fprintln(g.Stdout, untrusted.Line(rep.Summary()))
	return remoteErr
}

// printSignatures says who signed what and which lines nobody signed.
func printSignatures(g *globals, rep journal.Report) {
	if !rep.SignaturesChecked {
		if rep.Signatures > 0 {
			fmt.Fprintf(g.Stdout, "signatures: %d in %s, not checked (give --allowed-signers)\n", rep.Signatures, journal.SigName)
		}
		return
	}
	for _, s := range rep.Signers {
		fmt.Fprintf(g.Stdout, "signed by %s: %s\n", untrusted.Line(s.Principal), plural(s.Lines, "line"))
	}
	if n := rep.UnsignedCount(); n > 0 {
		ranges := make([]string, 0, len(rep.Unsigned))
		for i, u := range rep.Unsigned {
			if i == 20 {
				ranges = append(ranges, fmt.Sprintf("... (%d ranges)", len(rep.Unsigned)))
				break
			}
			ranges = append(ranges, u.String())
		}
		fmt.Fprintf(g.Stdout, "unsigned: %s (%s)\n", plural(n, "line"), strings.Join(ranges, ", "))
	}
}

// printTimestamps lists the stored RFC 3161 timestamps that hold.
func printTimestamps(g *globals, rep journal.Report) {
	for _, ts := range rep.Timestamps {
		if !ts.OK {
			continue // a problem, printed with the others
		}
		trust := "TSA trusted through the CA file"
		if ts.Trusted != "yes" {
			trust = "TSA not checked against a CA: unknown (give --tsa-ca or [timestamp] ca_file)"
		}
		fmt.Fprintf(g.Stdout, "timestamped: seq %d at %s by %s (%s; %s)\n", ts.Seq, ts.Time.Format(time.RFC3339),
			untrusted.Line(ts.TSA), ts.File, trust)
	}
}
