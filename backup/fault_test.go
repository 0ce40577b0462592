package backup

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsTestEnv points the SDK's default chain at url with fake credentials and nothing
// from the machine's own AWS configuration.
func awsTestEnv(t *testing.T, url string) {
	t.Helper()
	dir := t.TempDir()
	set := map[string]string{
		"AWS_ENDPOINT_URL":            url,
		"AWS_ACCESS_KEY_ID":           "AKIDMUSTERTEST",
		"AWS_SECRET_ACCESS_KEY":       "muster-test-secret",
		"AWS_REGION":                  west,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for k, v := range set {
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_RDS", "AWS_MAX_ATTEMPTS",
		"AWS_RETRY_MODE", "AWS_DEFAULT_REGION", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// regionFixture is healthy() moved to region with ids prefixed, so two regions hold
// different databases.
func regionFixture(region, prefix string) *fixture {
	f := healthy()
	fix := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, west, region), "platform-db", prefix+"platform-db")
	}
	fixID := func(s string) string {
		s = strings.ReplaceAll(s, "platform-db", prefix+"platform-db")
		s = strings.ReplaceAll(s, "PLATFORM-DB", strings.ToUpper(prefix)+"PLATFORM-DB")
		s = strings.ReplaceAll(s, "AURORA-", strings.ToUpper(prefix)+"AURORA-")
		return strings.ReplaceAll(s, "aurora-", prefix+"aurora-")
	}
	for i := range f.inv.Instances {
		in := &f.inv.Instances[i]
		in.Region, in.ID, in.ARN, in.ResourceID, in.ClusterID = region, fixID(in.ID), fix(in.ARN), fixID(in.ResourceID), fixID(in.ClusterID)
	}
	for i := range f.inv.Clusters {
		c := &f.inv.Clusters[i]
		c.Region, c.ID, c.ARN, c.ResourceID = region, fixID(c.ID), fixID(fix(c.ARN)), fixID(c.ResourceID)
		for j := range c.Members {
			c.Members[j] = fixID(c.Members[j])
		}
	}
	for i := range f.inv.Snapshots {
		s := &f.inv.Snapshots[i]
		s.Region, s.ID, s.ARN, s.SourceID, s.ResourceID = region, fixID(s.ID), fixID(fix(s.ARN)), fixID(s.SourceID), fixID(s.ResourceID)
	}
	for i := range f.inv.AutomatedBackups {
		a := &f.inv.AutomatedBackups[i]
		a.Region, a.ARN, a.InstanceID, a.ResourceID, a.SourceARN = region, fixID(fix(a.ARN)), fixID(a.InstanceID), fixID(a.ResourceID), fix(a.SourceARN)
	}
	for i := range f.inv.Subscriptions {
		f.inv.Subscriptions[i].Region = region
	}
	return f
}

func (f *fakeRDS) load(region string, fx *fixture) {
	r := f.region(region)
	f.mu.Lock()
	defer f.mu.Unlock()
	r.instances = append(r.instances, fx.inv.Instances...)
	r.clusters = append(r.clusters, fx.inv.Clusters...)
	r.snapshots = append(r.snapshots, fx.inv.Snapshots...)
	r.autoBackups = append(r.autoBackups, fx.inv.AutomatedBackups...)
	r.subscriptions = append(r.subscriptions, fx.inv.Subscriptions...)
}

// twoRegions serves a healthy fixture in eu-west-1 and another in eu-central-1, each
// with a manual snapshot whose sharing is looked up.
func twoRegions(t *testing.T) *fakeRDS {
	f := newFakeRDS(t)
	for _, r := range []struct{ region, prefix string }{{west, ""}, {central, "c-"}} {
		fx := regionFixture(r.region, r.prefix)
		db := fx.inv.Instances[0]
		fx.inv.Snapshots = append(fx.inv.Snapshots, Snapshot{Region: r.region, ID: r.prefix + "manual-1", SourceID: db.ID,
			ResourceID: db.ResourceID, SourceCreated: db.Created, Engine: "postgres", Type: "manual", Status: "available",
			Created: now.Add(-3 * time.Hour), OriginalCreated: now.Add(-3 * time.Hour), Encrypted: ptr(true), EncryptionType: "sse-kms"})
		f.load(r.region, fx)
	}
	awsTestEnv(t, f.srv.URL)
	return f
}

func fastOptions() Options {
	return Options{Regions: []string{west, central}, AsOf: now, Now: func() time.Time { return now },
		Timeout: 20 * time.Second, MaxAttempts: 4, MaxBackoff: 5 * time.Millisecond}
}

