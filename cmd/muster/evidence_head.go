package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/journal/sshsig"
	"github.com/muster-ir/muster/runbook/untrusted"
)

func newEvidenceHeadCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "head ID",
		Short: "Print the journal's head, one line to publish outside the incident (signed when a key is configured)",
		Long: `Verify the journal and print its head: the incident id, the last line's seq,
hash and time, and an SSH signature (namespace muster-head) when a signing key is
configured. Paste it into the incident channel, a ticket or an e-mail; later,
muster evidence verify ID --expect 'LINE' proves the journal still holds that exact
prefix.

Exit codes: 0 printed, 1 the journal does not verify, 2 the command could not run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvidenceHead(cmd.Context(), g, args[0])
		},
	}
}

func runEvidenceHead(ctx context.Context, g *globals, id string) error {
	dir, err := g.store().Locate(id)
	if err != nil {
		return commandError(err)
	}
	h, rep, err := journal.CurrentHead(ctx, dir)
	switch {
	case err != nil && !rep.OK():
		return checkFailed(errors.New(untrusted.Line(err.Error())))
	case err != nil:
		return commandError(err)
	}
	if h.Sig, err = g.signHead(h); err != nil {
		return err
	}
	fmt.Fprintln(g.Stdout, h.String())
	return nil
}

// signHead signs a head's message with the configured key, or returns nil when no
// key is configured.
func (g *globals) signHead(h journal.Head) ([]byte, error) {
	if err := g.signingReady(); err != nil {
		return nil, err
	}
	if g.lineSigner() == nil {
		return nil, nil
	}
	k, _ := g.signer.load()
	sig, err := sshsig.Sign(k.Signer, sshsig.NamespaceHead, []byte(h.Message()))
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return sig, nil
}

// parseExpects reads --expect values: a head line, SEQ:HASH, or @FILE holding a line.
func parseExpects(vals []string) ([]journal.Head, error) {
	var heads []journal.Head
	for _, v := range vals {
		var h journal.Head
		var err error
		if path, ok := strings.CutPrefix(v, "@"); ok {
			h, err = journal.HeadFromFile(path)
		} else {
			h, err = journal.ParseHead(v)
		}
		if err != nil {
			return nil, usageError("--expect: %s", untrusted.Line(err.Error()))
		}
		heads = append(heads, h)
	}
	return heads, nil
}

// printHeads says which published heads the journal holds and who signed them; it
// returns false when a head's signature is bad.
func printHeads(g *globals, heads []journal.Head, rep journal.Report, as *sshsig.AllowedSigners) bool {
	ok := true
	for _, h := range heads {
		matched := false
		for _, s := range rep.HeadsMatched {
			matched = matched || s == h.Seq
		}
		if !matched {
			continue
		}
		who := "unsigned"
		switch {
		case len(h.Sig) > 0 && as == nil:
			who = "signature not checked (give --allowed-signers)"
		case len(h.Sig) > 0:
			if s, _, err := as.Check(h.Sig, sshsig.NamespaceHead, []byte(h.Message()), h.Time, ""); err != nil {
				who, ok = "BAD SIGNATURE: "+err.Error(), false
			} else {
				who = "signed by " + s.Principals
			}
		}
		fmt.Fprintf(g.Stdout, "holds the published head seq %d (%s)\n", h.Seq, untrusted.Line(who))
	}
	return ok
}

// integrity verifies the journal in dir with the configured allowed signers and
// timestamp CA, and returns what a report or an export says of it: the head line
// (signed when a key is configured; empty when the journal does not verify), who
// signed, and the verify summary.
func (g *globals) integrity(ctx context.Context, dir string) (*incident.ReportJournal, error) {
	cfg, err := g.settings()
	if err != nil {
		return nil, err
	}
	var opts journal.VerifyOptions
	if cfg.Signing.AllowedSigners != "" {
		as, err := sshsig.ReadAllowedSigners(cfg.Signing.AllowedSigners)
		if err != nil {
			return nil, &exitError{code: 2, err: err}
		}
		opts.Signatures = as
	}
	if cfg.Timestamp.CAFile != "" {
		if opts.TimestampRoots, err = journal.LoadCAFile(cfg.Timestamp.CAFile); err != nil {
			return nil, &exitError{code: 2, err: err}
		}
	}
	rep, err := journal.VerifyContext(ctx, dir, opts)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, interrupted(filepath.Base(dir), "verify")
		}
		return nil, commandError(err)
	}
	j := &incident.ReportJournal{Verified: rep.Summary(), Signers: &incident.ReportSigners{
		Checked: rep.SignaturesChecked, Signatures: rep.Signatures, Signers: rep.Signers, Unsigned: rep.UnsignedCount(),
	}}
	for _, ts := range rep.Timestamps {
		if ts.OK {
			j.Signers.Timestamps = append(j.Signers.Timestamps, ts)
		}
	}
	if rep.OK() && rep.Events > 0 {
		h := journal.Head{ID: filepath.Base(dir), Seq: rep.LastSeq, Hash: rep.LastHash, Time: rep.LastTime}
		if h.Sig, err = g.signHead(h); err != nil {
			return nil, err
		}
		j.Head = h.String()
	}
	return j, nil
}

// evidenceFiles adds HEAD (the journal's head line, signed when a key is configured)
// and SIGNERS (who signed how many lines) to an export.
func (g *globals) evidenceFiles(j *incident.ReportJournal, extra map[string][]byte) {
	if j.Head != "" {
		extra["HEAD"] = []byte(j.Head + "\n")
	} else {
		extra["HEAD"] = []byte("no head: the journal does not verify: " + j.Verified + "\n")
	}
	var b strings.Builder
	switch sg := j.Signers; {
	case sg.Checked:
		for _, s := range sg.Signers {
			fmt.Fprintf(&b, "%s\t%s\n", s.Principal, plural(s.Lines, "line"))
		}
		fmt.Fprintf(&b, "unsigned\t%s\n", plural(sg.Unsigned, "line"))
	default:
		fmt.Fprintf(&b, "%s in %s, not checked (no [signing] allowed_signers); %s unsigned\n",
			plural(sg.Signatures, "signature"), journal.SigName, plural(sg.Unsigned, "line"))
	}
	extra["SIGNERS"] = []byte(b.String())
}

// fileSigner signs an export's SHA256SUMS (namespace "file", as ssh-keygen -Y sign
// files by convention), or is nil when no key is configured.
func (g *globals) fileSigner() (func([]byte) ([]byte, error), error) {
	if err := g.signingReady(); err != nil {
		return nil, err
	}
	if g.lineSigner() == nil {
		return nil, nil
	}
	k, _ := g.signer.load()
	return func(b []byte) ([]byte, error) {
		sig, err := sshsig.Sign(k.Signer, sshsig.NamespaceFile, b)
		if err != nil {
			return nil, err
		}
		return sshsig.Armor(sig), nil
	}, nil
}
