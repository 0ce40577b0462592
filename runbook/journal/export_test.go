package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestExportWritesAHandOverThatSha256sumAccepts(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 2)
	if _, _, err := j.Attach("alice@laptop", writeEvidence(t, "auth.log", []byte("log lines\n"), time.Now()), nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "runbook.toml"), []byte("schema = 1\n"), 0o600) // the incident layer's frozen runbook
	// A torn tail being written right now is not exported.
	jf, _ := os.OpenFile(filepath.Join(dir, FileName), os.O_WRONLY|os.O_APPEND, 0)
	jf.Write([]byte(`{"prev":"`))
	jf.Close()
	out := filepath.Join(t.TempDir(), "handover", "INC-20261123-7KQ4")
	os.MkdirAll(out, 0o700) // an empty directory is accepted
	report := []byte("# Post-incident report\n")
	err := Export(dir, out, map[string][]byte{"report.md": report, "report/report.json": []byte("{}\n")})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(out, path)
			files = append(files, filepath.ToSlash(rel))
			if st, _ := os.Stat(path); st.Mode() != 0o600 {
				t.Errorf("%s: mode %v", rel, st.Mode())
			}
		} else if st, _ := os.Stat(path); st.Mode() != 0o700|os.ModeDir {
			t.Errorf("%s: mode %v", path, st.Mode())
		}
		return nil
	})
	sort.Strings(files)
	blob := ""
	for _, f := range files {
		if strings.HasPrefix(f, "attachments/sha256/") {
			blob = f
		}
	}
	want := []string{"SHA256SUMS", blob, "journal.head", "journal.jsonl", "report.md", "report/report.json", "runbook.toml"}
	sort.Strings(want)
	if strings.Join(files, " ") != strings.Join(want, " ") || blob == "" {
		t.Fatalf("exported %v, want %v", files, want)
	}
	exported, _ := os.ReadFile(filepath.Join(out, FileName))
	if orig := readJournal(t, dir); !bytes.Equal(exported, orig[:bytes.LastIndexByte(orig, '\n')+1]) {
		t.Errorf("exported journal differs from the complete lines of the original")
	}
	// SHA256SUMS lists every other file with its hash.
	sums, _ := os.ReadFile(filepath.Join(out, SumsName))
	lines := strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n")
	if len(lines) != len(files)-1 {
		t.Fatalf("SHA256SUMS has %d lines for %d files:\n%s", len(lines), len(files)-1, sums)
	}
	for _, l := range lines {
		sum, name, ok := strings.Cut(l, "  ")
		b, err := os.ReadFile(filepath.Join(out, name))
		h := sha256.Sum256(b)
		if !ok || err != nil || sum != hex.EncodeToString(h[:]) {
			t.Errorf("SHA256SUMS line %q does not match the file (%v)", l, err)
		}
	}
	// The export is itself a verifiable incident.
	if r := mustVerify(t, out); r.Events != 3 || r.Attachments != 1 {
		t.Errorf("verify of the export: %+v", r)
	}
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum not installed")
	}
	cmd := exec.Command("sha256sum", "--strict", "-c", SumsName)
	cmd.Dir = out
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, msg)
	}
	// A changed file is caught by sha256sum.
	os.WriteFile(filepath.Join(out, "report.md"), []byte("# edited\n"), 0o600)
	cmd = exec.Command("sha256sum", "-c", SumsName)
	cmd.Dir = out
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "report.md: FAILED") {
		t.Errorf("sha256sum -c after an edit: %v\n%s", err, msg)
	}
}

func TestExportRefusesUnsafeTargets(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 1)
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o600)
	for _, tc := range []struct {
		name  string
		out   string
		extra map[string][]byte
		want  string
	}{
		{"non-empty target", full, nil, "is not empty"},
		{"target inside the incident", filepath.Join(dir, "export"), nil, "inside the incident directory"},
		{"extra escaping the target", filepath.Join(t.TempDir(), "o"), map[string][]byte{"../x.md": nil}, "must be a plain relative path"},
		{"absolute extra", filepath.Join(t.TempDir(), "o"), map[string][]byte{"/etc/x": nil}, "must be a plain relative path"},
		{"extra named SHA256SUMS", filepath.Join(t.TempDir(), "o"), map[string][]byte{"SHA256SUMS": nil}, "must be a plain relative path"},
		{"extra with a newline", filepath.Join(t.TempDir(), "o"), map[string][]byte{"a\nb": nil}, "control character"},
		{"extra replacing the journal", filepath.Join(t.TempDir(), "o"), map[string][]byte{"journal.jsonl": nil}, "would replace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Export(dir, tc.out, tc.extra)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			// A refused export leaves nothing behind.
			if tc.out != full {
				if _, err := os.Stat(tc.out); !os.IsNotExist(err) {
					t.Errorf("%s exists after a refused export: %v", tc.out, err)
				}
				if ents, _ := os.ReadDir(filepath.Dir(tc.out)); tc.out != filepath.Join(dir, "export") && len(ents) != 0 {
					t.Errorf("left behind: %v", ents)
				}
			}
		})
	}
}
