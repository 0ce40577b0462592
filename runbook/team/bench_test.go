package team

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// BenchmarkAppend: one note appended to a team incident through incident.Store (the
// command decided, the conditional PutObject, then the local mirror's write and fsync)
// side by side with one bare PutObject of the same bytes to the same moto: README's
// target is at most 1.5x.
func BenchmarkAppend(b *testing.B) {
	c := motoS3(b)
	bucket := fmt.Sprintf("bench-append-%d", time.Now().UnixNano())
	makeBucket(b, c, bucket, false)
	s := New(c, Location{Bucket: bucket})
	ctx := context.Background()
	const text = "Certificate expired at 09:10 UTC"
	_, inc := startTeam(b, s, "INC-BENCH", "alice@laptop")
	line, _ := journal.BuildLine(inc.State.LastHash, 2, time.Now(), "alice@laptop", incident.EvNote, incident.Note{Text: text})
	b.Run("muster-append", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := inc.AddNote(text, ""); err != nil {
				b.Fatal(err)
			}
		}
		if !inc.Saved.Shared {
			b.Fatalf("saved %+v, want shared", inc.Saved)
		}
	})
	b.Run("bare-putobject", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("bare/" + strconv.Itoa(i)),
				Body: bytes.NewReader(line)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCatchUp: a 10,000-event incident fetched from the store into an empty data
// directory through incident.Store (frozen files, then every line with parallel GETs,
// into a new mirror), side by side with `aws s3 sync` of the same prefix when the AWS
// CLI is installed. MUSTER_BENCH_EVENTS changes the size.
func BenchmarkCatchUp(b *testing.B) {
	c := motoS3(b)
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("MUSTER_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	bucket := fmt.Sprintf("bench-catchup-%d", time.Now().UnixNano())
	makeBucket(b, c, bucket, false)
	s := New(c, Location{Bucket: bucket}, WithParallel(64))
	ctx := context.Background()
	_, inc := startTeam(b, s, "INC-BIG", "alice@laptop")
	// Seeding is not measured: the notes are published as lines straight away, without
	// an fsync of a mirror each.
	prev := inc.State.LastHash
	for i := 2; i <= n; i++ {
		line, _ := journal.BuildLine(prev, uint64(i), time.Now(), "alice@laptop", incident.EvNote, incident.Note{Text: "note " + strconv.Itoa(i)})
		if err := s.Publish(ctx, "INC-BIG", uint64(i), line); err != nil {
			b.Fatal(err)
		}
		e, _ := journal.DecodeLine(line)
		prev = e.Hash
	}
	b.Run("muster-catchup", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			st := &incident.Store{DataDir: b.TempDir(), Shared: s}
			if err := st.SyncIncident("INC-BIG"); err != nil {
				b.Fatal(err)
			}
			if seq, _, err := journal.LastLine(st.Dir("INC-BIG")); err != nil || seq != uint64(n) {
				b.Fatalf("caught up to seq %d of %d: %v", seq, n, err)
			}
		}
	})
	aws, err := exec.LookPath("aws")
	if err != nil {
		b.Log("aws CLI not installed: no aws s3 sync figure")
		return
	}
	b.Run("aws-s3-sync", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			dst := b.TempDir()
			cmd := exec.Command(aws, "--endpoint-url", moto, "s3", "sync", "--only-show-errors",
				"s3://"+bucket+"/incidents/INC-BIG/events/", dst)
			cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDMUSTERTEST", "AWS_SECRET_ACCESS_KEY=muster-test-secret",
				"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("aws s3 sync: %v\n%s", err, out)
			}
		}
	})
}