func run(t *testing.T, o Options) Report {
	t.Helper()
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

// noPassOrFail asserts that a unit's checks touched by the failure are errors.
func requireStatus(t *testing.T, r Report, id, check string, want Status) {
	t.Helper()
	if c := checkOf(t, r, id, check); c.Status != want {
		t.Errorf("%s %s = %s (%s), want %s", id, check, c.Status, c.Detail, want)
	}
}

func TestRunAgainstFakeRDS(t *testing.T) {
	f := twoRegions(t)
	// 250 more snapshots in eu-west-1: three pages of 100.
	extra := regionFixture(west, "old-")
	for i := 0; i < 250; i++ {
		s := extra.inv.Snapshots[0]
		s.ID = fmt.Sprintf("old-%03d", i)
		s.ResourceID, s.SourceID = "db-GONE", "gone-db"
		f.region(west).snapshots = append(f.region(west).snapshots, s)
	}
	r := run(t, fastOptions())
	if r.ExitCode(false) != 0 || r.Totals.Pass != 4 || len(r.Errors) != 0 {
		t.Fatalf("totals %+v errors %v\n%s", r.Totals, r.Errors, r.Summary())
	}
	// Pages are distinct requests (a transport retry repeats a body, not a page).
	if got := f.pages(west, "DescribeDBSnapshots"); got != 3 {
		t.Errorf("DescribeDBSnapshots pages in eu-west-1 = %d, want 3 for 282 snapshots: %v", got, f.bodies[west+"\x00DescribeDBSnapshots"])
	}
	for k, bodies := range f.bodies {
		if strings.Contains(k, "Attributes") {
			continue
		}
		for _, b := range bodies {
			if !strings.Contains(b, "MaxRecords=100") {
				t.Errorf("%q sent without MaxRecords=100: %s", k, b)
			}
		}
	}
	if !strings.Contains(f.bodies[west+"\x00DescribeDBSnapshots"][0], "Filters.Filter.1.Name=snapshot-type") {
		t.Errorf("snapshot types filter missing: %s", f.bodies[west+"\x00DescribeDBSnapshots"][0])
	}
	for _, region := range []string{west, central} {
		for _, a := range []string{"DescribeDBInstances", "DescribeDBClusters", "DescribeDBClusterSnapshots",
			"DescribeDBInstanceAutomatedBackups", "DescribeEventSubscriptions", "DescribeDBSnapshotAttributes"} {
			if got := f.pages(region, a); got != 1 {
				t.Errorf("%s %s asked for %d pages, want 1", region, a, got)
			}
		}
	}
	db := unitOf(t, r, "c-platform-db")
	if db.Region != central || db.ResourceID != "db-C-PLATFORM-DB" || db.NewestRestoreKind != "pitr" {
		t.Errorf("central unit %+v", db)
	}
	if c, _ := db.Check(CheckSnapshotNotPublic); !strings.Contains(c.Detail, "1 manual snapshots") {
		t.Errorf("attributes read: %s", c.Detail)
	}
}

func TestFaultThrottlingThenSuccess(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		switch {
		case action == "DescribeDBSnapshots" && n <= 2:
			return faultThrottle
		case action == "DescribeDBSnapshotAttributes" && n == 1:
			return faultThrottle
		case action == "DescribeDBInstances" && region == central && n == 1:
			return faultServerError
		}
		return noFault
	}
	r := run(t, fastOptions())
	if r.ExitCode(false) != 0 || len(r.Errors) != 0 || r.Totals.Pass != 4 {
		t.Fatalf("retries should have hidden the throttling: %+v %v", r.Totals, r.Errors)
	}
	if got := f.count(west, "DescribeDBSnapshots"); got != 3 {
		t.Errorf("DescribeDBSnapshots requests %d, want 2 throttled + 1", got)
	}
}

func TestFaultThrottledOut(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		if region == west && action == "DescribeDBSnapshots" {
			return faultThrottle
		}
		return noFault
	}
	r := run(t, fastOptions())
	if r.ExitCode(false) != 2 {
		t.Fatalf("exit %d, want 2: %s", r.ExitCode(false), r.Summary())
	}
	if got := f.count(west, "DescribeDBSnapshots"); got != 4 {
		t.Errorf("attempts %d, want MaxAttempts 4", got)
	}
	requireStatus(t, r, "platform-db", CheckSnapshotFreshness, Error)
	requireStatus(t, r, "platform-db", CheckSnapshotHistory, Error)
	if u := unitOf(t, r, "platform-db"); u.Status != Error {
		t.Errorf("platform-db %s", u.Status)
	}
	if len(r.Errors) != 1 || r.Errors[0].Code != "Throttling" || !strings.Contains(r.Errors[0].Message, "gave up after 4 attempts") {
		t.Errorf("errors %+v", r.Errors)
	}
}

