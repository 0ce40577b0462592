package backup

import (
	"strings"
	"testing"
	"time"
)

// orphanSnapshot is a manual snapshot of a database that no longer exists.
func orphanSnapshot(region, id, source string, restore ...string) Snapshot {
	t := now.Add(-40 * day)
	return Snapshot{Region: region, ID: id, ARN: "arn:aws:rds:" + region + ":123456789012:snapshot:" + id,
		SourceID: source, ResourceID: "db-GONE-" + strings.ToUpper(source), SourceCreated: now.Add(-400 * day),
		Engine: "postgres", Type: "manual", Status: "available", Created: t, OriginalCreated: t,
		Encrypted: ptr(true), EncryptionType: "sse-kms", Attributes: AttributesRead, Restore: restore}
}

func TestOrphanedSharedSnapshotsAreUnits(t *testing.T) {
	f := healthy()
	f.p.Defaults.AllowedAccounts = []string{"210987654321"}
	f.inv.CopyRegions = []string{central}
	public := orphanSnapshot(west, "old-billing-final", "billing-db", "all")
	foreign := orphanSnapshot(west, "old-crm-export", "crm-db", "999999999999")
	allowed := orphanSnapshot(west, "old-ledger-dr", "ledger-db", "210987654321")
	private := orphanSnapshot(west, "old-private", "old-db")
	unread := orphanSnapshot(west, "old-unread", "old-db")
	unread.Attributes, unread.Restore = AttributesFailed, nil
	cluster := orphanSnapshot(west, "old-aurora-final", "old-aurora", "all")
	cluster.Cluster = true
	// A copy in the copy region of a live database's snapshot is that database's.
	liveCopy := orphanSnapshot(central, "platform-db-copy", "platform-db", "all")
	liveCopy.ResourceID, liveCopy.SourceRegion = "db-PLATFORM-DB", west
	// A public snapshot of a live database fails that database, not an orphan unit.
	livePublic := orphanSnapshot(west, "platform-db-shared", "platform-db", "all")
	livePublic.ResourceID = "db-PLATFORM-DB"
	f.inv.Snapshots = append(f.inv.Snapshots, public, foreign, allowed, private, unread, cluster, liveCopy, livePublic)
	f.inv.Errors = append(f.inv.Errors, InventoryError{Region: west, Operation: OpDescribeDBSnapshotAttributes, Target: "old-unread",
		Code: "Throttling", Message: "Rate exceeded", Action: "rds:DescribeDBSnapshotAttributes"})
	r := Evaluate(f.inv, f.p, now)

	want := map[string]Status{"old-billing-final": Fail, "old-crm-export": Warn, "old-ledger-dr": Pass, "old-unread": Error, "old-aurora-final": Fail}
	got := map[string]*UnitResult{}
	for _, u := range r.Units {
		if u.Kind == KindOrphanedSnapshot {
			got[u.ID] = &u
		}
	}
	if len(got) != len(want) {
		t.Errorf("orphaned snapshot units %v, want %v", unitIDs(r), want)
	}
	for id, st := range want {
		u, ok := got[id]
		if !ok {
			t.Errorf("%s: no unit", id)
			continue
		}
		c, _ := u.Check(CheckSnapshotNotPublic)
		if u.Status != st || c.Status != st || u.Region != west || !strings.Contains(c.Detail, "no longer exists") {
			t.Errorf("%s: %s, check %s (%s)", id, u.Status, c.Status, c.Detail)
		}
	}
	if c, _ := got["old-billing-final"].Check(CheckSnapshotNotPublic); !strings.Contains(c.Detail, "billing-db") || !strings.Contains(c.Detail, "restore=all") {
		t.Errorf("public orphan detail %q", c.Detail)
	}
	if c, _ := got["old-crm-export"].Check(CheckSnapshotNotPublic); !strings.Contains(c.Detail, "999999999999") {
		t.Errorf("foreign orphan detail %q", c.Detail)
	}
	requireStatus(t, r, "platform-db", CheckSnapshotNotPublic, Fail)
	if r.ExitCode(false) != 1 {
		t.Errorf("exit %d: a restorable-by-all snapshot must fail", r.ExitCode(false))
	}
	var b strings.Builder
	if err := r.WriteTable(&b, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "old-billing-final [orphaned snapshot]") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestOrphanedSnapshotsOfAnUnlistedRegionAreNotGuessed(t *testing.T) {
	f := healthy()
	f.inv.Snapshots = append(f.inv.Snapshots, orphanSnapshot(west, "old-billing-final", "billing-db", "all"))
	f.inv.Errors = []InventoryError{{Region: west, Operation: OpDescribeDBInstances, Code: "AccessDenied", Action: "rds:DescribeDBInstances"}}
	f.inv.Instances = nil
	r := Evaluate(f.inv, f.p, now.Add(time.Minute))
	for _, u := range r.Units {
		if u.Kind == KindOrphanedSnapshot {
			t.Errorf("instances could not be listed, so no snapshot can be called orphaned: %+v", u)
		}
	}
}
