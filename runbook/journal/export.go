package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode"
)

// SumsName is the checksum file Export writes, in the format of `sha256sum`.
const SumsName = "SHA256SUMS"

// Export copies the incident directory dir into outDir, which must not exist or be
// empty: journal.jsonl (its complete lines), journal.head, the attachment store, the
// torn-write side files and every other regular file in dir (such as the frozen
// runbook) except derived files (see IsDerived), then the extra files (name relative
// to outDir, e.g. "report.md"), then SHA256SUMS listing every file written so that
// `sha256sum -c SHA256SUMS` run in outDir accepts it. It takes no lock. It copies bytes as they are, damaged or not;
// run Verify first to know whether the journal is intact. The export is built in a
// temporary directory beside outDir, fsync'd and renamed into place, so outDir holds
// a complete export or nothing.
func Export(dir, outDir string, extra map[string][]byte) error {
	return ExportWith(dir, outDir, ExportOptions{Extra: extra})
}

// SumsSigName is the detached signature of SHA256SUMS an export carries when
// ExportOptions.SignSums is set.
const SumsSigName = SumsName + ".sig"

// ExportOptions adds to Export.
type ExportOptions struct {
	// Extra files, by name relative to the export (e.g. "report.md").
	Extra map[string][]byte
	// SignSums, when set, signs the bytes of SHA256SUMS; the signature is written as
	// SHA256SUMS.sig (not listed in SHA256SUMS, which it covers).
	SignSums func(sums []byte) ([]byte, error)
	// Context, when set, ends the export (nothing is left behind) once it is done.
	Context context.Context
}

