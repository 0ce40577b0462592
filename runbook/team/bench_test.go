package team

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// BenchmarkAppend: one note appended to a team incident through incident.Store (the
// command decided, the conditional PutObject with its SHA-256 checksum, then the local
// mirror's write and fsync) side by side with one bare PutObject of the same bytes to
// the same moto: README's target is at most 1.5x. The two alternate, one of each per
// iteration, so that both meet the same load on a shared machine; the metrics are the
// mean of each, the ratio of the means and the ratio of the medians.
func BenchmarkAppend(b *testing.B) {
	c := motoS3(b)
	bucket := fmt.Sprintf("bench-append-%d", time.Now().UnixNano())
	makeBucket(b, c, bucket, false)
	s := New(c, Location{Bucket: bucket})
	ctx := context.Background()
	const text = "Certificate expired at 09:10 UTC"
	_, inc := startTeam(b, s, "INC-BENCH", "alice@laptop")
	line, _ := journal.BuildLine(inc.State.LastHash, 2, time.Now(), "alice@laptop", incident.EvNote, incident.Note{Text: text})
	appendOne := func() {
		if err := inc.AddNote(text, ""); err != nil {
			b.Fatal(err)
		}
		if !inc.Saved.Shared {
			b.Fatalf("saved %+v, want shared", inc.Saved)
		}
	}
	n := 0
	putOne := func() {
		n++
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("bare/" + strconv.Itoa(n)),
			Body: bytes.NewReader(line)}); err != nil {
			b.Fatal(err)
		}
	}
	timed := func(f func()) time.Duration { t := time.Now(); f(); return time.Since(t) }
	muster := make([]time.Duration, 0, b.N)
	bare := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			muster = append(muster, timed(appendOne))
			bare = append(bare, timed(putOne))
		} else {
			bare = append(bare, timed(putOne))
			muster = append(muster, timed(appendOne))
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(mean(muster)), "ms/append")
	b.ReportMetric(ms(mean(bare)), "ms/put")
	b.ReportMetric(float64(mean(muster))/float64(mean(bare)), "x-mean")
	b.ReportMetric(float64(median(muster))/float64(median(bare)), "x-median")
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(max(len(ds), 1))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkCatchUp: a 10,000-event incident fetched from the store into an empty data
// directory through incident.Store (frozen files, then every line with parallel GETs,
// into a new mirror with one fsync), side by side with `aws s3 sync` of the same prefix
// when the AWS CLI is installed. MUSTER_BENCH_EVENTS changes the size.
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
	// Seeding is not measured: the chain is built here and its lines published 16 at a
	// time (each seq is still a conditional write), without a mirror.
	lines := make([][]byte, n+1)
	prev := inc.State.LastHash
	for i := 2; i <= n; i++ {
		line, _ := journal.BuildLine(prev, uint64(i), time.Now(), "alice@laptop", incident.EvNote, incident.Note{Text: "note " + strconv.Itoa(i)})
		e, _ := journal.DecodeLine(line)
		lines[i], prev = line, e.Hash
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := 2; i <= n; i++ {
		g.Go(func() error { return s.Publish(gctx, "INC-BIG", uint64(i), lines[i]) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
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
			cmd := exec.Command(aws, "s3", "sync", "--only-show-errors", "s3://"+bucket+"/incidents/INC-BIG/events/", dst)
			cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+moto, "AWS_ACCESS_KEY_ID=AKIDMUSTERTEST", "AWS_SECRET_ACCESS_KEY=muster-test-secret",
				"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("aws s3 sync: %v\n%s", err, out)
			}
			if got, _ := os.ReadDir(dst); len(got) != n {
				b.Fatalf("aws s3 sync fetched %d objects of %d", len(got), n)
			}
		}
	})
}
