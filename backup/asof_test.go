package backup

import (
	"strings"
	"testing"
	"time"
)

// The inventory is read at now; these judge an earlier instant, as --as-of does.

func TestAsOfBeforeTheDatabaseExisted(t *testing.T) {
	f := healthy()
	f.inv.ReadAt = now
	db := f.instance("platform-db")
	db.Created = now.Add(-2 * time.Hour)
	f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" })
	f.inv.AutomatedBackups[0].Earliest = now.Add(-time.Hour)
	asOf := now.Add(-3 * time.Hour)
	r := Evaluate(f.inv, f.p, asOf)
	u := unitOf(t, r, "platform-db")
	if u.Status != Skip || u.EffectiveRPOSeconds != nil {
		t.Fatalf("a database created after the as-of instant is judged: %s, effective RPO %v\n%s", u.Status, u.EffectiveRPOSeconds, r.Summary())
	}
	for _, c := range u.Checks {
		if c.Status != Skip || !strings.Contains(c.Detail, "created 2026-09-01 10:00 UTC, after the instant judged") {
			t.Errorf("%s = %s (%s)", c.Name, c.Status, c.Detail)
		}
	}
}

func TestAsOfRestorePointAfterTheInstantIsNotOne(t *testing.T) {
	// The case: LatestRestorableTime after the as-of instant was taken as the
	// instant itself (effective RPO 0 s, "reaches back -59m") and passed.
	f := healthy()
	db := f.instance("platform-db")
	db.Created = now.Add(-40 * time.Minute)
	db.LatestRestorable = now.Add(-5 * time.Minute)
	f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" })
	f.inv.AutomatedBackups[0].Earliest = now.Add(-30 * time.Minute)
	f.inv.AutomatedBackups[0].Latest = db.LatestRestorable
	asOf := now.Add(-35 * time.Minute) // the database existed, no restore point yet
	r := Evaluate(f.inv, f.p, asOf)
	u := unitOf(t, r, "platform-db")
	if u.EffectiveRPOSeconds != nil && *u.EffectiveRPOSeconds == 0 {
		t.Errorf("effective RPO 0 s from a restore point after the instant")
	}
	if c := checkOf(t, r, "platform-db", CheckRPO); c.Status == Pass {
		t.Errorf("rpo passes with no restore point before the instant: %s", c.Detail)
	}
	for _, name := range []string{CheckPITRFreshness, CheckPITRWindow} {
		c := checkOf(t, r, "platform-db", name)
		if c.Status == Pass || strings.Contains(c.Detail, "-") && strings.Contains(c.Detail, "reach back -") {
			t.Errorf("%s = %s (%s)", name, c.Status, c.Detail)
		}
	}
	if r.ExitCode(false) == 0 {
		t.Errorf("exit 0: %s", r.Summary())
	}
}

func TestAsOfPastInstantCannotProveRPOFromTodaysPITR(t *testing.T) {
	f := healthy()
	f.inv.ReadAt = now
	platformService(f)              // RPO 6h; the newest daily snapshot before the instant is 02:10
	asOf := now.Add(-3 * time.Hour) // 09:00: 6h50m after 02:10
	r := Evaluate(f.inv, f.p, asOf)
	c := checkOf(t, r, "platform-db", CheckRPO)
	if c.Status == Pass || !strings.Contains(c.Detail, "cannot show") || !strings.Contains(c.Detail, "read at 2026-09-01 12:00 UTC") {
		t.Errorf("rpo at a past instant from today's PITR figures: %s (%s)", c.Status, c.Detail)
	}
	if c := checkOf(t, r, "platform-db", CheckPITRFreshness); c.Status != Skip || !strings.Contains(c.Detail, "past instant") {
		t.Errorf("pitr-freshness: %s (%s)", c.Status, c.Detail)
	}
	u := unitOf(t, r, "platform-db")
	if u.NewestRestoreKind != "snapshot" {
		t.Errorf("newest restore point at a past instant: %s, want the snapshot", u.NewestRestoreKind)
	}
	// A snapshot within the RPO does prove it.
	asOf = now.Add(-8 * time.Hour) // 04:00: 1h50m after 02:10
	r = Evaluate(f.inv, f.p, asOf)
	if c := checkOf(t, r, "platform-db", CheckRPO); c.Status != Pass || !strings.Contains(c.Detail, "snapshot") {
		t.Errorf("rpo proven by a snapshot: %s (%s)", c.Status, c.Detail)
	}
	// The restore window read today reaches back past the instant's 30 days: proven.
	if c := checkOf(t, r, "platform-db", CheckPITRWindow); c.Status == Fail {
		t.Errorf("pitr-window: %s (%s)", c.Status, c.Detail)
	}
}
