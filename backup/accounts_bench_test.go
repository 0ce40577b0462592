package backup

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// BenchmarkAccounts: 20 accounts x 3 regions x 50 databases on moto, checked in one run
// over accounts (parallel, --concurrency 8) against the same checks done one account
// after another (a run per account, its regions in parallel as a one-account check
// does). It reports both times, the speed-up and the HTTP requests of each (STS
// included), on loopback and with a 50 ms round trip added to every request.
func BenchmarkAccounts(b *testing.B) {
	const nAccounts, perRegion = 20, 50
	regions := []string{west, central, "us-east-2"}
	moto := startMoto(b)
	var accounts []Account
	for i := 0; i < nAccounts; i++ {
		id := fmt.Sprintf("5%011d", i+1)
		accounts = append(accounts, Account{ID: id, Name: fmt.Sprintf("team-%02d", i+1), RoleARN: roleARN(id)})
	}
	// Seed 3,000 databases, 8 at a time.
	type job struct{ account, region string }
	jobs := make(chan job)
	var wg sync.WaitGroup
	var seedErr error
	var mu sync.Mutex
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				c := accountRDS(b, moto, j.account, j.region)
				for d := 0; d < perRegion; d++ {
					_, err := c.CreateDBInstance(context.Background(), &rds.CreateDBInstanceInput{
						DBInstanceIdentifier: aws.String(fmt.Sprintf("db-%03d", d)), Engine: aws.String("postgres"),
						DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20),
						MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
						BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true)})
					if err != nil {
						mu.Lock()
						seedErr = err
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	seedStart := time.Now()
	for _, a := range accounts {
		for _, r := range regions {
			jobs <- job{a.ID, r}
		}
	}
	close(jobs)
	wg.Wait()
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	b.Logf("seeded %d databases in %v", nAccounts*len(regions)*perRegion, time.Since(seedStart))

	dir := b.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "AKIDMUSTERTEST", "AWS_SECRET_ACCESS_KEY": "muster-test-secret",
		"AWS_REGION": west, "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_MAX_ATTEMPTS": "", "AWS_ENDPOINT_URL_RDS": "", "AWS_CA_BUNDLE": "",
	} {
		b.Setenv(k, v)
	}
	p := DefaultPolicy()
	p.Regions, p.Accounts = regions, accounts
	for _, rtt := range []time.Duration{0, 50 * time.Millisecond} {
		b.Run(fmt.Sprintf("rtt=%v", rtt), func(b *testing.B) { benchAccounts(b, &p, accounts, rtt, nAccounts*len(regions)*perRegion) })
	}
}

// delayed adds a round trip to every request: moto answers on loopback in a
// millisecond, AWS from another region or continent in tens of them.
type delayed struct {
	next aws.HTTPClient
	rtt  time.Duration
}

func (d delayed) Do(r *http.Request) (*http.Response, error) {
	time.Sleep(d.rtt)
	return d.next.Do(r)
}

func benchAccounts(b *testing.B, p *Policy, accounts []Account, rtt time.Duration, wantUnits int) {
	check := func(o Options) (Report, int64) {
		o.Policy, o.Progress, o.Timeout = p, &Progress{}, 10*time.Minute
		if rtt > 0 {
			o.HTTPClient = delayed{next: awshttp.NewBuildableClient(), rtt: rtt}
		}
		r, err := Run(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Errors) > 0 {
			b.Fatalf("errors: %v", r.Errors[0])
		}
		return r, o.Progress.Counts().Requests
	}
	var par, seq time.Duration
	var parReq, seqReq int64
	runs := 0
	for b.Loop() {
		runs++
		start := time.Now()
		r, n := check(Options{})
		par += time.Since(start)
		parReq += n
		if r.Totals.Units != wantUnits {
			b.Fatalf("units %d", r.Totals.Units)
		}
		start = time.Now()
		units := 0
		for _, a := range accounts {
			r, n := check(Options{Accounts: []string{a.ID}})
			seqReq += n
			units += r.Totals.Units
		}
		seq += time.Since(start)
		if units != wantUnits {
			b.Fatalf("units %d one account after another", units)
		}
	}
	n := float64(runs)
	b.ReportMetric(float64(par.Milliseconds())/n, "parallel-ms/op")
	b.ReportMetric(float64(seq.Milliseconds())/n, "sequential-ms/op")
	b.ReportMetric(seq.Seconds()/par.Seconds(), "speedup-x")
	b.ReportMetric(float64(parReq)/n, "parallel-requests/op")
	b.ReportMetric(float64(seqReq)/n, "sequential-requests/op")
}
