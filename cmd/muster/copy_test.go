package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On a fresh home (no runbooks/ yet) copy creates the directory, writes the built-in
// file whole, and the library then loads it without a warning; a second copy refuses
// to overwrite, --force replaces.
func TestCopyIntoAFreshHome(t *testing.T) {
	for _, tc := range []struct {
		kind, id, file string
		list           []string
		listed         string // what the listing shows of the copy ("" the copy's path)
	}{
		{"runbook", "data-breach", "runbooks/data-breach.toml", []string{"runbook", "list"}, ""},
		{"scenario", "paste-site-leak", "scenarios/paste-site-leak.toml", []string{"scenario", "list"}, "paste-site-leak"},
		{"policy", "service-desk", "policy.toml", []string{"policy", "show"}, ""},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			c := newCLI(t)
			path := filepath.Join(c.home, tc.file)
			if out := c.ok(tc.kind, "copy", tc.id); out != path+"\n" {
				t.Errorf("copy printed %q, want the path %s", out, path)
			}
			got, err := os.ReadFile(path)
			if err != nil || len(got) == 0 {
				t.Fatalf("copy: %v", err)
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", st.Mode())
			}
			if tc.listed == "" {
				tc.listed = path
			}
			code, out, errs := c.run("", tc.list...)
			if code != 0 || errs != "" || !strings.Contains(out, tc.listed) {
				t.Errorf("%v after the copy: exit %d, stderr %q\n%s", tc.list, code, errs, out)
			}
			os.WriteFile(path, []byte("# my edits\n"), 0o600)
			if errs := c.exits(2, tc.kind, "copy", tc.id); !strings.Contains(errs, "exists; use --force") {
				t.Errorf("second copy: %s", errs)
			}
			if b, _ := os.ReadFile(path); string(b) != "# my edits\n" {
				t.Error("a refused copy changed the file")
			}
			c.ok(tc.kind, "copy", tc.id, "--force")
			if b, _ := os.ReadFile(path); string(b) != string(got) {
				t.Error("--force did not replace the file")
			}
			c.exits(2, tc.kind, "copy", "no-such-"+tc.kind)
			if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".copy-*")); len(leftovers) != 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}
}
