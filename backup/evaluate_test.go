package backup

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

const (
	west    = "eu-west-1"
	central = "eu-central-1"
)

// fixture is an inventory and policy that pass every check; cases break one thing.
type fixture struct {
	inv Inventory
	p   Policy
}

func dbInstance(id string) Instance {
	return Instance{
		Region: west, ID: id, ARN: "arn:aws:rds:eu-west-1:123456789012:db:" + id,
		ResourceID: "db-" + strings.ToUpper(id), Engine: "postgres", Status: "available",
		Retention: ptr(30), LatestRestorable: now.Add(-5 * time.Minute), Created: now.Add(-400 * day),
		StorageEncrypted: ptr(true), EncryptionType: "sse-kms", KMSKeyID: "arn:aws:kms:eu-west-1:123456789012:key/k1",
		Tags: map[string]string{"service": "platform"},
	}
}

func dbCluster(id string, members ...string) Cluster {
	return Cluster{
		Region: west, ID: id, ARN: "arn:aws:rds:eu-west-1:123456789012:cluster:" + id,
		ResourceID: "cluster-" + strings.ToUpper(id), Engine: "aurora-postgresql", Status: "available",
		Members: members, Retention: ptr(30), EarliestRestorable: now.Add(-30*day - 10*time.Hour),
		LatestRestorable: now.Add(-2 * time.Minute), Created: now.Add(-400 * day),
		StorageEncrypted: ptr(true), EncryptionType: "sse-kms", KMSKeyID: "arn:aws:kms:eu-west-1:123456789012:key/k1",
		Tags: map[string]string{"service": "platform"},
	}
}

func member(id, clusterID string) Instance {
	in := dbInstance(id)
	in.Engine, in.ClusterID, in.Retention = "aurora-postgresql", clusterID, ptr(1)
	in.LatestRestorable = time.Time{}
	return in
}

// daily makes an available automated snapshot at 02:10 UTC on each of the last n days
// (today included).
func daily(in Instance, n int) []Snapshot {
	var out []Snapshot
	for d := 0; d < n; d++ {
		t := now.Truncate(day).Add(-time.Duration(d)*day + 2*time.Hour + 10*time.Minute)
		out = append(out, Snapshot{
			Region: in.Region, ID: fmt.Sprintf("rds:%s-%s", in.ID, t.Format("2006-01-02-15-04")),
			ARN:      fmt.Sprintf("arn:aws:rds:%s:123456789012:snapshot:rds:%s-%s", in.Region, in.ID, t.Format("2006-01-02-15-04")),
			SourceID: in.ID, ResourceID: in.ResourceID, SourceCreated: in.Created, Engine: in.Engine,
			Type: "automated", Status: "available", Created: t, OriginalCreated: t,
			Encrypted: ptr(true), EncryptionType: "sse-kms", KMSKeyID: in.KMSKeyID,
		})
	}
	return out
}

func dailyCluster(c Cluster, n int) []Snapshot {
	var out []Snapshot
	for d := 0; d < n; d++ {
		t := now.Truncate(day).Add(-time.Duration(d)*day + 3*time.Hour)
		out = append(out, Snapshot{
			Region: c.Region, Cluster: true, ID: fmt.Sprintf("rds:%s-%s", c.ID, t.Format("2006-01-02-15-04")),
			ARN:      fmt.Sprintf("arn:aws:rds:%s:123456789012:cluster-snapshot:rds:%s-%s", c.Region, c.ID, t.Format("2006-01-02-15-04")),
			SourceID: c.ID, ResourceID: c.ResourceID, SourceCreated: c.Created, Engine: c.Engine,
			Type: "automated", Status: "available", Created: t,
			Encrypted: ptr(true), EncryptionType: "sse-kms", KMSKeyID: c.KMSKeyID,
		})
	}
	return out
}

func activeBackup(in Instance, earliest time.Time) AutomatedBackup {
	return AutomatedBackup{
		Region: in.Region, ARN: "arn:aws:rds:" + in.Region + ":123456789012:auto-backup:ab-" + in.ID,
		InstanceID: in.ID, ResourceID: in.ResourceID, SourceARN: in.ARN, Status: "active",
		Earliest: earliest, Latest: in.LatestRestorable, Retention: in.Retention,
	}
}

func healthy() *fixture {
	db := dbInstance("platform-db")
	cl := dbCluster("aurora-cluster", "aurora-writer", "aurora-reader")
	f := &fixture{
		inv: Inventory{
			Regions:          []string{west},
			Instances:        []Instance{db, member("aurora-writer", cl.ID), member("aurora-reader", cl.ID)},
			Clusters:         []Cluster{cl},
			AutomatedBackups: []AutomatedBackup{activeBackup(db, now.Add(-30*day-10*time.Hour))},
			Subscriptions: []Subscription{
				{Region: west, Name: "backup-failures", SourceType: "db-instance", Status: "active", Enabled: true, Categories: []string{"backup", "failure"}},
				{Region: west, Name: "cluster-failures", SourceType: "db-cluster", Status: "active", Enabled: true, Categories: []string{"failure"}},
			},
		},
		p: DefaultPolicy(),
	}
	f.inv.Snapshots = append(daily(db, 31), dailyCluster(cl, 31)...)
	return f
}

func (f *fixture) instance(id string) *Instance {
	for i := range f.inv.Instances {
		if f.inv.Instances[i].ID == id {
			return &f.inv.Instances[i]
		}
	}
	panic("no instance " + id)
}

func (f *fixture) cluster(id string) *Cluster {
	for i := range f.inv.Clusters {
		if f.inv.Clusters[i].ID == id {
			return &f.inv.Clusters[i]
		}
	}
	panic("no cluster " + id)
}

// snaps applies fn to the snapshots of the database or cluster id.
func (f *fixture) snaps(id string, fn func(*Snapshot)) {
	for i := range f.inv.Snapshots {
		if f.inv.Snapshots[i].SourceID == id {
			fn(&f.inv.Snapshots[i])
		}
	}
}

