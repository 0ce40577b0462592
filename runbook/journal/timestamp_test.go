package journal

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/journal/rfc3161"
	"github.com/muster-ir/muster/runbook/journal/rfc3161/tsatest"
)

func timestampHead(t *testing.T, dir string, tsa *tsatest.TSA) (uint64, string) {
	t.Helper()
	r := mustVerify(t, dir)
	digest, _ := hex.DecodeString(r.LastHash)
	reply, _, err := rfc3161.Fetch(context.Background(), http.DefaultClient, tsa.URL, digest)
	if err != nil {
		t.Fatal(err)
	}
	name, err := SaveTimestamp(dir, r.LastSeq, reply)
	if err != nil {
		t.Fatal(err)
	}
	return r.LastSeq, name
}

// A timestamp of the head from a real TSA (openssl ts) is kept beside the journal,
// checked by verify against the TSA's CA and by openssl ts -verify, and a rewritten
// history fails at the timestamped line.
func TestTimestampedHead(t *testing.T) {
	tsa := tsatest.Start(t, "sha256")
	roots, err := LoadCAFile(tsa.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	j, dir := newIncident(t)
	appendN(t, j, 3)
	seq, name := timestampHead(t, dir, tsa)
	appendN(t, j, 2)
	j.Close()
	if seq != 3 || name != "journal.ts-3.tsr" {
		t.Fatalf("seq %d, %s", seq, name)
	}
	if _, err := SaveTimestamp(dir, 3, []byte("again")); !errors.Is(err, ErrTimestamped) {
		t.Errorf("a second timestamp of seq 3: %v", err)
	}

	verify := func(opts VerifyOptions) Report {
		t.Helper()
		r, err := VerifyContext(context.Background(), dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := verify(VerifyOptions{TimestampRoots: roots})
	if !r.OK() || len(r.Timestamps) != 1 || r.Timestamps[0].Trusted != "yes" || r.Timestamps[0].Seq != 3 ||
		!strings.Contains(r.Timestamps[0].TSA, "muster test TSA") {
		t.Fatalf("%s %+v", r.Summary(), r.Timestamps)
	}
	// Without a CA the token is still checked; whether its TSA is trusted is unknown.
	if r := verify(VerifyOptions{}); !r.OK() || r.Timestamps[0].Trusted != "unknown" {
		t.Fatalf("no CA: %s %+v", r.Summary(), r.Timestamps)
	}
	// openssl checks the stored reply with the line's hash as the digest.
	line3 := strings.Split(string(readJournal(t, dir)), "\n")[2]
	out, err := exec.Command("openssl", "ts", "-verify", "-digest", line3[hashOff:hashOff+hexLen],
		"-in", filepath.Join(dir, name), "-CAfile", tsa.CAFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	// Another CA does not vouch for this TSA.
	other := tsatest.Start(t, "sha1")
	otherRoots, _ := LoadCAFile(other.CAFile)
	if r := verify(VerifyOptions{TimestampRoots: otherRoots}); r.OK() || !strings.Contains(r.Summary(), "not trusted") {
		t.Errorf("another CA: %s", r.Summary())
	}
	// A forged full rewrite (every hash recomputed) fails at the timestamped line.
	orig := readJournal(t, dir)
	origHead, _ := os.ReadFile(filepath.Join(dir, HeadName))
	writeJournal(t, dir, rewriteFrom(t, orig, 2, func(l []byte) []byte {
		return []byte(strings.Replace(string(l), "laptop", "lapt0p", 1))
	}))
	os.Remove(filepath.Join(dir, HeadName))
	r = verify(VerifyOptions{TimestampRoots: roots})
	var found bool
	for _, p := range r.Problems {
		if p.Line == 3 && p.File == name && strings.Contains(p.What, "differs from the timestamp's") {
			found = true
		}
	}
	if !found {
		t.Fatalf("forged rewrite: %v", r.Problems)
	}
	// A damaged token is a problem naming its file.
	writeJournal(t, dir, orig)
	os.WriteFile(filepath.Join(dir, HeadName), origHead, 0o600)
	b, _ := os.ReadFile(filepath.Join(dir, name))
	b[len(b)-40] ^= 0xff
	os.WriteFile(filepath.Join(dir, name), b, 0o600)
	if r := verify(VerifyOptions{TimestampRoots: roots}); len(r.Problems) != 1 || r.Problems[0].File != name || !strings.Contains(r.Problems[0].What, "signature does not match") {
		t.Fatalf("damaged token: %v", r.Problems)
	}
}
