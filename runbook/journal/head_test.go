package journal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHeadTextRoundTrip(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 3)
	h, _, err := CurrentHead(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	h.Sig = []byte("SSHSIG...")
	line := h.String()
	if !strings.HasPrefix(line, "muster-head INC-20261123-7KQ4 seq=3 hash="+h.Hash+" time=2026-11-23T11:03:07.123456792Z sig=") {
		t.Fatalf("head line %q", line)
	}
	got, err := ParseHead(line)
	if err != nil || got.String() != line || got.Message() != h.Message() {
		t.Fatalf("parsed %+v, %v", got, err)
	}
	if got, err := ParseHead("3:" + h.Hash); err != nil || got.Seq != 3 || got.Hash != h.Hash || got.ID != "" {
		t.Fatalf("SEQ:HASH %+v, %v", got, err)
	}
	for _, bad := range []string{"", "0:" + h.Hash, "3:abc", "muster-head X seq=3", "muster-head X seq=3 hash=" + h.Hash + " seq=4",
		"muster-head X seq=3 hash=" + h.Hash + " colour=red", "muster-head X seq=3 hash=" + h.Hash + " time=yesterday", "muster-tail 3 " + h.Hash} {
		if _, err := ParseHead(bad); err == nil {
			t.Errorf("ParseHead(%q) accepted", bad)
		}
	}
}

func verifyExpect(t *testing.T, dir string, heads ...Head) Report {
	t.Helper()
	r, err := VerifyContext(context.Background(), dir, VerifyOptions{Expect: heads})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A forger rewrites the whole journal with recomputed hashes and a fresh
// journal.head: plain verify passes, --expect of the published head fails.
func TestForgedFullRewriteIsCaughtByAPublishedHead(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 5)
	published, _, err := CurrentHead(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	early, _ := ParseHead("2:" + readHeadHash(t, dir, 2))
	appendN(t, j, 2)
	j.Close()
	if r := verifyExpect(t, dir, published, early); !r.OK() || len(r.HeadsMatched) != 2 {
		t.Fatalf("untouched journal: %v %v", r.Problems, r.HeadsMatched)
	}

	forged := rewriteFrom(t, readJournal(t, dir), 4, func(l []byte) []byte {
		return []byte(strings.Replace(string(l), "moved on", "did nothing", 1))
	})
	writeJournal(t, dir, forged)
	lines := strings.SplitAfter(string(forged), "\n")
	last := lines[len(lines)-2]
	hf, _ := os.OpenFile(filepath.Join(dir, HeadName), os.O_RDWR, 0)
	writeHead(hf, 7, last[hashOff:hashOff+hexLen])
	hf.Close()
	mustVerify(t, dir) // the chain is consistent again

	r := verifyExpect(t, dir, published, early)
	if len(r.Problems) != 1 || r.Problems[0].Line != 5 || !strings.Contains(r.Problems[0].What, "differs from the published head") {
		t.Fatalf("forged rewrite: %v", r.Problems)
	}
	if len(r.HeadsMatched) != 1 || r.HeadsMatched[0] != 2 {
		t.Errorf("the unchanged prefix up to seq 2 still matches: %v", r.HeadsMatched)
	}

	// Cut back to 3 lines, journal.head rewritten too: the head at seq 5 is gone.
	writeJournal(t, dir, []byte(strings.Join(lines[:3], "")))
	hf, _ = os.OpenFile(filepath.Join(dir, HeadName), os.O_RDWR, 0)
	writeHead(hf, 3, lines[2][hashOff:hashOff+hexLen])
	hf.Close()
	r = verifyExpect(t, dir, published)
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].What, "before the published head's seq 5") {
		t.Fatalf("truncated: %v", r.Problems)
	}
	// A head of another incident is refused as such.
	other := published
	other.ID = "INC-20261124-AAAA"
	if r := verifyExpect(t, dir, other); r.OK() || !strings.Contains(r.Problems[0].What, "for incident INC-20261124-AAAA") {
		t.Fatalf("other incident: %v", r.Problems)
	}
}

func readHeadHash(t *testing.T, dir string, seq int) string {
	t.Helper()
	lines := strings.SplitAfter(string(readJournal(t, dir)), "\n")
	return lines[seq-1][hashOff : hashOff+hexLen]
}