func (f *fixture) dropSnaps(keep func(*Snapshot) bool) {
	var out []Snapshot
	for i := range f.inv.Snapshots {
		if keep(&f.inv.Snapshots[i]) {
			out = append(out, f.inv.Snapshots[i])
		}
	}
	f.inv.Snapshots = out
}

func platformService(f *fixture) {
	f.p.Services = []Service{{Name: "platform-database", Match: Match{Tags: map[string]string{"service": "platform"}}, Rules: f.p.Defaults}}
	f.p.Services[0].Rules.RPO = 6 * time.Hour
	f.p.Services[0].Rules.RTO = 30 * time.Minute
}

func unitOf(t *testing.T, r Report, id string) UnitResult {
	t.Helper()
	for _, u := range r.Units {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no unit %q in report; units: %v", id, unitIDs(r))
	return UnitResult{}
}

func unitIDs(r Report) []string {
	var ids []string
	for _, u := range r.Units {
		ids = append(ids, u.ID+"/"+u.Kind)
	}
	return ids
}

func checkOf(t *testing.T, r Report, id, name string) CheckResult {
	t.Helper()
	u := unitOf(t, r, id)
	c, ok := u.Check(name)
	if !ok {
		t.Fatalf("unit %q has no check %q", id, name)
	}
	return c
}

func TestHealthyFixturePassesEveryCheck(t *testing.T) {
	f := healthy()
	r := Evaluate(f.inv, f.p, now)
	if len(r.Units) != 2 {
		t.Fatalf("units = %v, want platform-db and aurora-cluster (members judged with the cluster)", unitIDs(r))
	}
	for _, u := range r.Units {
		for _, c := range u.Checks {
			want := Pass
			if c.Name == CheckCrossRegionCopy {
				want = Skip
			}
			if c.Status != want {
				t.Errorf("%s %s = %s (%s), want %s", u.ID, c.Name, c.Status, c.Detail, want)
			}
		}
		if u.Status != Pass {
			t.Errorf("%s status %s", u.ID, u.Status)
		}
	}
	if got := r.ExitCode(false); got != 0 {
		t.Errorf("exit %d, want 0", got)
	}
	db := unitOf(t, r, "platform-db")
	if eff, ok := db.EffectiveRPO(); !ok || eff != 5*time.Minute {
		t.Errorf("effective RPO %v, want 5m from LatestRestorableTime", eff)
	}
	if db.NewestRestoreKind != "pitr" || db.Kind != KindInstance || db.ResourceID != "db-PLATFORM-DB" {
		t.Errorf("unit fields: %+v", db)
	}
	if cl := unitOf(t, r, "aurora-cluster"); cl.Kind != KindAuroraCluster || len(cl.Members) != 2 {
		t.Errorf("cluster unit: kind %s members %v", cl.Kind, cl.Members)
	}
}

// expect is "unit/check" -> status, or "unit" -> unit status.
type expect map[string]Status

func TestEvaluateEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(f *fixture)
		at       time.Time
		want     expect
		contains map[string]string // "unit/check" -> substring of the detail
		exit     int
	}{
		{
			name: "creating instance snapshot without a time is not counted and does not crash",
			mod: func(f *fixture) {
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.Before(now.Add(-day)) })
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "x", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "manual", Status: "creating", PercentProgress: ptr(4)})
			},
			want: expect{"platform-db/snapshot-freshness": Fail, "platform-db/backup-health": Pass, "platform-db/snapshot-not-public": Error},
			contains: map[string]string{
				"platform-db/snapshot-freshness": "rds:platform-db-2026-08-31-02-10",
				"platform-db/backup-health":      "1 snapshot in progress",
			},
			exit: 1,
		},
		{
			name: "only snapshot is creating without a time: freshness fails and names it",
			mod: func(f *fixture) {
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" })
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "first", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "automated", Status: "creating"})
			},
			want:     expect{"platform-db/snapshot-freshness": Fail, "platform-db/snapshot-history": Fail, "platform-db/rpo": Pass},
			contains: map[string]string{"platform-db/snapshot-freshness": "not counted: 1 creating"},
			exit:     1,
		},
		{
			name: "cluster snapshot creating with a time is not counted; stuck for 8h warns",
			mod: func(f *fixture) {
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "aurora-cluster" || s.Created.Before(now.Add(-day)) })
				c := f.cluster("aurora-cluster")
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, Cluster: true, ID: "rds:aurora-cluster-today",
					SourceID: c.ID, ResourceID: c.ResourceID, Engine: c.Engine, Type: "automated", Status: "creating",
					Created: now.Add(-8 * time.Hour), PercentProgress: ptr(0), Encrypted: ptr(true)})
			},
			want: expect{"aurora-cluster/snapshot-freshness": Fail, "aurora-cluster/backup-health": Warn},
			contains: map[string]string{
				"aurora-cluster/snapshot-freshness": "rds:aurora-cluster-2026-08-31-03-00",
				"aurora-cluster/backup-health":      "rds:aurora-cluster-today creating for 8h",
			},
			exit: 1,
		},
		{
			name: "a copy made today of a 3-day-old snapshot is 3 days old",
			mod: func(f *fixture) {
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.Before(now.Add(-3*day)) })
				orig := now.Add(-3*day - time.Hour)
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "copy-of-old", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "manual", Status: "available",
					Created: now.Add(-time.Hour), OriginalCreated: orig, Encrypted: ptr(true), Attributes: AttributesRead})
			},
			want:     expect{"platform-db/snapshot-freshness": Fail},
			contains: map[string]string{"platform-db/snapshot-freshness": "a copy made 2026-09-01 11:00 UTC; its original time counts"},
			exit:     1,
		},
		{
			name: "Aurora members are not judged alone, even with retention 1 and no PITR",
			mod:  func(f *fixture) {},
			want: expect{"aurora-cluster": Pass},
		},
		{
			name: "Multi-AZ DB cluster is judged at cluster level",
			mod: func(f *fixture) {
				c := f.cluster("aurora-cluster")
				c.Engine = "postgres"
				f.snaps("aurora-cluster", func(s *Snapshot) { s.Engine = "postgres" })
			},
			want: expect{"aurora-cluster": Pass},
		},
		{
			name: "read replica is skipped by default",
			mod: func(f *fixture) {
				r := dbInstance("platform-db-replica")
				r.ReplicaOf, r.Retention, r.LatestRestorable = "platform-db", ptr(0), time.Time{}
				f.inv.Instances = append(f.inv.Instances, r)
			},
			want:     expect{"platform-db-replica": Skip, "platform-db-replica/rpo": Skip, "platform-db-replica/retention": Skip},
			contains: map[string]string{"platform-db-replica/rpo": "read replica of platform-db"},
			exit:     0,
		},
		{
			name: "read replica is checked when asked",
			mod: func(f *fixture) {
				r := dbInstance("platform-db-replica")
				r.ReplicaOf, r.Retention, r.LatestRestorable = "platform-db", ptr(0), time.Time{}
				f.inv.Instances = append(f.inv.Instances, r)
				f.p.Defaults.IncludeReplicas = true
			},
			want: expect{"platform-db-replica": Fail, "platform-db-replica/automated-backups-enabled": Fail},
			exit: 1,
		},
		{
			name: "stopped database with a 3-day-old backup warns, not fails",
			mod: func(f *fixture) {
				db := f.instance("platform-db")
				db.Status, db.LatestRestorable = "stopped", now.Add(-3*day)
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.Before(now.Add(-3*day)) })
			},
			want: expect{"platform-db/snapshot-freshness": Warn, "platform-db/pitr-freshness": Warn, "platform-db/rpo": Warn,
				"platform-db/snapshot-history": Warn, "platform-db": Warn},
			contains: map[string]string{"platform-db/rpo": "stopped"},
			exit:     0,
		},
		{
			name: "stopped database with stopped = fail fails",
			mod: func(f *fixture) {
				db := f.instance("platform-db")
				db.Status, db.LatestRestorable = "Stopped", now.Add(-3*day)
				f.p.Defaults.Stopped = Fail
			},
			want: expect{"platform-db/pitr-freshness": Fail, "platform-db/rpo": Pass},
			exit: 1,
		},
		{
			name: "retention 0: backups off, no PITR, no window",
			mod: func(f *fixture) {
				db := f.instance("platform-db")
				db.Retention, db.LatestRestorable = ptr(0), time.Time{}
				f.inv.AutomatedBackups = nil
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" })
			},
			want: expect{"platform-db/automated-backups-enabled": Fail, "platform-db/retention": Fail,
				"platform-db/pitr-freshness": Fail, "platform-db/pitr-window": Fail, "platform-db/rpo": Fail},
			contains: map[string]string{"platform-db/pitr-freshness": "automated backups are off", "platform-db/rpo": "no restore point at all"},
			exit:     1,
		},
		{
			name: "retention 35 meets a 30-day policy",
			mod:  func(f *fixture) { f.instance("platform-db").Retention = ptr(35) },
			want: expect{"platform-db/retention": Pass},
		},
		{
			name: "retention 35 under a 40-day policy warns: manual snapshots must carry the rest",
			mod: func(f *fixture) {
				f.instance("platform-db").Retention = ptr(35)
				f.cluster("aurora-cluster").Retention = ptr(35)
				f.p.Defaults.RetentionDays = 40
			},
			want:     expect{"platform-db/retention": Warn, "platform-db/snapshot-history": Fail},
			contains: map[string]string{"platform-db/retention": "the RDS maximum"},
			exit:     1,
		},
		{
			name: "retention 7 under the 30-day policy fails, and the window shows it",
			mod: func(f *fixture) {
				f.instance("platform-db").Retention = ptr(7)
				f.inv.AutomatedBackups[0].Earliest = now.Add(-7 * day)
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.After(now.Add(-7*day)) })
			},
			want:     expect{"platform-db/retention": Fail, "platform-db/pitr-window": Fail, "platform-db/snapshot-history": Fail},
			contains: map[string]string{"platform-db/retention": "7 days < 30 days", "platform-db/pitr-window": "reach back 7d"},
			exit:     1,
		},
		{
			name: "sse-rds cluster with StorageEncrypted=false is encrypted",
			mod: func(f *fixture) {
				c := f.cluster("aurora-cluster")
				c.StorageEncrypted, c.EncryptionType, c.KMSKeyID = ptr(false), "sse-rds", ""
				f.snaps("aurora-cluster", func(s *Snapshot) { s.Encrypted, s.EncryptionType, s.KMSKeyID = ptr(false), "sse-rds", "" })
			},
			want: expect{"aurora-cluster/storage-encrypted": Pass, "aurora-cluster/snapshot-encrypted": Pass},
		},
		{
			name: "sse-rds fails when the policy requires a customer-managed key",
			mod: func(f *fixture) {
				c := f.cluster("aurora-cluster")
				c.StorageEncrypted, c.EncryptionType = ptr(false), "sse-rds"
				f.snaps("aurora-cluster", func(s *Snapshot) { s.Encrypted, s.EncryptionType = ptr(false), "sse-rds" })
				f.p.Defaults.RequireCMK = true
			},
			want:     expect{"aurora-cluster/storage-encrypted": Fail, "aurora-cluster/snapshot-encrypted": Fail, "platform-db/storage-encrypted": Pass},
			contains: map[string]string{"aurora-cluster/storage-encrypted": "AWS-owned key"},
			exit:     1,
		},
		{
			name: "require_cmk with kms_keys: a key outside the list fails",
			mod: func(f *fixture) {
				f.p.Defaults.RequireCMK, f.p.Defaults.KMSKeys = true, []string{"k2"}
			},
			want:     expect{"platform-db/storage-encrypted": Fail, "platform-db/snapshot-encrypted": Fail},
			contains: map[string]string{"platform-db/storage-encrypted": "not one of the policy's kms_keys"},
			exit:     1,
		},
		{
			name: "unencrypted snapshot fails; unreported encryption warns",
			mod: func(f *fixture) {
				f.snaps("platform-db", func(s *Snapshot) {
					if s.Created.Before(now.Add(-20 * day)) {
						s.Encrypted, s.EncryptionType = ptr(false), ""
					}
				})
				f.snaps("aurora-cluster", func(s *Snapshot) { s.Encrypted, s.EncryptionType = nil, "" })
			},
			want: expect{"platform-db/snapshot-encrypted": Fail, "aurora-cluster/snapshot-encrypted": Warn},
			exit: 1,
		},
		{
			name: "mixed-case statuses compare without case",
			mod: func(f *fixture) {
				f.snaps("platform-db", func(s *Snapshot) { s.Status = "Available" })
				f.snaps("aurora-cluster", func(s *Snapshot) { s.Status = "AVAILABLE" })
				f.inv.AutomatedBackups[0].Status = "Active"
				f.instance("platform-db").Status = "AVAILABLE"
			},
			want: expect{"platform-db": Pass, "aurora-cluster": Pass},
		},
		{
			name: "a manual snapshot deleted between list and attribute look-up is skipped",
			mod: func(f *fixture) {
				f.inv.Snapshots = append(f.inv.Snapshots,
					Snapshot{Region: west, ID: "gone", SourceID: "platform-db", ResourceID: "db-PLATFORM-DB", Engine: "postgres",
						Type: "manual", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true), Attributes: AttributesGone},
					Snapshot{Region: west, ID: "kept", SourceID: "platform-db", ResourceID: "db-PLATFORM-DB", Engine: "postgres",
						Type: "manual", Status: "available", Created: now.Add(-2 * time.Hour), Encrypted: ptr(true), Attributes: AttributesRead})
			},
			want:     expect{"platform-db/snapshot-not-public": Pass},
			contains: map[string]string{"platform-db/snapshot-not-public": "1 deleted while being checked (gone)"},
		},
		{
			name: "every manual snapshot deleted during the look-up: skip",
			mod: func(f *fixture) {
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "gone", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "manual", Status: "available",
					Created: now.Add(-time.Hour), Encrypted: ptr(true), Attributes: AttributesGone})
			},
			want: expect{"platform-db/snapshot-not-public": Skip, "platform-db": Pass},
		},
		{
			name: "public manual snapshot fails; foreign account warns",
			mod: func(f *fixture) {
				f.inv.Snapshots = append(f.inv.Snapshots,
					Snapshot{Region: west, ID: "pub", SourceID: "platform-db", ResourceID: "db-PLATFORM-DB", Engine: "postgres",
						Type: "manual", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true), Attributes: AttributesRead, Restore: []string{"all"}},
					Snapshot{Region: west, Cluster: true, ID: "shared", SourceID: "aurora-cluster", ResourceID: "cluster-AURORA-CLUSTER", Engine: "aurora-postgresql",
						Type: "manual", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true), Attributes: AttributesRead, Restore: []string{"999999999999"}})
			},
			want:     expect{"platform-db/snapshot-not-public": Fail, "aurora-cluster/snapshot-not-public": Warn},
			contains: map[string]string{"aurora-cluster/snapshot-not-public": "shared → 999999999999"},
			exit:     1,
		},
		{
			name: "sharing with an allowed account passes",
			mod: func(f *fixture) {
				f.p.Defaults.AllowedAccounts = []string{"999999999999"}
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "shared", SourceID: "platform-db", ResourceID: "db-PLATFORM-DB",
					Engine: "postgres", Type: "manual", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true),
					Attributes: AttributesRead, Restore: []string{"999999999999"}})
			},
			want: expect{"platform-db/snapshot-not-public": Pass},
		},
		{
			name: "identifier reused: the old database's manual snapshots do not count",
			mod: func(f *fixture) {
				db := f.instance("platform-db")
				db.ResourceID, db.Created = "db-NEW", now.Add(-2*time.Hour)
				db.LatestRestorable = time.Time{}
				f.inv.AutomatedBackups = nil
				// Old snapshots: some keep the old resource id, some carry none but the old creation time.
				f.snaps("platform-db", func(s *Snapshot) {
					if s.Created.Day()%2 == 0 {
						s.ResourceID = ""
					}
				})
			},
			want:     expect{"platform-db/snapshot-freshness": Fail, "platform-db/rpo": Fail},
			contains: map[string]string{"platform-db/snapshot-freshness": "no available automated/manual/awsbackup snapshot"},
			exit:     1,
		},
		{
			name: "two live databases report one resource id (moto does): each keeps only its own snapshots",
			mod: func(f *fixture) {
				other := dbInstance("other-db")
				other.ResourceID, other.Retention = "db-PLATFORM-DB", ptr(7)
				f.inv.Instances = append(f.inv.Instances, other)
				old := now.Add(-5 * day)
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "other-old", SourceID: "other-db", ResourceID: "db-PLATFORM-DB",
					Engine: "postgres", Type: "automated", Status: "available", Created: old, Encrypted: ptr(true)})
				f.inv.AutomatedBackups[0].ResourceID = ""
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: central, ID: "copy-of-other", SourceID: "other-db", ResourceID: "db-PLATFORM-DB",
					Engine: "postgres", Type: "manual", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true), Attributes: AttributesRead})
			},
			want: expect{"other-db/snapshot-freshness": Fail, "platform-db/snapshot-freshness": Pass, "platform-db/pitr-window": Pass,
				"platform-db/cross-region-copy": Fail, "other-db/cross-region-copy": Pass},
			contains: map[string]string{"other-db/snapshot-freshness": "other-old", "platform-db/snapshot-encrypted": "all 31 snapshots"},
			exit:     1,
		},
		{
			name: "DocumentDB and Neptune are dropped",
			mod: func(f *fixture) {
				d := dbInstance("docs")
				d.Engine, d.Retention = "docdb", ptr(0)
				n := dbCluster("graph")
				n.Engine, n.Retention = "neptune", nil
				f.inv.Instances = append(f.inv.Instances, d)
				f.inv.Clusters = append(f.inv.Clusters, n)
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, Cluster: true, ID: "g1", SourceID: "graph",
					Engine: "neptune", Type: "manual", Status: "available", Created: now, Restore: []string{"all"}, Attributes: AttributesRead})
			},
			want: expect{"platform-db": Pass, "aurora-cluster": Pass},
		},
		{
			name: "stale PITR fails against the service RPO, lag warns",
			mod: func(f *fixture) {
				platformService(f)
				f.instance("platform-db").LatestRestorable = now.Add(-7 * time.Hour)
				f.cluster("aurora-cluster").LatestRestorable = now.Add(-20 * time.Minute)
			},
			want: expect{"platform-db/pitr-freshness": Fail, "platform-db/rpo": Fail, "aurora-cluster/pitr-freshness": Warn,
				"aurora-cluster/rpo": Pass, "platform-db/owner": Pass},
			contains: map[string]string{"platform-db/pitr-freshness": "7h old, over the RPO 6h", "platform-db/rpo": "point-in-time 7h ago, snapshot 9h50m ago"},
			exit:     1,
		},
		{
			name: "effective RPO over the service RPO fails",
			mod: func(f *fixture) {
				platformService(f)
				f.instance("platform-db").LatestRestorable = now.Add(-11 * time.Hour)
			},
			want:     expect{"platform-db/rpo": Fail},
			contains: map[string]string{"platform-db/rpo": "effective RPO 9h50m exceeds the RPO 6h by 3h50m"},
			exit:     1,
		},
		{
			name: "later as-of makes fresh backups stale",
			mod:  func(f *fixture) {},
			at:   now.Add(3 * day),
			want: expect{"platform-db/rpo": Fail, "platform-db/pitr-freshness": Fail, "platform-db/snapshot-freshness": Fail,
				"platform-db/snapshot-history": Fail},
			exit: 1,
		},
		{
			name: "earlier as-of ignores restore points that did not exist yet",
			mod: func(f *fixture) {
				f.inv.Snapshots = append(daily(*f.instance("platform-db"), 32), dailyCluster(*f.cluster("aurora-cluster"), 32)...)
			},
			at: now.Add(-day),
			// A LatestRestorableTime after the instant is not a restore point at it
			// (it used to count as the instant itself: effective RPO 0 s).
			want: expect{"platform-db/snapshot-freshness": Pass, "platform-db/rpo": Pass, "platform-db/pitr-freshness": Skip},
			contains: map[string]string{
				"platform-db/snapshot-freshness": "rds:platform-db-2026-08-31-02-10",
				"platform-db/rpo":                "effective RPO 9h50m from the newest snapshot restore point",
				"platform-db/pitr-freshness":     "is after the instant judged (2026-08-31 12:00 UTC)",
			},
		},
		{
			name: "a missing day in the history fails and names it",
			mod: func(f *fixture) {
				f.dropSnaps(func(s *Snapshot) bool {
					d := s.Created.Format("2006-01-02")
					return s.SourceID != "platform-db" || (d != "2026-08-10" && d != "2026-08-20" && d != "2026-08-21")
				})
			},
			want:     expect{"platform-db/snapshot-history": Fail, "platform-db/snapshot-freshness": Pass},
			contains: map[string]string{"platform-db/snapshot-history": "3 of 30 UTC days in 2026-08-02..2026-08-31 have no available automated/manual/awsbackup snapshot: 2026-08-10, 2026-08-20..2026-08-21"},
			exit:     1,
		},
		{
			name: "a database created 3 days ago needs only the days since",
			mod: func(f *fixture) {
				db := f.instance("platform-db")
				db.Created = now.Add(-3*day - 5*time.Hour)
				f.inv.AutomatedBackups[0].Earliest = db.Created.Add(10 * time.Minute)
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.After(db.Created) })
				f.snaps("platform-db", func(s *Snapshot) { s.SourceCreated = db.Created })
			},
			want: expect{"platform-db/snapshot-history": Pass, "platform-db/pitr-window": Pass},
		},
		{
			name: "no restore window reported: the oldest automated snapshot stands in",
			mod: func(f *fixture) {
				f.inv.AutomatedBackups[0].Earliest = time.Time{}
			},
			want:     expect{"platform-db/pitr-window": Pass},
			contains: map[string]string{"platform-db/pitr-window": "oldest automated snapshot rds:platform-db-2026-08-02-02-10"},
		},
		{
			name: "automated backups still creating warn",
			mod: func(f *fixture) {
				f.inv.AutomatedBackups[0].Earliest, f.inv.AutomatedBackups[0].Status = time.Time{}, "creating"
			},
			want: expect{"platform-db/pitr-window": Warn},
		},
		{
			name: "failed snapshot and storage-full database warn in backup-health",
			mod: func(f *fixture) {
				f.instance("platform-db").Status = "storage-full"
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "bad", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "manual", Status: "Failed", Created: now.Add(-2 * day), Attributes: AttributesRead})
			},
			want:     expect{"platform-db/backup-health": Warn},
			contains: map[string]string{"platform-db/backup-health": "storage-full"},
		},
		{
			name: "unordered, dateless snapshots: the newest dated one is chosen",
			mod: func(f *fixture) {
				f.inv.Snapshots = append(f.inv.Snapshots,
					Snapshot{Region: west, ID: "old-manual-no-date", SourceID: "platform-db", ResourceID: "db-PLATFORM-DB",
						Engine: "postgres", Type: "manual", Status: "available", Attributes: AttributesRead, Encrypted: ptr(true)})
				rand.New(rand.NewPCG(1, 2)).Shuffle(len(f.inv.Snapshots), func(i, j int) {
					f.inv.Snapshots[i], f.inv.Snapshots[j] = f.inv.Snapshots[j], f.inv.Snapshots[i]
				})
			},
			want:     expect{"platform-db/snapshot-freshness": Pass},
			contains: map[string]string{"platform-db/snapshot-freshness": "rds:platform-db-2026-09-01-02-10"},
		},
		{
			name: "only automated snapshots count when the policy says so",
			mod: func(f *fixture) {
				f.p.Defaults.SnapshotTypes = []string{SnapshotAutomated}
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.Before(now.Add(-2*day)) })
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "manual-today", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "manual", Status: "available", Created: now.Add(-time.Hour),
					Attributes: AttributesRead, Encrypted: ptr(true)})
			},
			want: expect{"platform-db/snapshot-freshness": Fail},
			exit: 1,
		},
		{
			name: "AWS Backup snapshots count",
			mod: func(f *fixture) {
				f.dropSnaps(func(s *Snapshot) bool { return s.SourceID != "platform-db" || s.Created.Before(now.Add(-2*day)) })
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "awsbackup:job-1", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "awsbackup", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true)})
			},
			want: expect{"platform-db/snapshot-freshness": Pass, "platform-db/snapshot-history": Fail},
			exit: 1,
		},
		{
			name: "failure notification: none warns, required fails, disabled or undeliverable does not count",
			mod: func(f *fixture) {
				f.inv.Subscriptions = []Subscription{
					{Region: west, Name: "off", SourceType: "db-instance", Enabled: false},
					{Region: west, Name: "broken", SourceType: "db-instance", Enabled: true, Status: "topic-not-exist"},
					{Region: west, Name: "other-db", SourceType: "db-instance", Enabled: true, SourceIDs: []string{"other"}},
					{Region: west, Name: "maint", SourceType: "db-cluster", Enabled: true, Categories: []string{"maintenance"}},
				}
				platformService(f)
				f.p.Defaults.RequireNotification = false
				f.p.Services[0].Rules.RequireNotification = true
				f.p.Services[0].Match = Match{Identifiers: []string{"platform-*"}}
			},
			want: expect{"platform-db/failure-notification": Fail, "aurora-cluster/failure-notification": Warn,
				"aurora-cluster/owner": Warn},
			contains: map[string]string{"platform-db/failure-notification": "broken (topic-not-exist)"},
			exit:     1,
		},
		{
			name: "a subscription for all categories and sources covers every database",
			mod: func(f *fixture) {
				f.inv.Subscriptions = []Subscription{
					{Region: west, Name: "all-db", SourceType: "db-instance", Enabled: true, Status: "active"},
					{Region: west, Name: "all-cluster", SourceType: "DB-Cluster", Enabled: true, Status: "active"},
				}
			},
			want: expect{"platform-db/failure-notification": Pass, "aurora-cluster/failure-notification": Pass},
		},
		{
			name: "service matching no database fails, naming retained backups",
			mod: func(f *fixture) {
				platformService(f)
				f.p.Services = append(f.p.Services, Service{Name: "billing", Match: Match{Identifiers: []string{"billing-*"}}, Rules: f.p.Defaults})
				f.inv.AutomatedBackups = append(f.inv.AutomatedBackups, AutomatedBackup{Region: west, InstanceID: "billing-db", Status: "retained"})
			},
			want:     expect{"billing/service-match": Fail, "billing": Fail},
			contains: map[string]string{"billing/service-match": "retained automated backups of deleted instances exist: billing-db (eu-west-1)"},
			exit:     1,
		},
		{
			name: "unowned database warns when services exist",
			mod: func(f *fixture) {
				platformService(f)
				f.cluster("aurora-cluster").Tags = nil
			},
			want:     expect{"aurora-cluster/owner": Warn, "aurora-cluster": Warn, "platform-db/owner": Pass},
			contains: map[string]string{"aurora-cluster/owner": "judged by the defaults (RPO 24h, 30 days)"},
		},
		{
			name: "a database matched by two services belongs to the first",
			mod: func(f *fixture) {
				platformService(f)
				f.p.Services = append(f.p.Services, Service{Name: "db-by-name", Match: Match{Identifiers: []string{"platform-db"}}, Rules: f.p.Defaults})
			},
			want:     expect{"platform-db/owner": Pass, "db-by-name/service-match": Fail},
			contains: map[string]string{"platform-db/owner": "also matched by db-by-name"},
			exit:     1,
		},
		{
			name: "cross-region copy: fresh copy passes, stale fails",
			mod: func(f *fixture) {
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				// platform-db: a copy with the same resource id made an hour ago of last night's snapshot.
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: central, ID: "platform-db-copy", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Engine: "postgres", Type: "manual", Status: "available",
					Created: now.Add(-time.Hour), OriginalCreated: now.Truncate(day).Add(2*time.Hour + 10*time.Minute),
					Encrypted: ptr(true), Attributes: AttributesRead})
				// aurora-cluster: a copy carrying only the identifier, 3 days old.
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: central, Cluster: true, ID: "aurora-copy", SourceID: "aurora-cluster",
					Engine: "aurora-postgresql", Type: "manual", Status: "available", Created: now.Add(-3 * day), Encrypted: ptr(true), Attributes: AttributesRead})
			},
			want:     expect{"platform-db/cross-region-copy": Pass, "aurora-cluster/cross-region-copy": Fail},
			contains: map[string]string{"aurora-cluster/cross-region-copy": "newest copy aurora-copy is 3d old"},
			exit:     1,
		},
		{
			name: "cross-region copy: a database of the same name in the copy region is not a copy",
			mod: func(f *fixture) {
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				f.inv.Clusters = append(f.inv.Clusters, Cluster{Region: central, ID: "aurora-cluster", ResourceID: "cluster-OTHER", Engine: "aurora-postgresql"})
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: central, Cluster: true, ID: "theirs", SourceID: "aurora-cluster",
					Engine: "aurora-postgresql", Type: "automated", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true)})
			},
			want: expect{"aurora-cluster/cross-region-copy": Fail},
			exit: 1,
		},
		{
			name: "cross-region: replicated automated backups (any case) or a global secondary count",
			mod: func(f *fixture) {
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				arn := "arn:aws:rds:eu-central-1:123456789012:auto-backup:ab-REPL"
				f.instance("platform-db").Replications = []string{arn}
				f.inv.AutomatedBackups = append(f.inv.AutomatedBackups, AutomatedBackup{Region: central, ARN: arn, InstanceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", Status: "Replicating", Earliest: now.Add(-10 * day), Latest: now.Add(-10 * time.Minute)})
				f.cluster("aurora-cluster").GlobalClusterID = "global-platform"
				f.inv.Clusters = append(f.inv.Clusters, Cluster{Region: central, ID: "aurora-secondary", Engine: "aurora-postgresql", GlobalClusterID: "global-platform"})
			},
			want: expect{"platform-db/cross-region-copy": Pass, "aurora-cluster/cross-region-copy": Pass},
			contains: map[string]string{
				"platform-db/cross-region-copy":    "replicated backups restorable to",
				"aurora-cluster/cross-region-copy": "secondary cluster aurora-secondary",
			},
		},
		{
			name: "cross-region: replication still pending fails",
			mod: func(f *fixture) {
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				arn := "arn:aws:rds:eu-central-1:123456789012:auto-backup:ab-REPL"
				f.instance("platform-db").Replications = []string{arn}
				f.inv.AutomatedBackups = append(f.inv.AutomatedBackups, AutomatedBackup{Region: central, ARN: arn, InstanceID: "platform-db", Status: "pending"})
			},
			want:     expect{"platform-db/cross-region-copy": Fail},
			contains: map[string]string{"platform-db/cross-region-copy": `"pending", not replicating`},
			exit:     1,
		},
		{
			name: "Multi-AZ DB cluster without a copy: the detail says replication cannot help",
			mod: func(f *fixture) {
				f.cluster("aurora-cluster").Engine = "mysql"
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: central, ID: "platform-db-copy", SourceID: "platform-db",
					ResourceID: "db-PLATFORM-DB", SourceRegion: west, Engine: "postgres", Type: "manual", Status: "available",
					Created: now.Add(-time.Hour), OriginalCreated: now.Add(-10 * time.Hour), Encrypted: ptr(true), Attributes: AttributesRead})
				// Only calls that could show a copy matter: an unreadable cluster list there does not.
				f.inv.Errors = []InventoryError{{Region: central, Operation: OpDescribeDBClusters, Code: "AccessDenied"}}
			},
			want: expect{"aurora-cluster/cross-region-copy": Fail, "platform-db/cross-region-copy": Pass},
			contains: map[string]string{"aurora-cluster/cross-region-copy": "not supported for Multi-AZ DB clusters",
				"platform-db/cross-region-copy": "copy platform-db-copy of 2026-09-01 02:00 UTC (10h old)"},
			exit: 1,
		},
		{
			name: "snapshot list denied: snapshot checks are error, never pass or fail",
			mod: func(f *fixture) {
				f.inv.Errors = []InventoryError{{Region: west, Operation: OpDescribeDBSnapshots, Code: "AccessDenied",
					Message: "not authorized", Action: "rds:DescribeDBSnapshots"}}
				f.dropSnaps(func(s *Snapshot) bool { return s.Cluster })
				f.instance("platform-db").LatestRestorable = now.Add(-30 * time.Hour)
			},
			want: expect{"platform-db/snapshot-freshness": Error, "platform-db/snapshot-history": Error,
				"platform-db/snapshot-encrypted": Error, "platform-db/snapshot-not-public": Error, "platform-db/backup-health": Error,
				"platform-db/rpo": Error, "platform-db/pitr-freshness": Fail, "aurora-cluster": Pass},
			contains: map[string]string{"platform-db/snapshot-freshness": "the credentials lack rds:DescribeDBSnapshots"},
			exit:     1,
		},
		{
			name: "snapshot list throttled out, PITR fresh: error, exit 2",
			mod: func(f *fixture) {
				f.inv.Errors = []InventoryError{{Region: west, Operation: OpDescribeDBSnapshots, Code: "Throttling",
					Message: "Rate exceeded (gave up after 10 attempts)", Action: "rds:DescribeDBSnapshots"}}
				f.dropSnaps(func(s *Snapshot) bool { return s.Cluster })
			},
			want: expect{"platform-db": Error, "platform-db/rpo": Pass, "platform-db/snapshot-freshness": Error},
			exit: 2,
		},
		{
			name: "instances cannot be listed: the region is an error and a service there is not failed",
			mod: func(f *fixture) {
				platformService(f)
				f.p.Services[0].Match = Match{Identifiers: []string{"platform-db"}}
				f.inv.Instances = nil
				f.inv.Errors = []InventoryError{{Region: west, Operation: OpDescribeDBInstances, Code: "timeout", Message: "time limit"}}
			},
			want: expect{"eu-west-1/inventory": Error, "platform-database/service-match": Error, "aurora-cluster/owner": Warn},
			exit: 2,
		},
		{
			name: "attribute look-up failed: snapshot-not-public is error",
			mod: func(f *fixture) {
				f.inv.Snapshots = append(f.inv.Snapshots, Snapshot{Region: west, ID: "m1", SourceID: "platform-db", ResourceID: "db-PLATFORM-DB",
					Engine: "postgres", Type: "manual", Status: "available", Created: now.Add(-time.Hour), Encrypted: ptr(true), Attributes: AttributesFailed})
				f.inv.Errors = []InventoryError{{Region: west, Operation: OpDescribeDBSnapshotAttributes, Target: "m1", Code: "Throttling", Message: "Rate exceeded"}}
			},
			want:     expect{"platform-db/snapshot-not-public": Error, "platform-db": Error},
			contains: map[string]string{"platform-db/snapshot-not-public": "Throttling"},
			exit:     2,
		},
		{
			name: "event subscriptions denied: failure-notification is error",
			mod: func(f *fixture) {
				f.inv.Subscriptions = nil
				f.inv.Errors = []InventoryError{{Region: west, Operation: OpDescribeEventSubscriptions, Code: "AccessDenied", Action: "rds:DescribeEventSubscriptions"}}
			},
			want: expect{"platform-db/failure-notification": Error, "aurora-cluster/failure-notification": Error},
			exit: 2,
		},
		{
			name: "copy region could not be read: cross-region-copy is error",
			mod: func(f *fixture) {
				f.p.Defaults.CopyRegions = []string{central}
				f.inv.CopyRegions = []string{central}
				f.inv.Errors = []InventoryError{
					{Region: central, Operation: OpDescribeDBSnapshots, Code: "AccessDenied"},
					{Region: central, Operation: OpDescribeDBClusterSnapshots, Code: "AccessDenied"},
				}
			},
			want: expect{"platform-db/cross-region-copy": Error, "aurora-cluster/cross-region-copy": Error},
			exit: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := healthy()
			tc.mod(f)
			at := tc.at
			if at.IsZero() {
				at = now
			}
			r := Evaluate(f.inv, f.p, at)
			for k, want := range tc.want {
				id, check, _ := strings.Cut(k, "/")
				if check == "" {
					if u := unitOf(t, r, id); u.Status != want {
						t.Errorf("%s status = %s, want %s; checks %+v", id, u.Status, want, u.Checks)
					}
					continue
				}
				if c := checkOf(t, r, id, check); c.Status != want {
					t.Errorf("%s = %s (%s), want %s", k, c.Status, c.Detail, want)
				}
			}
			for k, sub := range tc.contains {
				id, check, _ := strings.Cut(k, "/")
				if c := checkOf(t, r, id, check); !strings.Contains(c.Detail, sub) {
					t.Errorf("%s detail %q does not contain %q", k, c.Detail, sub)
				}
			}
			if got := r.ExitCode(false); got != tc.exit {
				t.Errorf("exit %d, want %d; summary: %s", got, tc.exit, r.Summary())
			}
			for _, u := range r.Units {
				for _, c := range u.Checks {
					if c.Detail == "" {
						t.Errorf("%s %s has no detail", u.ID, c.Name)
					}
				}
			}
		})
	}
}

