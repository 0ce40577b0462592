package runbook

import (
	"embed"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// unopenableCitation matches a citation of documents a reader of muster cannot open:
// the client's POLICIES.md, its numbered sections and schemes ("policy 1E", "policies
// 1C and 1E", "section 3", "scheme 1A", a bare "(1A)"), even broken over a line.
// Shipped text cites what is in the repository instead: a preset (`muster policy show
// ir-four-level`) or a README section ("README: Backup policy (backup.toml)").
var unopenableCitation = regexp.MustCompile(`POLICIES\.md|(?i:\b(?:scheme|section|policy|policies)\s+(?:1[a-e]?|[23])\b)|(?:^|[^\w-])1[A-E](?:[^\w-]|$)`)

// TestShippedTextCitesWhatAReaderCanOpen: no embedded runbook, no preset and no part
// of README cites the source policies by number (issue 17, item 12).
func TestShippedTextCitesWhatAReaderCanOpen(t *testing.T) {
	for _, c := range []struct {
		fsys embed.FS
		dir  string
	}{{libraryFS, "library"}, {presetFS, "presets"}} {
		err := fs.WalkDir(c.fsys, c.dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := c.fsys.ReadFile(path)
			if err != nil {
				return err
			}
			checkCitations(t, "runbook/"+path, string(data))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	checkCitations(t, "README.md", string(readme))

	// The pattern itself: it catches what the shipped text used to say, and leaves
	// alone what it must not flag.
	for _, bad := range []string{"(policy 1E)", "Policy 1C requires", "(policies 1C and 1E)", "(policy\n1E: evidence)", "(policy 3)", "policy 2: nothing", "POLICIES.md section 3", "scheme 1B of", "service scheme (1A)"} {
		if !unopenableCitation.MatchString(bad) {
			t.Errorf("the scan misses %q", bad)
		}
	}
	for _, good := range []string{"the backup policy", "eu-west-1a", "a policy file (1 problem)", "sha 1e4f", "policy show ir-four-level", "1E6", "policy 30"} {
		if unopenableCitation.MatchString(good) {
			t.Errorf("the scan flags %q", good)
		}
	}
}

func checkCitations(t *testing.T, name, text string) {
	t.Helper()
	for _, loc := range unopenableCitation.FindAllStringIndex(text, -1) {
		line := 1 + strings.Count(text[:loc[0]], "\n")
		t.Errorf("%s:%d: cites a document that is not in the repository: %q (cite a preset or a README section)", name, line, strings.TrimSpace(text[loc[0]:loc[1]]))
	}
}
