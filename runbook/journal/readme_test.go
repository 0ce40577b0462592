package journal

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// The README's example journal is real: it decodes, chains and verifies.
func TestREADMEExampleJournalIsValid(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Journal line (journal.jsonl)")
	if !ok {
		t.Fatal("README has no section ### Journal line (journal.jsonl)")
	}
	_, block, ok := strings.Cut(section, "```jsonl\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the README section has no ```jsonl example")
	}
	evs, err := decodeAll(context.Background(), "README.md", []byte(block), head{Seq: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[1].Type != TypeAttached || evs[2].Type != TypeRecovered {
		t.Fatalf("example has %d events: %+v", len(evs), evs)
	}
	rec, err := evs[2].Recovery()
	lines := bytes.SplitAfter([]byte(block), []byte("\n"))
	if err != nil || rec.Offset != int64(len(lines[0])+len(lines[1])) || !strings.HasPrefix(rec.File, "journal.torn-3-") {
		t.Errorf("recovered event %+v (%v) does not fit the journal before it", rec, err)
	}
	if a, err := evs[1].Attachment(); err != nil || !validBlobRef(a) {
		t.Errorf("attachment %+v, %v", a, err)
	}
}