func TestErrorIsNeverPassOrFail(t *testing.T) {
	// Every operation failing in the only region: nothing may pass or fail.
	f := healthy()
	f.inv = Inventory{Regions: []string{west}}
	for _, op := range []string{OpDescribeDBInstances, OpDescribeDBClusters, OpDescribeDBSnapshots, OpDescribeDBClusterSnapshots,
		OpDescribeDBInstanceAutomatedBackups, OpDescribeEventSubscriptions} {
		f.inv.Errors = append(f.inv.Errors, InventoryError{Region: west, Operation: op, Code: "AccessDenied"})
	}
	r := Evaluate(f.inv, f.p, now)
	if r.Totals.Pass+r.Totals.Fail != 0 || r.Totals.Error != 1 || r.ExitCode(false) != 2 || r.Totals.Status != Error {
		t.Fatalf("totals %+v exit %d", r.Totals, r.ExitCode(false))
	}
	// No unit, but errors: still exit 2 and status error.
	r = Evaluate(Inventory{Regions: []string{west}, Errors: []InventoryError{{Region: west, Operation: OpDescribeEventSubscriptions}}}, f.p, now)
	if r.ExitCode(false) != 2 || r.Totals.Status != Error {
		t.Fatalf("errors without units: %+v", r.Totals)
	}
}