func TestFaultAccessDeniedInOneRegion(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		if region == central {
			return faultAccessDenied
		}
		return noFault
	}
	r := run(t, fastOptions())
	if r.ExitCode(false) != 2 || r.ExitCode(true) != 2 {
		t.Fatalf("exit %d, want 2: %s", r.ExitCode(false), r.Summary())
	}
	reg := unitOf(t, r, central)
	if reg.Kind != KindRegion || reg.Status != Error {
		t.Fatalf("region unit %+v", reg)
	}
	if c, _ := reg.Check(CheckInventory); !strings.Contains(c.Detail, "the credentials lack rds:DescribeDBInstances") {
		t.Errorf("detail %q", c.Detail)
	}
	for _, u := range r.Units {
		if u.Region == central && (u.Status == Pass || u.Status == Fail) {
			t.Errorf("%s in the denied region is %s", u.ID, u.Status)
		}
		if u.Region == west && u.Status != Pass {
			t.Errorf("%s in the readable region is %s", u.ID, u.Status)
		}
	}
	if f.count(central, "DescribeDBInstances") != 1 {
		t.Errorf("AccessDenied must not be retried: %d requests", f.count(central, "DescribeDBInstances"))
	}
	var b strings.Builder
	if err := r.WriteTable(&b, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "eu-central-1 DescribeDBSnapshots: AccessDenied") {
		t.Errorf("table lacks the API errors:\n%s", b.String())
	}
}

func TestFaultServerErrors(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		if region == west && action == "DescribeDBClusterSnapshots" {
			return faultServerError
		}
		return noFault
	}
	r := run(t, fastOptions())
	if r.ExitCode(false) != 2 {
		t.Fatalf("exit %d: %s", r.ExitCode(false), r.Summary())
	}
	requireStatus(t, r, "aurora-cluster", CheckSnapshotFreshness, Error)
	requireStatus(t, r, "platform-db", CheckSnapshotFreshness, Pass)
	if f.count(west, "DescribeDBClusterSnapshots") != 4 {
		t.Errorf("500s must be retried up to MaxAttempts: %d", f.count(west, "DescribeDBClusterSnapshots"))
	}
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].String(), "DescribeDBClusterSnapshots") {
		t.Errorf("%v", r.Errors)
	}
}

func TestFaultHangingEndpointTimesOut(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		if region == west && action == "DescribeDBInstances" {
			return faultHang
		}
		return noFault
	}
	o := fastOptions()
	o.Timeout = time.Second
	// That the run ends at all is the timeout at work (the fault never answers); the
	// "timeout" error below says it was the deadline, not another failure.
	r := run(t, o)
	if r.ExitCode(false) != 2 {
		t.Fatalf("exit %d: %s", r.ExitCode(false), r.Summary())
	}
	found := false
	for _, e := range r.Errors {
		if e.Region == west && e.Operation == OpDescribeDBInstances && e.Code == "timeout" {
			found = true
		}
	}
	if !found {
		t.Errorf("no timeout error: %+v", r.Errors)
	}
	if u := unitOf(t, r, west); u.Status != Error {
		t.Errorf("region %s", u.Status)
	}
}

func TestFaultMalformedXML(t *testing.T) {
	for name, fl := range map[string]fault{"cut-off XML": faultMalformed, "empty time element": faultEmptyTime} {
		t.Run(name, func(t *testing.T) {
			f := twoRegions(t)
			f.fault = func(region, action string, n int, _ map[string]string) fault {
				if region == west && action == "DescribeDBSnapshots" {
					return fl
				}
				return noFault
			}
			r := run(t, fastOptions())
			if r.ExitCode(false) != 2 {
				t.Fatalf("exit %d: %s", r.ExitCode(false), r.Summary())
			}
			requireStatus(t, r, "platform-db", CheckSnapshotFreshness, Error)
			if len(r.Errors) != 1 || r.Errors[0].Code != "unreadable-response" {
				t.Errorf("%+v", r.Errors)
			}
		})
	}
}

func TestFaultSnapshotDeletedBeforeAttributeLookup(t *testing.T) {
	f := twoRegions(t)
	f.gone["manual-1"] = true
	r := run(t, fastOptions())
	if r.ExitCode(false) != 0 || len(r.Errors) != 0 {
		t.Fatalf("a vanished snapshot is not an error: %+v %v", r.Totals, r.Errors)
	}
	requireStatus(t, r, "platform-db", CheckSnapshotNotPublic, Skip)
}

func TestDuplicateMarkerEndsPaging(t *testing.T) {
	f := twoRegions(t)
	f.dupMarker = true
	r := run(t, fastOptions())
	if got := f.firstAttempts(west, "DescribeDBSnapshots"); got != 2 {
		t.Errorf("requests %d (retries left out): StopOnDuplicateToken must end the loop after the repeated marker", got)
	}
	if r.ExitCode(false) != 0 {
		t.Errorf("exit %d: %s", r.ExitCode(false), r.Summary())
	}
}

