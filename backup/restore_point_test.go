package backup

import (
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestChooseRestorePoint(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	window := now.Add(-30 * 24 * time.Hour)
	snap := func(id string, ago time.Duration) RestorePointChoice {
		return RestorePointChoice{Kind: KindSnapshot, Snapshot: id, SnapshotType: SnapshotAutomated, Time: now.Add(-ago)}
	}
	snaps := []RestorePointChoice{snap("old", 40*24*time.Hour), snap("d2", 48*time.Hour), snap("d1", 24*time.Hour), snap("d3", 72*time.Hour)}
	pitr := &[2]time.Time{now.Add(-47 * time.Hour), now.Add(-5 * time.Minute)}
	rnd := func() *mrand.Rand { return mrand.New(mrand.NewPCG(1, 2)) }
	for _, tc := range []struct {
		name        string
		snaps       []RestorePointChoice
		pitr        *[2]time.Time
		point, kind string
		want        RestorePointChoice
		err         string
	}{
		{"latest of any kind is the latest restorable time", snaps, pitr, PointLatest, KindAny, RestorePointChoice{Kind: KindPITR, Time: pitr[1], Latest: true}, ""},
		{"latest snapshot is the newest one", snaps, nil, PointLatest, KindSnapshot, snaps[2], ""},
		{"a time inside the PITR window restores to it", snaps, pitr, "2026-12-01T08:30:00Z", KindAny,
			RestorePointChoice{Kind: KindPITR, Time: time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)}, ""},
		{"a time before the PITR window takes the snapshot before it", snaps, pitr, "2026-11-29T13:00:00Z", KindAny, snaps[3], ""},
		{"a time outside the retention window is refused", snaps, pitr, "2026-10-01T00:00:00Z", KindAny, RestorePointChoice{}, "outside the restore window of db"},
		{"a time in the future is refused", snaps, pitr, "2026-12-03T00:00:00Z", KindAny, RestorePointChoice{}, "outside the restore window"},
		{"snapshots older than the window do not count", snaps[:1], nil, PointLatest, KindSnapshot, RestorePointChoice{}, "db has no snapshot within the retention window"},
		{"nothing at all", nil, nil, PointLatest, KindAny, RestorePointChoice{}, "db has no restore point"},
		{"not a point", snaps, pitr, "soon", KindAny, RestorePointChoice{}, `--point "soon"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChooseRestorePoint(tc.snaps, tc.pitr, window, now, tc.point, tc.kind, "db", rnd())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	t.Run("random stays within the window and reaches every candidate", func(t *testing.T) {
		r := rnd()
		seen := map[string]bool{}
		for range 200 {
			got, err := ChooseRestorePoint(snaps, pitr, window, now, PointRandom, KindAny, "db", r)
			if err != nil {
				t.Fatal(err)
			}
			if got.Time.Before(window) || got.Time.After(now) || got.Snapshot == "old" {
				t.Fatalf("random point %+v outside the window", got)
			}
			if got.Kind == KindPITR && (got.Time.Before(pitr[0]) || got.Time.After(pitr[1])) {
				t.Fatalf("random PITR time %s outside %v", got.Time, pitr)
			}
			seen[got.Kind+got.Snapshot] = true
		}
		if len(seen) != 4 {
			t.Errorf("random picked %v, want the three snapshots in the window and the PITR window", seen)
		}
	})
}

func TestRestoreClass(t *testing.T) {
	for src, want := range map[string]string{
		"db.r6g.4xlarge": "db.r6g.large", "db.m5.24xlarge": "db.m5.large", "db.r5.large": "db.r5.large",
		"db.t3.micro": "db.t3.micro", "db.x1.16xlarge": "db.x1.16xlarge", "db.serverless": "db.serverless", "": "",
	} {
		if got := RestoreClass(src); got != want {
			t.Errorf("RestoreClass(%q) = %q, want %q", src, got, want)
		}
	}
}
