package backup

import (
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/muster-ir/muster/backup/policy"
)

// RestorePointChoice is the restore point a restore test restored.
type RestorePointChoice struct {
	Kind         string    `json:"kind"`                    // snapshot or pitr
	Snapshot     string    `json:"snapshot,omitempty"`      // the snapshot's identifier
	SnapshotType string    `json:"snapshot_type,omitempty"` // automated, manual, awsbackup
	Time         time.Time `json:"time"`                    // the instant the data is from
	Latest       bool      `json:"latest_restorable,omitempty"`
}

// ChooseRestorePoint picks a restore point of db the way AWS Backup's restore testing
// does: point "latest" is the newest point within [windowStart, now], "random" one at
// random within it, and an instant the point-in-time restore to it (or, for kind
// snapshot, the newest snapshot at or before it). snaps are the snapshots; pitr the
// point-in-time window (nil without automated backups). The error names what was
// missing and where (exit 1 when the backups hold no point, 2 for a point asked for
// outside the window).
func ChooseRestorePoint(snaps []RestorePointChoice, pitr *[2]time.Time, windowStart, now time.Time, point, kind, db string, rnd *mrand.Rand) (RestorePointChoice, error) {
	var in []RestorePointChoice
	for _, s := range snaps {
		if !s.Time.Before(windowStart) && !s.Time.After(now) {
			in = append(in, s)
		}
	}
	slices.SortFunc(in, func(a, b RestorePointChoice) int { return a.Time.Compare(b.Time) })
	var pw *[2]time.Time
	if pitr != nil && !pitr[1].Before(windowStart) {
		w := *pitr
		if w[0].Before(windowStart) {
			w[0] = windowStart
		}
		pw = &w
	}
	what := map[string]string{KindSnapshot: "snapshot", KindPITR: "point-in-time restore window", KindAny: "restore point (snapshot or point-in-time window)"}[kind]
	if len(in) == 0 && pw == nil {
		return RestorePointChoice{}, restoreFailed("%s has no %s within the retention window (%s to %s)", db, what, windowStart.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	switch point {
	case PointLatest:
		if pw != nil {
			return RestorePointChoice{Kind: KindPITR, Time: pw[1], Latest: true}, nil
		}
		return in[len(in)-1], nil
	case PointRandom:
		// Each snapshot and the point-in-time window count as one candidate each.
		n := len(in)
		if pw != nil {
			n++
		}
		i := rnd.IntN(n)
		if i < len(in) {
			return in[i], nil
		}
		span := pw[1].Sub(pw[0])
		t := pw[0]
		if span > 0 {
			t = t.Add(time.Duration(rnd.Int64N(int64(span)))).Truncate(time.Second)
			if t.Before(pw[0]) {
				t = pw[0]
			}
		}
		return RestorePointChoice{Kind: KindPITR, Time: t}, nil
	}
	at, err := policy.ParseTime(point)
	if err != nil {
		return RestorePointChoice{}, restoreCannot("--point %q: want latest, random or a time (%v)", point, err)
	}
	if at.Before(windowStart) || at.After(now) {
		return RestorePointChoice{}, restoreCannot("--point %s is outside the restore window of %s (%s to %s)", at.Format(time.RFC3339), db, windowStart.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if pw != nil && !at.Before(pw[0]) && !at.After(pw[1]) {
		return RestorePointChoice{Kind: KindPITR, Time: at}, nil
	}
	for i := len(in) - 1; i >= 0; i-- {
		if !in[i].Time.After(at) {
			return in[i], nil
		}
	}
	if pw != nil {
		return RestorePointChoice{}, restoreCannot("--point %s: %s has no snapshot at or before it and its point-in-time window is %s to %s",
			at.Format(time.RFC3339), db, pw[0].Format(time.RFC3339), pw[1].Format(time.RFC3339))
	}
	return RestorePointChoice{}, restoreCannot("--point %s: %s has no %s at or before it", at.Format(time.RFC3339), db, what)
}
