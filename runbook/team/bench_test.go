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

	"github.com/muster-ir/muster/runbook/journal"
)

// BenchmarkAppend: one event appended to a team incident (conditional PutObject, then
// the local mirror's write and fsync) side by side with one bare PutObject of the same
// bytes to the same moto: README's target is at most 1.5x.
func BenchmarkAppend(b *testing.B) {
	c := motoS3(b)
	bucket := fmt.Sprintf("bench-append-%d", time.Now().UnixNano())
	makeBucket(b, c, bucket, false)
	s := New(c, Location{Bucket: bucket})
	ctx := context.Background()
	line, _ := journal.BuildLine(journal.Genesis, 1, time.Now(), "alice@laptop", "note", map[string]string{"text": "Certificate expired at 09:10 UTC"})
	b.Run("muster-append", func(b *testing.B) {
		m := newMirror(b, "bench")
		for i := 0; i < b.N; i++ {
			if _, err := s.Append(ctx, m, "INC-BENCH", Draft{Actor: "alice@laptop", Type: "note",
				Data: map[string]string{"text": "Certificate expired at 09:10 UTC"}}, nil); err != nil {
				b.Fatal(err)
			}
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

// BenchmarkCatchUp: a 10,000-event incident fetched from the store into an empty
// mirror (parallel GETs), side by side with `aws s3 sync` of the same prefix when the
// AWS CLI is installed. MUSTER_BENCH_EVENTS changes the size.
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
	prev := journal.Genesis
	seed := New(c, Location{Bucket: bucket})
	for i := 1; i <= n; i++ {
		line, _ := journal.BuildLine(prev, uint64(i), time.Now(), "alice@laptop", "note", map[string]int{"i": i})
		if err := seed.Publish(ctx, "INC-BIG", uint64(i), line); err != nil {
			b.Fatal(err)
		}
		e, _ := journal.DecodeLine(line)
		prev = e.Hash
	}
	b.Run("muster-catchup", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m := newMirror(b, fmt.Sprintf("m%d", i))
			got, err := s.CatchUp(ctx, m, "INC-BIG")
			if err != nil || len(got) != n {
				b.Fatalf("caught up %d of %d: %v", len(got), n, err)
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
