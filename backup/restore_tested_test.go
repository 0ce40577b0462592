package backup

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRestoreTestedCheck(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	pol := DefaultPolicy()
	pol.Services = []Service{{Name: "platform", Rules: DefaultRules()}}
	pol.Services[0].Rules.RTO = 30 * time.Minute
	pol.Services[0].Rules.Restore = RestoreRules{MaxAge: 30 * 24 * time.Hour, Missed: Fail}
	units := func() Report {
		r := Report{Units: []UnitResult{
			{ID: "platform-db", Kind: KindInstance, Region: west, Service: "platform", Status: Pass, Checks: []CheckResult{{Name: "rpo", Status: Pass}}},
			{ID: "other-db", Kind: KindInstance, Region: west, Status: Pass, Checks: []CheckResult{{Name: "rpo", Status: Pass}}},
		}}
		r.finish()
		return r
	}
	age := 2 * 3600.0
	passed := func(daysAgo int, rto time.Duration) RestoreTestResult {
		return RestoreTestResult{Schema: 1, Status: Pass, Region: west, Source: RestoreSource{ID: "platform-db"}, Began: now.Add(-time.Duration(daysAgo) * 24 * time.Hour),
			MeasuredRTOSeconds: rto.Seconds(), RTOSeconds: 1800, RPOSeconds: 6 * 3600, DataAgeSeconds: &age}
	}
	failed := RestoreTestResult{Schema: 1, Status: Fail, Region: west, Source: RestoreSource{ID: "platform-db"}, Began: now.Add(-24 * time.Hour),
		Error: "restore test of platform-db: RTO missed: first query after 41m, RTO 30m"}
	couldNot := RestoreTestResult{Schema: 1, Status: Error, Region: west, Source: RestoreSource{ID: "platform-db"}, Began: now.Add(-time.Hour), Error: "credentials refused"}
	for _, tc := range []struct {
		name    string
		history []RestoreTestResult
		status  Status
		detail  string
	}{
		{"never tested", nil, Fail, "never restore tested (restore_test_max_age 30d): run muster backup restore-test --db platform-db --region eu-west-1"},
		{"tested 3 days ago within the RTO", []RestoreTestResult{passed(3, 24*time.Minute), couldNot}, Pass, "restore tested 3d ago: RTO 24m of 30m, data 2h old of RPO 6h"},
		{"the last test missed the RTO", []RestoreTestResult{passed(3, 24*time.Minute), failed}, Fail, "last restore test 24h ago failed: restore test of platform-db: RTO missed"},
		{"the last pass is too old", []RestoreTestResult{passed(45, 20*time.Minute)}, Fail, "restore tested 45d ago, more than restore_test_max_age 30d"},
		{"another region's test does not count", []RestoreTestResult{func() RestoreTestResult { r := passed(1, time.Minute); r.Region = central; return r }()}, Fail, "never restore tested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := units()
			r.AddRestoreTested(pol, tc.history, now)
			c, ok := r.Units[0].Check(CheckRestoreTested)
			if !ok || c.Status != tc.status || !strings.Contains(c.Detail, tc.detail) {
				t.Fatalf("restore-tested %+v, want %s %q", c, tc.status, tc.detail)
			}
			if _, ok := r.Units[1].Check(CheckRestoreTested); ok {
				t.Error("a unit whose rules set no restore_test_max_age got the check")
			}
			if r.Units[0].Status != tc.status || (tc.status == Fail) != (r.Totals.Fail == 1) {
				t.Errorf("unit status %s, totals %+v", r.Units[0].Status, r.Totals)
			}
			var b bytes.Buffer
			if err := r.WriteTable(&b, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "platform-db (eu-west-1)") || !strings.Contains(b.String(), tc.detail) {
				t.Errorf("table does not show %q:\n%s", tc.detail, b.String())
			}
		})
	}
}