func TestStrictTurnsWarnIntoFailure(t *testing.T) {
	f := healthy()
	f.inv.Subscriptions = nil
	r := Evaluate(f.inv, f.p, now)
	if r.Totals.Warn != 2 || r.ExitCode(false) != 0 || r.ExitCode(true) != 1 {
		t.Fatalf("totals %+v, exit %d/%d", r.Totals, r.ExitCode(false), r.ExitCode(true))
	}
}

func TestEmptyInventoryPasses(t *testing.T) {
	r := Evaluate(Inventory{Regions: []string{west}}, DefaultPolicy(), now)
	if r.Totals.Status != Pass || r.ExitCode(true) != 0 || r.Units == nil || r.Errors == nil {
		t.Fatalf("%+v", r)
	}
}

func TestForServiceKeepsItsUnits(t *testing.T) {
	f := healthy()
	platformService(f)
	f.cluster("aurora-cluster").Tags = nil
	f.p.Services = append(f.p.Services, Service{Name: "billing", Match: Match{Identifiers: []string{"billing"}}, Rules: f.p.Defaults})
	r := Evaluate(f.inv, f.p, now)
	p := r.ForService("platform-database")
	if len(p.Units) != 1 || p.Units[0].ID != "platform-db" || p.Totals.Units != 1 || p.ExitCode(false) != 0 {
		t.Fatalf("platform: %v %+v", unitIDs(p), p.Totals)
	}
	b := r.ForService("billing")
	if len(b.Units) != 1 || b.ExitCode(false) != 1 {
		t.Fatalf("billing: %v %+v", unitIDs(b), b.Totals)
	}
}

func TestSummaryIsOneLine(t *testing.T) {
	f := healthy()
	f.instance("platform-db").Retention = ptr(7)
	r := Evaluate(f.inv, f.p, now)
	s := r.Summary()
	if strings.Contains(s, "\n") || !strings.Contains(s, "FAIL, 2 units: 1 pass, 0 warn, 1 fail") ||
		!strings.Contains(s, "platform-db@eu-west-1 fail (retention") {
		t.Fatalf("summary %q", s)
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 12*time.Minute + 5*time.Second: "12m", 5*time.Hour + 12*time.Minute: "5h12m",
		6 * time.Hour: "6h", 26 * time.Hour: "26h", 3*day + 4*time.Hour: "3d4h", 30 * day: "30d", -(time.Hour + 5*time.Minute): "-1h5m",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}
