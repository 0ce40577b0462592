package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/journal/rfc3161"
	"github.com/muster-ir/muster/runbook/untrusted"
)

func newEvidenceTimestampCmd(g *globals) *cobra.Command {
	var tsa string
	cmd := &cobra.Command{
		Use:   "timestamp ID",
		Short: "Have an RFC 3161 time-stamping authority timestamp the journal's head; verify checks it",
		Long: `Verify the journal, send its last line's hash to the time-stamping authority
([timestamp] url in <data dir>/config.toml, or --tsa) and keep its signed reply
beside the journal as journal.ts-<seq>.tsr. muster evidence verify checks every such
reply: the line's hash, the TSA's signature, and its certificate against
[timestamp] ca_file (or --tsa-ca). openssl checks it too:
openssl ts -verify -digest <hash> -in journal.ts-<seq>.tsr -CAfile <CA file>.

Exit codes: 0 timestamped (or already), 1 the journal does not verify, 2 the TSA
could not be asked or its reply does not hold.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEvidenceTimestamp(cmd.Context(), g, args[0], tsa)
		},
	}
	cmd.Flags().StringVar(&tsa, "tsa", "", "the time-stamping authority's URL (default [timestamp] url)")
	return cmd
}

func runEvidenceTimestamp(ctx context.Context, g *globals, id, url string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := g.settings()
	if err != nil {
		return err
	}
	if url == "" {
		url = cfg.Timestamp.URL
	}
	if url == "" {
		return usageError("no time-stamping authority: set [timestamp] url in %s or give --tsa URL", g.settingsPath())
	}
	dir, err := g.store().Locate(id)
	if err != nil {
		return commandError(err)
	}
	h, rep, err := journal.CurrentHead(ctx, dir)
	switch {
	case errors.Is(err, context.Canceled):
		return interrupted(id, "timestamp")
	case err != nil && !rep.OK():
		return checkFailed(errors.New(untrusted.Line(err.Error())))
	case err != nil:
		return commandError(err)
	}
	name := journal.TimestampName(h.Seq)
	for _, ts := range rep.Timestamps {
		if ts.Seq == h.Seq {
			fmt.Fprintf(g.Stdout, "seq %d is already timestamped (%s at %s by %s)\n", h.Seq, name,
				ts.Time.Format(time.RFC3339), untrusted.Line(ts.TSA))
			return nil
		}
	}
	digest, _ := hex.DecodeString(h.Hash)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	reply, tok, err := rfc3161.Fetch(cctx, http.DefaultClient, url, digest)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return interrupted(id, "timestamp")
		}
		return &exitError{code: 2, err: errors.New(untrusted.Line(err.Error()))}
	}
	trust := "its CA was not checked (no [timestamp] ca_file)"
	if cfg.Timestamp.CAFile != "" {
		roots, err := journal.LoadCAFile(cfg.Timestamp.CAFile)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		if err := tok.Verify(roots); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("TSA %s: %s (nothing was stored)", untrusted.Line(url), untrusted.Line(err.Error()))}
		}
		trust = "trusted through " + cfg.Timestamp.CAFile
	}
	if _, err := journal.SaveTimestamp(dir, h.Seq, reply); err != nil {
		return commandError(err)
	}
	fmt.Fprintf(g.Stdout, "timestamped seq %d hash %s at %s by %s (%s)\nkept in %s; check it with: openssl ts -verify -digest %s -in %s -CAfile CA.pem\n",
		h.Seq, h.Hash, tok.Time.UTC().Format(time.RFC3339), untrusted.Line(tok.TSA()), untrusted.Line(trust),
		name, h.Hash, untrusted.Line(filepath.Join(dir, name)))
	return nil
}

// interrupted is the error of a command that Ctrl+C ended.
func interrupted(id, what string) error {
	return &exitError{code: 130, err: fmt.Errorf("%s: %s interrupted", id, what)}
}
