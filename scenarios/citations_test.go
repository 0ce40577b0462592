package scenarios

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestEmbeddedScenariosCiteWhatAReaderCanOpen: no embedded scenario cites the client's
// POLICIES.md or its numbered sections and schemes ("policy 1E", "section 3", "1A"),
// documents that are not in the repository (issue 17, item 12; runbook's
// TestShippedTextCitesWhatAReaderCanOpen holds runbooks, presets and README to it).
func TestEmbeddedScenariosCiteWhatAReaderCanOpen(t *testing.T) {
	unopenable := regexp.MustCompile(`POLICIES\.md|(?i:\b(?:scheme|section|policy|policies)\s+(?:1[a-e]?|[23])\b)|(?:^|[^\w-])1[A-E](?:[^\w-]|$)`)
	err := fs.WalkDir(libraryFS, "library", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := libraryFS.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(data)
		for _, loc := range unopenable.FindAllStringIndex(text, -1) {
			line := 1 + strings.Count(text[:loc[0]], "\n")
			t.Errorf("scenarios/%s:%d: cites a document that is not in the repository: %q (cite a preset, a runbook or a README section)", path, line, strings.TrimSpace(text[loc[0]:loc[1]]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !unopenable.MatchString("(POLICIES.md 1E critical)") {
		t.Error("the scan misses a POLICIES.md citation")
	}
}