// ExportWith is Export with options.
func ExportWith(dir, outDir string, opts ExportOptions) error {
	extra := opts.Extra
	names := make([]string, 0, len(extra))
	for name := range extra {
		if name == SumsSigName {
			return fmt.Errorf("export: extra file name %s is reserved for the signature of %s", name, SumsName)
		}
		if err := checkExtraName(name); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	out, err := exportDir(dir, outDir)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(tmp) // nothing left once renamed
	x := exporter{out: tmp, sums: map[string]string{}, dirs: map[string]bool{tmp: true}, ctx: opts.Context}
	if x.ctx == nil {
		x.ctx = context.Background()
	}
	if err := x.incident(dir); err != nil {
		return fmt.Errorf("export %s: %w", dir, err)
	}
	for _, name := range names {
		if _, dup := x.sums[name]; dup {
			return fmt.Errorf("export: extra file %s would replace the incident's own %s", name, name)
		}
		if err := x.write(name, bytes.NewReader(extra[name])); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	sums, err := x.writeSums()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if opts.SignSums != nil {
		sig, err := opts.SignSums(sums)
		if err != nil {
			return fmt.Errorf("export: sign %s: %w", SumsName, err)
		}
		if err := x.writeUnlisted(SumsSigName, sig); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	for d := range x.dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	// rename(2) replaces an empty directory (os.Rename refuses to).
	if err := syscall.Rename(tmp, out); err != nil {
		return fmt.Errorf("export: rename %s to %s: %w", tmp, out, err)
	}
	if err := syncDir(filepath.Dir(out)); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportDir checks that outDir is not inside dir and does not exist or is an empty
// directory, and creates its parents. It returns outDir's absolute path.
func exportDir(dir, outDir string) (string, error) {
	absDir, err1 := filepath.Abs(dir)
	absOut, err2 := filepath.Abs(outDir)
	if err := errors.Join(err1, err2); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if rel, err := filepath.Rel(absDir, absOut); err == nil && filepath.IsLocal(rel) || absDir == absOut {
		return "", fmt.Errorf("export: %s is inside the incident directory %s", outDir, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(absOut), dirPerm); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	st, err := os.Lstat(absOut)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return absOut, nil
	case err != nil:
		return "", fmt.Errorf("export: %w", err)
	case !st.IsDir():
		return "", fmt.Errorf("export: %s exists and is not a directory", outDir)
	}
	if ents, err := os.ReadDir(absOut); err != nil {
		return "", fmt.Errorf("export: %w", err)
	} else if len(ents) > 0 {
		return "", fmt.Errorf("export: %s is not empty", outDir)
	}
	return absOut, nil
}

func checkExtraName(name string) error {
	clean := filepath.ToSlash(filepath.Clean(name))
	if !filepath.IsLocal(name) || clean != name || name == SumsName {
		return fmt.Errorf("extra file name %q must be a plain relative path other than %s", name, SumsName)
	}
	for _, r := range name {
		if r == '\\' || unicode.IsControl(r) {
			return fmt.Errorf("extra file name %q holds a backslash or a control character", name)
		}
	}
	return nil
}

type exporter struct {
	ctx  context.Context
	out  string
	sums map[string]string // slash path relative to out -> hex sha256
	dirs map[string]bool   // directories to fsync at the end
}

// incident copies the incident directory: journal.head before journal.jsonl (so the
// head never runs ahead of the copied journal), then the rest, whose blobs and side
// files are written before the events that name them.
func (x *exporter) incident(dir string) error {
	if b, err := readFileNoFollow(filepath.Join(dir, HeadName), 4*headSize); err == nil {
		if err := x.write(HeadName, bytes.NewReader(b)); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	jf, err := openNoFollow(filepath.Join(dir, FileName), os.O_RDONLY, false)
	if err != nil {
		return err
	}
	defer jf.Close()
	st, err := jf.Stat()
	if err != nil {
		return err
	}
	_, end, err := lastLine(jf, st.Size())
	if err != nil {
		return err
	}
	if err := x.write(FileName, io.NewSectionReader(jf, 0, end)); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".":
			return nil
		case d.IsDir():
			return nil // made as files land in it
		case rel == FileName || rel == HeadName || rel == LockName,
			strings.HasPrefix(rel, tornPre) && strings.HasSuffix(rel, ".tmp"),
			strings.HasPrefix(d.Name(), incomingPre),
			IsDerived(rel): // rebuilt from the journal, not evidence
			return nil
		case !d.Type().IsRegular():
			return &NotRegularError{Path: path, What: modeName(d.Type())}
		}
		f, err := openNoFollow(path, os.O_RDONLY, false)
		if err != nil {
			return err
		}
		defer f.Close()
		return x.write(rel, f)
	})
}

// write copies r into out/name (0600), hashing it, and fsyncs it.
func (x *exporter) write(name string, r io.Reader) error {
	dst := filepath.Join(x.out, filepath.FromSlash(name))
	parent := filepath.Dir(dst)
	if !x.dirs[parent] {
		if err := os.MkdirAll(parent, dirPerm); err != nil {
			return err
		}
		for d := parent; !x.dirs[d]; d = filepath.Dir(d) {
			x.dirs[d] = true
		}
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.CopyBuffer(io.MultiWriter(f, h), ctxReader{x.ctx, r}, make([]byte, copyBufSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	x.sums[name] = hex.EncodeToString(h.Sum(nil))
	return nil
}

// writeSums writes SHA256SUMS in the format sha256sum -c reads: "<hex>  <name>", with
// a leading backslash and escapes for a name holding a backslash or a newline.
func (x *exporter) writeSums() ([]byte, error) {
	names := make([]string, 0, len(x.sums))
	for n := range x.sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		if strings.ContainsAny(n, "\\\n\r") {
			esc := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(n)
			fmt.Fprintf(&b, "\\%s  %s\n", x.sums[n], esc)
			continue
		}
		fmt.Fprintf(&b, "%s  %s\n", x.sums[n], n)
	}
	return b.Bytes(), x.writeUnlisted(SumsName, b.Bytes())
}

// writeUnlisted writes a file of the export that SHA256SUMS does not list.
func (x *exporter) writeUnlisted(name string, b []byte) error {
	f, err := os.OpenFile(filepath.Join(x.out, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
