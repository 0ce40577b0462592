package team

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// threeLines starts incident id with two notes: three lines in the store.
func threeLines(t *testing.T, s *Store, id string) *incident.Incident {
	t.Helper()
	_, inc := startTeam(t, s, id, "alice@a")
	for i := 0; i < 2; i++ {
		if err := inc.AddNote(fmt.Sprint("note ", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	return inc
}

func problemsText(r RemoteReport) string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestVerifyRemoteCleanAndBehind(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-verify-ok", true)
	s := New(c, Location{Bucket: "team-verify-ok"})
	m := threeLines(t, s, "INC-V1")
	r, err := s.VerifyRemote(context.Background(), "INC-V1", m.Dir)
	if err != nil || !r.OK() || r.StoreLines != 3 || r.LocalLines != 3 || r.Behind != 0 {
		t.Fatalf("clean verify = %+v, %v", r, err)
	}
	if err := joinTeam(t, s, "INC-V1", "bob@b").AddNote("bob's", ""); err != nil {
		t.Fatal(err)
	}
	r, err = s.VerifyRemote(context.Background(), "INC-V1", m.Dir)
	if err != nil || !r.OK() || r.Behind != 1 {
		t.Fatalf("a mirror one line behind = %+v, %v; want OK and behind 1", r, err)
	}
}

// A local journal rewritten with recomputed hashes verifies on its own; against the
// store it fails at the first line that differs.
func TestVerifyRemoteCatchesALocalRewrite(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-verify-local", true)
	s := New(c, Location{Bucket: "team-verify-local"})
	m := threeLines(t, s, "INC-V2")
	dir := m.Dir
	m.Close()
	var forged []byte
	prev := journal.Genesis
	for i := 1; i <= 3; i++ {
		text := map[string]int{"i": i - 1}
		if i == 2 {
			text = map[string]int{"i": 42}
		}
		line, err := journal.BuildLine(prev, uint64(i), time.Now(), "alice@a", "note", text)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := journal.DecodeLine(line)
		prev = e.Hash
		forged = append(forged, line...)
	}
	if err := os.WriteFile(filepath.Join(dir, journal.FileName), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf(`{"seq":3,"hash":"%s"}`, prev)
	head += strings.Repeat(" ", 127-len(head)) + "\n"
	if err := os.WriteFile(filepath.Join(dir, journal.HeadName), []byte(head), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := journal.Verify(dir); err != nil || !rep.OK() {
		t.Fatalf("the forged journal should verify on its own: %v %v", err, rep.Problems)
	}
	r, err := s.VerifyRemote(context.Background(), "INC-V2", dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || r.Problems[0].Seq != 1 {
		// line 1 was rebuilt with a new time, so it differs already
		t.Fatalf("verify --remote of a rewritten mirror:\n%s", problemsText(r))
	}
}

// In a bucket without Object Lock an object can be overwritten: the new version breaks
// the chain and is named, and the second version is reported as a rewrite.
func TestVerifyRemoteCatchesAnOverwrittenObject(t *testing.T) {
	c := motoS3(t)
	ctx := context.Background()
	makeBucket(t, c, "team-verify-store", false)
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("team-verify-store"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	s := New(c, Location{Bucket: "team-verify-store"})
	m := threeLines(t, s, "INC-V3")
	e2, _ := journal.DecodeLine(mustLine(t, m.Dir, 1))
	forged, _ := journal.BuildLine(e2.Hash, 2, time.Now(), "mallory@x", "note", map[string]int{"i": 99})
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team-verify-store"), Key: aws.String(s.EventKey("INC-V3", 2)), Body: bytes.NewReader(forged)}); err != nil {
		t.Fatal(err)
	}
	r, err := s.VerifyRemote(ctx, "INC-V3", m.Dir)
	if err != nil {
		t.Fatal(err)
	}
	txt := problemsText(r)
	for _, want := range []string{"seq 2", "incidents/INC-V3/events/000000000002", "written more than once", "differs from the store's"} {
		if !strings.Contains(txt, want) {
			t.Errorf("verify --remote after an overwrite lacks %q:\n%s", want, txt)
		}
	}
}

func mustLine(t *testing.T, dir string, i int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, journal.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(b, []byte("\n"))[i-1]
}