func TestRunRefusesWhatCannotWork(t *testing.T) {
	f := twoRegions(t)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"availability zone as region", Options{Regions: []string{"us-west-2a"}}, `"us-west-2a" is an availability zone`},
		{"unknown service", Options{Regions: []string{west}, Service: "billing"}, `no service "billing"`},
		{"bad policy file", Options{PolicyFile: "testdata/nope.toml"}, "no such policy file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("no region anywhere", func(t *testing.T) {
		os.Unsetenv("AWS_REGION")
		_, err := Run(context.Background(), Options{})
		if err == nil || !strings.Contains(err.Error(), "no region to check") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		_, err := Run(context.Background(), Options{Regions: []string{west}, Timeout: 10 * time.Second})
		if err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") {
			t.Fatalf("%v", err)
		}
	})
	if n := f.count(west, "DescribeDBInstances"); n != 0 {
		t.Errorf("a refused run called the API %d times", n)
	}
}

func TestRunForOneService(t *testing.T) {
	twoRegions(t)
	p := DefaultPolicy()
	p.Services = []Service{{Name: "platform-database", Match: Match{Identifiers: []string{"platform-db"}}, Rules: p.Defaults}}
	o := fastOptions()
	o.Regions, o.Policy, o.Service = nil, &p, "platform-database"
	t.Setenv("AWS_REGION", west)
	r := run(t, o)
	if len(r.Units) != 1 || r.Units[0].ID != "platform-db" || r.ExitCode(false) != 0 || !strings.Contains(r.Summary(), "PASS, 1 unit:") {
		t.Fatalf("%v %s", unitIDs(r), r.Summary())
	}
}

func TestFaultForbiddenWithUnreadableBodyIsAccessDenied(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		if region == central && action == "DescribeDBInstances" {
			return faultForbiddenHTML
		}
		return noFault
	}
	r := run(t, fastOptions())
	if r.ExitCode(false) != 2 {
		t.Fatalf("exit %d: %s", r.ExitCode(false), r.Summary())
	}
	if len(r.Errors) != 1 {
		t.Fatalf("errors %+v", r.Errors)
	}
	e := r.Errors[0]
	if e.Code != "AccessDenied" || !strings.Contains(e.String(), "HTTP 403") || !strings.Contains(e.String(), "the credentials lack rds:DescribeDBInstances") {
		t.Errorf("a 403 the SDK cannot parse must read as access denied naming the action: %+v\n%s", e, e.String())
	}
	if n := f.count(central, "DescribeDBInstances"); n != 1 {
		t.Errorf("a 403 was retried: %d requests", n)
	}
}

// refusedEndpoint is an address on 127.0.0.1 where nothing listens.
func refusedEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestFaultConnectionRefusedFailsFastNamingTheCause(t *testing.T) {
	addr := refusedEndpoint(t)
	awsTestEnv(t, "http://"+addr)
	o := fastOptions()
	o.MaxAttempts, o.MaxBackoff = 0, 0 // the defaults: 10 attempts, backoff up to 20 s
	o.Timeout = time.Minute
	start := time.Now()
	r := run(t, o)
	// Not retried is asserted below (no "attempts" in the message); the time is a figure.
	t.Logf("connection refused reported after %v", time.Since(start))
	if r.ExitCode(false) != 2 || len(r.Errors) == 0 || r.Totals.Pass+r.Totals.Fail != 0 {
		t.Fatalf("exit %d %+v %v", r.ExitCode(false), r.Totals, r.Errors)
	}
	for _, e := range r.Errors {
		if e.Code != "connection-refused" || !strings.Contains(e.Message, "connection refused to "+addr) || strings.Contains(e.String(), "HTTP 0") {
			t.Errorf("%s: want the cause named", e)
		}
		if strings.Contains(e.Message, "attempts") {
			t.Errorf("%s: connection refused was retried", e)
		}
	}
}

func TestFaultTimeoutNamesTheCauseItWasRetrying(t *testing.T) {
	f := twoRegions(t)
	f.fault = func(region, action string, n int, _ map[string]string) fault {
		if region == west && action == "DescribeDBInstances" {
			return faultServerError
		}
		return noFault
	}
	o := fastOptions()
	o.Timeout, o.MaxAttempts, o.MaxBackoff = 1500*time.Millisecond, 1000, 50*time.Millisecond
	r := run(t, o)
	var found *InventoryError
	for i, e := range r.Errors {
		if e.Region == west && e.Operation == OpDescribeDBInstances {
			found = &r.Errors[i]
		}
	}
	if found == nil {
		t.Fatalf("no error for the failing call: %+v", r.Errors)
	}
	if found.Code != "timeout" || !strings.Contains(found.Message, "raise --timeout") || !strings.Contains(found.Message, "HTTP 500") {
		t.Errorf("the timeout must name what it was retrying: %s", found)
	}
}
