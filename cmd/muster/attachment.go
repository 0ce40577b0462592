package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/muster-ir/muster/runbook/untrusted"
)

func newIncidentAttachmentCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "attachment ID SEQ|SHA256",
		Short: "Write an attached file's content (fetched from the team store when a colleague attached it)",
		Long: `Write the content of an attached file, named by the seq of its attached event or by
its SHA-256 (at least 8 hex digits), to --out FILE or to standard output when that is
not a terminal. A team incident's attachment this machine does not have yet is
fetched from the team store and checked against its SHA-256 first.

Exit codes: 0 written, 2 no such attachment, or it could not be fetched or written.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" && isTerminal(g.Stdout) {
				return usageError("the attachment's bytes are not shown on a terminal: give --out FILE, or pipe it (| less)")
			}
			path, a, err := g.store().AttachmentFile(args[0], args[1])
			if err != nil {
				return commandError(err)
			}
			src, err := os.Open(path)
			if err != nil {
				return commandError(err)
			}
			defer src.Close()
			if out == "" {
				_, err = io.Copy(g.Stdout, src)
				return err
			}
			if err := writeNew(out, src); err != nil {
				return &exitError{code: 2, err: err}
			}
			fmt.Fprintf(g.Stderr, "%s: wrote %s (%d bytes, sha256 %s, attached as %s)\n", args[0], untrusted.Line(out), a.Size, a.SHA256, untrusted.Line(filepath.Base(a.Path)))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (must not exist)")
	return cmd
}

// writeNew copies r into a new file at path (refusing to overwrite one), fsync'd.
func writeNew(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// fetchAttachments brings a team incident's attachments this machine lacks, before
// verify or export reads them; for verify a blob that cannot be fetched is only a
// warning (verify then reports it missing), for export it is a failure.
func (g *globals) fetchAttachments(id string, must bool) error {
	if g.team == nil {
		return nil
	}
	n, err := g.store().FetchAttachments(id)
	if n > 0 {
		fmt.Fprintf(g.Stderr, "%s: fetched %s from %s, each checked against its SHA-256\n", id, plural(n, "attachment"), g.team)
	}
	if err == nil {
		return nil
	}
	if must {
		return &exitError{code: 2, err: fmt.Errorf("%s: %w; not exported (the export would lack them)", id, err)}
	}
	for _, e := range unjoin(err) {
		fmt.Fprintf(g.Stderr, "warning: %s: %s\n", id, untrusted.Line(e.Error()))
	}
	return nil
}
