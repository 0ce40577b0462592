package backup

import (
	"fmt"
	"io"
	"time"
)

// CheckRestoreTested is backup check's per-unit check of restore tests: a database of a
// service with restore_test_max_age needs a passing `muster backup restore-test` that
// young, and its last judged test must have met the RTO and RPO.
const CheckRestoreTested = "restore-tested"

// AddRestoreTested judges every unit whose rules set restore_test_max_age against the
// saved restore tests (history, any order) at now, adds the restore-tested check and
// recomputes statuses and totals. Tests that could not be judged (status error) are
// ignored: they prove nothing either way.
func (r *Report) AddRestoreTested(p Policy, history []RestoreTestResult, now time.Time) {
	changed := false
	for i := range r.Units {
		u := &r.Units[i]
		if u.Kind != KindInstance && u.Kind != KindAuroraCluster {
			continue
		}
		rules := p.Defaults
		for _, s := range p.Services {
			if s.Name == u.Service {
				rules = s.Rules
			}
		}
		if rules.Restore.MaxAge <= 0 {
			continue
		}
		u.Checks = append(u.Checks, judgeRestoreTested(u, rules.Restore, history, now))
		u.Status = worst(u.Checks)
		changed = true
	}
	if changed {
		r.finish()
	}
}

func judgeRestoreTested(u *UnitResult, rr RestoreRules, history []RestoreTestResult, now time.Time) CheckResult {
	c := CheckResult{Name: CheckRestoreTested, Status: rr.Missed}
	var last, lastPass *RestoreTestResult
	for i := range history {
		h := &history[i]
		if h.Source.ID != u.ID || h.Region != u.Region || h.Status == Error || h.Began.After(now) {
			continue
		}
		if last == nil || h.Began.After(last.Began) {
			last = h
		}
		if h.Status == Pass && (lastPass == nil || h.Began.After(lastPass.Began)) {
			lastPass = h
		}
	}
	switch {
	case last == nil:
		c.Detail = fmt.Sprintf("never restore tested (restore_test_max_age %s): run muster backup restore-test --db %s --region %s", Age(rr.MaxAge), u.ID, u.Region)
	case last.Status != Pass:
		c.Detail = fmt.Sprintf("last restore test %s ago failed: %s", Age(now.Sub(last.Began)), last.Error)
	case now.Sub(lastPass.Began) > rr.MaxAge:
		c.Detail = fmt.Sprintf("restore tested %s ago, more than restore_test_max_age %s", Age(now.Sub(lastPass.Began)), Age(rr.MaxAge))
	default:
		c.Status = Pass
		c.Detail = "restore tested " + Age(now.Sub(lastPass.Began)) + " ago: " + lastPass.measured()
	}
	return c
}

// measured is "RTO 24m of 30m, data 2h old of RPO 6h".
func (res *RestoreTestResult) measured() string {
	s := "RTO " + Age(time.Duration(res.MeasuredRTOSeconds*float64(time.Second)))
	if res.RTOSeconds > 0 {
		s += " of " + Age(time.Duration(res.RTOSeconds)*time.Second)
	}
	if res.DataAgeSeconds != nil {
		s += ", data " + Age(time.Duration(*res.DataAgeSeconds*float64(time.Second))) + " old"
		if res.RPOSeconds > 0 {
			s += " of RPO " + Age(time.Duration(res.RPOSeconds)*time.Second)
		}
	}
	return s
}

// writeRestoreTested lists the passing restore-tested checks under the table (failing
// ones are findings): "platform-db (eu-west-1): restore tested 3d ago: RTO 24m of 30m".
func writeRestoreTested(w io.Writer, r *Report, color bool) {
	head := false
	for _, u := range r.Units {
		if c, ok := u.Check(CheckRestoreTested); ok && c.Status == Pass {
			if !head {
				fmt.Fprintln(w, "\nRestore tests:")
				head = true
			}
			fmt.Fprintf(w, "  %-8s %s: %s\n", verdictPad(c.Status, color), unitLabel(&u), c.Detail)
		}
	}
}
