package backup

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

const day = 24 * time.Hour

// maxNativeRetention is the longest BackupRetentionPeriod RDS allows.
const maxNativeRetention = 35

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func pass(name, detail string, a ...any) CheckResult {
	return CheckResult{Name: name, Status: Pass, Detail: fmt.Sprintf(detail, a...)}
}

func result(name string, s Status, detail string, a ...any) CheckResult {
	return CheckResult{Name: name, Status: s, Detail: fmt.Sprintf(detail, a...)}
}

// snapshotOp is the list call a unit's snapshots come from.
func snapshotOp(u *unit) string {
	if u.cluster {
		return OpDescribeDBClusterSnapshots
	}
	return OpDescribeDBSnapshots
}

func errorCheck(name string, er *InventoryError) CheckResult {
	return CheckResult{Name: name, Status: Error, Detail: "could not be checked: " + er.String()}
}

// stoppedVerdict softens a freshness finding on a stopped database: RDS takes no
// automated backups while a database is stopped, and nothing is written either.
func stoppedVerdict(u *unit, f *facts, c CheckResult) CheckResult {
	if c.Status == Fail && f.stopped {
		c.Status = u.rules.Stopped
		c.Detail += "; the database is stopped: RDS takes no automated backups while stopped (it starts again by itself after 7 days)"
	}
	return c
}

// stateNote explains why a database that is not available may lack fresh backups.
func stateNote(u *unit) string {
	if u.status == "" || strings.EqualFold(u.status, "available") || strings.EqualFold(u.status, "stopped") {
		return ""
	}
	return fmt.Sprintf(" (database status %q: RDS takes automated backups only while available)", u.status)
}

func (e *evaluator) checkOwner(u *unit) CheckResult {
	if u.service == nil {
		r := u.rules
		return result(CheckOwner, r.Unowned, "no service in the policy matches this database; judged by the defaults (RPO %s, %d days)", Age(r.RPO), r.RetentionDays)
	}
	c := pass(CheckOwner, "service %s", u.service.Name)
	if len(u.alsoMatched) > 0 {
		c.Detail += fmt.Sprintf(" (also matched by %s; the first service in the file wins)", strings.Join(u.alsoMatched, ", "))
	}
	return c
}

func (e *evaluator) checkRPO(u *unit, f *facts, newest time.Time, kind string) CheckResult {
	rpo := u.rules.RPO
	parts := []string{}
	switch {
	case f.pitrUnknown:
		parts = append(parts, "point-in-time recovery not counted")
	case f.hasPITR:
		parts = append(parts, "point-in-time "+Age(f.pitrAge)+" ago")
	default:
		parts = append(parts, "no point-in-time recovery")
	}
	snapErr := e.failed(u.region, snapshotOp(u))
	switch {
	case f.newest != nil:
		parts = append(parts, "snapshot "+Age(e.now.Sub(f.newest.Time()))+" ago")
	case snapErr != nil:
		parts = append(parts, "snapshots unknown")
	default:
		parts = append(parts, "no snapshot")
	}
	ages := strings.Join(parts, ", ")
	if f.pitrUnknown && (newest.IsZero() || e.now.Sub(newest) > rpo) && snapErr == nil {
		if start := e.windowStart(u); start.IsZero() || !start.After(e.now) || e.past {
			// No snapshot proves it, and today's point-in-time figures cannot either.
			return result(CheckRPO, Error, "unknown at this instant (%s): %s; no snapshot within the RPO %s proves it", ages, e.pitrNote(u), Age(rpo))
		}
	}
	if newest.IsZero() {
		if snapErr != nil {
			return errorCheck(CheckRPO, snapErr)
		}
		return stoppedVerdict(u, f, result(CheckRPO, Fail, "no restore point at all (%s); RPO %s%s", ages, Age(rpo), stateNote(u)))
	}
	eff := e.now.Sub(newest)
	if eff <= rpo {
		return pass(CheckRPO, "effective RPO %s from the newest %s restore point (%s); RPO %s, margin %s", Age(eff), kind, ages, Age(rpo), Age(rpo-eff))
	}
	if snapErr != nil {
		// A snapshot we could not see might be newer.
		return errorCheck(CheckRPO, snapErr)
	}
	return stoppedVerdict(u, f, result(CheckRPO, Fail, "effective RPO %s exceeds the RPO %s by %s (%s)%s", Age(eff), Age(rpo), Age(eff-rpo), ages, stateNote(u)))
}

// pitrNote says why LatestRestorableTime does not count at the instant judged.
func (e *evaluator) pitrNote(u *unit) string {
	if e.past {
		return fmt.Sprintf("LatestRestorableTime %s was read at %s and cannot show how far point-in-time recovery reached at %s", ts(u.latest), ts(e.inv.ReadAt), ts(e.now))
	}
	return fmt.Sprintf("LatestRestorableTime %s is after the instant judged (%s): a restore point after it is not one at it", ts(u.latest), ts(e.now))
}

// windowStart is where the unit's restore window begins as RDS reports it (cluster
// EarliestRestorableTime or the automated backup's window), zero when not reported.
func (e *evaluator) windowStart(u *unit) time.Time {
	if u.cluster {
		return u.earliest
	}
	if ab := e.automatedBackupOf(u); ab != nil {
		return ab.Earliest
	}
	return time.Time{}
}

func (e *evaluator) checkAutomatedBackups(u *unit) CheckResult {
	if u.retention == nil {
		return result(CheckAutomatedBackups, Fail, "BackupRetentionPeriod not reported: automated backups cannot be shown to be on")
	}
	if *u.retention == 0 {
		return result(CheckAutomatedBackups, Fail, "BackupRetentionPeriod is 0: automated backups and point-in-time recovery are off")
	}
	return pass(CheckAutomatedBackups, "automated backups on, kept %d days", *u.retention)
}

func (e *evaluator) checkRetention(u *unit) CheckResult {
	want := u.rules.RetentionDays
	if u.retention == nil {
		return result(CheckRetention, Fail, "BackupRetentionPeriod not reported; the policy needs %d days", want)
	}
	got := *u.retention
	if want > maxNativeRetention {
		if got < maxNativeRetention {
			return result(CheckRetention, Fail, "BackupRetentionPeriod %d days < %d, the most RDS keeps (the policy needs %d days)", got, maxNativeRetention, want)
		}
		return result(CheckRetention, Warn, "BackupRetentionPeriod %d days, the RDS maximum; the policy's %d days need manual or AWS Backup snapshots (see snapshot-history)", got, want)
	}
	if got < want {
		return result(CheckRetention, Fail, "BackupRetentionPeriod %d days < %d days required", got, want)
	}
	return pass(CheckRetention, "BackupRetentionPeriod %d days (policy %d)", got, want)
}

func (e *evaluator) checkPITRFreshness(u *unit, f *facts) CheckResult {
	r := u.rules
	if f.pitrUnknown {
		what := "a past instant"
		if !e.past {
			what = "this instant"
		}
		return result(CheckPITRFreshness, Skip, "not judged at %s: %s", what, e.pitrNote(u))
	}
	if !f.hasPITR {
		switch {
		case u.retention != nil && *u.retention == 0:
			return result(CheckPITRFreshness, Fail, "no point-in-time recovery: automated backups are off")
		case strings.EqualFold(u.status, "creating"):
			return result(CheckPITRFreshness, Warn, "no LatestRestorableTime yet: the database is being created")
		}
		return stoppedVerdict(u, f, result(CheckPITRFreshness, Fail, "LatestRestorableTime not reported: no point-in-time recovery is shown%s", stateNote(u)))
	}
	clamped := ""
	if u.latest.After(e.now) {
		clamped = " (reported after the check instant; counted as that instant)"
	}
	switch {
	case f.pitrAge > r.RPO:
		return stoppedVerdict(u, f, result(CheckPITRFreshness, Fail, "latest restorable time %s is %s old, over the RPO %s: transaction logs are not reaching S3%s", ts(u.latest), Age(f.pitrAge), Age(r.RPO), stateNote(u)))
	case f.pitrAge > r.PITRLagWarn:
		return stoppedVerdict(u, f, result(CheckPITRFreshness, Warn, "latest restorable time %s is %s old, more than %s (logs upload every 5 minutes); RPO %s", ts(u.latest), Age(f.pitrAge), Age(r.PITRLagWarn), Age(r.RPO)))
	}
	return pass(CheckPITRFreshness, "latest restorable time %s (%s ago)%s; RPO %s", ts(u.latest), Age(f.pitrAge), clamped, Age(r.RPO))
}

// requiredWindow is how far back restore points must reach: the policy's days, at most
// what RDS can hold natively, and never before the database existed.
func (e *evaluator) requiredWindow(u *unit, native bool) (time.Duration, string) {
	days := u.rules.RetentionDays
	if native {
		days = min(days, maxNativeRetention)
	}
	need := time.Duration(days) * day
	why := fmt.Sprintf("%d days", days)
	if !u.created.IsZero() {
		if age := e.now.Sub(u.created); age < need {
			return max(age, 0), fmt.Sprintf("%s (since the database was created %s)", Age(max(age, 0)), ts(u.created))
		}
	}
	return need, why
}

func (e *evaluator) checkPITRWindow(u *unit, f *facts) CheckResult {
	var earliest time.Time
	source := ""
	if u.cluster {
		if !u.earliest.IsZero() {
			earliest, source = u.earliest, "EarliestRestorableTime"
		}
	} else {
		if er := e.failed(u.region, OpDescribeDBInstanceAutomatedBackups); er != nil {
			return errorCheck(CheckPITRWindow, er)
		}
		ab := e.automatedBackupOf(u)
		if ab != nil && !ab.Earliest.IsZero() {
			earliest, source = ab.Earliest, "the automated backup's restore window"
		}
		if earliest.IsZero() && ab != nil && strings.EqualFold(ab.Status, "creating") {
			return result(CheckPITRWindow, Warn, "automated backups are creating: RDS is waiting for the first automated snapshot")
		}
	}
	if earliest.IsZero() {
		// Fall back on the oldest automated snapshot: restores reach back to it.
		if er := e.failed(u.region, snapshotOp(u)); er != nil {
			return errorCheck(CheckPITRWindow, er)
		}
		for _, s := range f.own {
			if strings.EqualFold(s.Status, "available") && strings.EqualFold(s.Type, SnapshotAutomated) && !s.Time().IsZero() && !s.Time().After(e.now) {
				if earliest.IsZero() || s.Time().Before(earliest) {
					earliest, source = s.Time(), "the oldest automated snapshot "+s.ID+" (no restore window reported)"
				}
			}
		}
	}
	if earliest.IsZero() {
		if u.retention != nil && *u.retention == 0 {
			return result(CheckPITRWindow, Fail, "no restore window: automated backups are off")
		}
		return result(CheckPITRWindow, Fail, "no restore window reported and no automated snapshot: the retention period is not shown by any restore point")
	}
	need, why := e.requiredWindow(u, true)
	window := e.now.Sub(earliest)
	unknown := e.past || f.pitrUnknown
	if earliest.After(e.now) {
		if unknown {
			return result(CheckPITRWindow, Skip, "not judged: the restore window read at %s starts %s, after the instant judged (%s)", ts(e.readAt()), ts(earliest), ts(e.now))
		}
		return result(CheckPITRWindow, Fail, "the restore window starts %s (from %s), after the instant judged (%s): no restore point reaches back from it", ts(earliest), source, ts(e.now))
	}
	if window < need-day && unknown {
		// The window slides forward: at the instant it reached back at least this far,
		// maybe further. Only a pass can be proven from today's figures.
		return result(CheckPITRWindow, Skip, "cannot be shown at a past instant: the restore window read at %s starts %s, %s before the instant; %s required", ts(e.readAt()), ts(earliest), Age(window), why)
	}
	if window < need-day {
		return result(CheckPITRWindow, Fail, "restores reach back %s (to %s, from %s); %s required", Age(max(window, 0)), ts(earliest), source, why)
	}
	return pass(CheckPITRWindow, "restores reach back %s (to %s, from %s); %s required", Age(window), ts(earliest), source, why)
}

// automatedBackupOf finds the unit's live automated backup entry in its region: by
// resource id, else by identifier, preferring the active one.
func (e *evaluator) automatedBackupOf(u *unit) *AutomatedBackup {
	var cands []*AutomatedBackup
	if u.resource != "" && !e.ambiguous[key(u.region, "i", u.resource)] {
		cands = e.autoByRes[key(u.region, u.resource)]
	}
	if len(cands) == 0 {
		for _, a := range e.autoByID[key(u.region, u.id)] {
			if a.ResourceID == "" || a.ResourceID == u.resource {
				cands = append(cands, a)
			}
		}
	}
	var best *AutomatedBackup
	for _, a := range cands {
		if strings.EqualFold(a.Status, "retained") {
			continue
		}
		if best == nil || (strings.EqualFold(a.Status, "active") && !strings.EqualFold(best.Status, "active")) {
			best = a
		}
	}
	return best
}

func typesList(types []string) string { return strings.Join(types, "/") }

func (e *evaluator) checkSnapshotFreshness(u *unit, f *facts) CheckResult {
	r := u.rules
	if er := e.failed(u.region, snapshotOp(u)); er != nil {
		return errorCheck(CheckSnapshotFreshness, er)
	}
	limit := r.SnapshotMaxAge + r.Grace
	if f.newest == nil {
		return stoppedVerdict(u, f, result(CheckSnapshotFreshness, Fail, "no available %s snapshot%s%s", typesList(r.SnapshotTypes), notCounted(f), stateNote(u)))
	}
	s := f.newest
	age := e.now.Sub(s.Time())
	what := fmt.Sprintf("newest available snapshot %s (%s) taken %s, %s ago", s.ID, s.Type, ts(s.Time()), Age(age))
	if !s.OriginalCreated.IsZero() && !s.Created.IsZero() && s.Created.Sub(s.OriginalCreated) > time.Minute {
		what += fmt.Sprintf(" (a copy made %s; its original time counts)", ts(s.Created))
	}
	if age > limit {
		return stoppedVerdict(u, f, result(CheckSnapshotFreshness, Fail, "%s; limit %s%s", what, Age(limit), stateNote(u)))
	}
	return pass(CheckSnapshotFreshness, "%s; limit %s", what, Age(limit))
}

// notCounted says which of the unit's snapshots did not count, and why.
func notCounted(f *facts) string {
	counts := map[string]int{}
	for _, s := range f.own {
		switch {
		case !strings.EqualFold(s.Status, "available"):
			counts[strings.ToLower(s.Status)]++
		case s.Time().IsZero():
			counts["without a time"]++
		}
	}
	if len(counts) == 0 {
		return ""
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	return " (not counted: " + strings.Join(parts, ", ") + ")"
}

func (e *evaluator) checkSnapshotHistory(u *unit, f *facts) CheckResult {
	r := u.rules
	if er := e.failed(u.region, snapshotOp(u)); er != nil {
		return errorCheck(CheckSnapshotHistory, er)
	}
	// The complete UTC days before today, back RetentionDays days; today's snapshot may
	// not be due yet. Days up to the database's creation day are not required.
	n := r.RetentionDays
	today := e.now.Truncate(day)
	first := today.Add(-time.Duration(n) * day)
	if !u.created.IsZero() {
		if c := u.created.UTC().Truncate(day).Add(day); c.After(first) {
			first = c
		}
	}
	if !first.Before(today) {
		return pass(CheckSnapshotHistory, "the database is younger than one full day before today: no past day to prove")
	}
	days := int(today.Sub(first) / day)
	have := make([]bool, days)
	for _, s := range f.candidates {
		t := s.Time().UTC()
		if t.Before(first) || !t.Before(today) {
			continue
		}
		have[int(t.Sub(first)/day)] = true
	}
	var missing []string
	nMissing := 0
	for i := 0; i < days; i++ {
		if have[i] {
			continue
		}
		j := i
		for j+1 < days && !have[j+1] {
			j++
		}
		from := first.Add(time.Duration(i) * day).Format("2006-01-02")
		if j == i {
			missing = append(missing, from)
		} else {
			missing = append(missing, from+".."+first.Add(time.Duration(j)*day).Format("2006-01-02"))
		}
		nMissing += j - i + 1
		i = j
	}
	span := fmt.Sprintf("%s..%s", first.Format("2006-01-02"), today.Add(-day).Format("2006-01-02"))
	if nMissing > 0 {
		list := missing
		if len(list) > 6 {
			list = append(list[:6:6], fmt.Sprintf("and %d more ranges", len(missing)-6))
		}
		return stoppedVerdict(u, f, result(CheckSnapshotHistory, Fail, "%d of %d UTC days in %s have no available %s snapshot: %s", nMissing, days, span, typesList(r.SnapshotTypes), strings.Join(list, ", ")))
	}
	return pass(CheckSnapshotHistory, "every UTC day in %s (%d days) has an available snapshot", span, days)
}

// encryption judges one encryption report: StorageEncrypted/Encrypted, or an
// encryption type of sse-kms or sse-rds (AWS-owned keys report StorageEncrypted=false).
func encryption(enc *bool, typ, keyID string, r Rules) (Status, string) {
	t := strings.ToLower(typ)
	encrypted := (enc != nil && *enc) || t == "sse-kms" || t == "sse-rds"
	if !encrypted {
		if enc == nil && t == "" {
			return Warn, "encryption not reported"
		}
		return Fail, "not encrypted"
	}
	if !r.RequireCMK {
		return Pass, "encrypted"
	}
	if t == "sse-rds" {
		return Fail, "encrypted with an AWS-owned key (sse-rds); the policy requires a customer-managed KMS key"
	}
	if len(r.KMSKeys) > 0 {
		if keyAllowed(keyID, r.KMSKeys) {
			return Pass, "encrypted with an allowed KMS key"
		}
		if keyID == "" {
			return Fail, "KMS key not reported; the policy allows only the listed kms_keys"
		}
		return Fail, fmt.Sprintf("encrypted with KMS key %s, not one of the policy's kms_keys", keyID)
	}
	if t == "sse-kms" {
		return Pass, "encrypted with a KMS key (sse-kms; list kms_keys to prove which one)"
	}
	return Warn, "encrypted, but the key kind is not reported (no StorageEncryptionType); list kms_keys to prove a customer-managed key"
}

func keyAllowed(keyID string, allowed []string) bool {
	if keyID == "" {
		return false
	}
	for _, k := range allowed {
		if keyID == k || strings.HasSuffix(keyID, "/"+k) || strings.HasSuffix(keyID, ":"+k) {
			return true
		}
	}
	return false
}

func (e *evaluator) checkSnapshotEncrypted(u *unit, f *facts) CheckResult {
	if er := e.failed(u.region, snapshotOp(u)); er != nil {
		return errorCheck(CheckSnapshotEncrypted, er)
	}
	all := append([]*Snapshot{}, f.own...)
	for _, r := range u.rules.CopyRegions {
		all = append(all, f.copies[r]...)
	}
	if len(all) == 0 {
		return result(CheckSnapshotEncrypted, Skip, "no snapshots to check")
	}
	byStatus := map[Status][]string{}
	reasons := map[Status]string{}
	for _, s := range all {
		if strings.EqualFold(s.Status, "deleting") || strings.EqualFold(s.Status, "deleted") {
			continue
		}
		st, why := encryption(s.Encrypted, s.EncryptionType, s.KMSKeyID, u.rules)
		if st != Pass {
			name := s.ID
			if s.Region != u.region {
				name += " (" + s.Region + ")"
			}
			byStatus[st] = append(byStatus[st], name)
			if _, ok := reasons[st]; !ok {
				reasons[st] = why
			}
		}
	}
	for _, st := range []Status{Fail, Warn} {
		if ids := byStatus[st]; len(ids) > 0 {
			return result(CheckSnapshotEncrypted, st, "%d of %d snapshots: %s: %s", len(ids), len(all), reasons[st], listSome(ids, 5))
		}
	}
	return pass(CheckSnapshotEncrypted, "all %d snapshots encrypted%s", len(all), cmkNote(u.rules))
}

func cmkNote(r Rules) string {
	if r.RequireCMK {
		return " with a KMS key the policy accepts"
	}
	return ""
}

func listSome(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(" and %d more", len(ids)-n)
}

func (e *evaluator) checkStorageEncrypted(u *unit) CheckResult {
	st, why := encryption(u.storageEncrypted, u.encType, u.kmsKey, u.rules)
	detail := "storage " + why
	if u.encType != "" {
		detail += " (StorageEncryptionType " + u.encType + ")"
	}
	return CheckResult{Name: CheckStorageEncrypted, Status: st, Detail: detail}
}

func (e *evaluator) checkSnapshotNotPublic(u *unit, f *facts) CheckResult {
	if er := e.failed(u.region, snapshotOp(u)); er != nil {
		return errorCheck(CheckSnapshotNotPublic, er)
	}
	all := append([]*Snapshot{}, f.own...)
	for _, r := range u.rules.CopyRegions {
		all = append(all, f.copies[r]...)
	}
	var public, foreign, gone, failed []string
	var failure *InventoryError
	manual := 0
	for _, s := range all {
		if !strings.EqualFold(s.Type, SnapshotManual) {
			continue
		}
		manual++
		switch s.Attributes {
		case AttributesGone:
			gone = append(gone, s.ID)
			continue
		case AttributesFailed, AttributesNotRead:
			failed = append(failed, s.ID)
			if er := e.attrErr[key(s.Region, kindKey(s.Cluster), s.ID)]; er != nil && failure == nil {
				failure = er
			}
			continue
		}
		for _, v := range s.Restore {
			if strings.EqualFold(v, "all") {
				public = append(public, s.ID)
			} else if !slices.Contains(u.rules.AllowedAccounts, v) {
				foreign = append(foreign, s.ID+" → "+v)
			}
		}
	}
	goneNote := ""
	if len(gone) > 0 {
		goneNote = fmt.Sprintf("; %d deleted while being checked (%s)", len(gone), listSome(gone, 3))
	}
	switch {
	case len(public) > 0:
		return result(CheckSnapshotNotPublic, Fail, "public (restore=all): %s", listSome(public, 5))
	case len(failed) > 0:
		detail := fmt.Sprintf("sharing of %d manual snapshots could not be read (%s)", len(failed), listSome(failed, 3))
		if failure != nil {
			detail += ": " + failure.String()
		}
		return CheckResult{Name: CheckSnapshotNotPublic, Status: Error, Detail: detail}
	case len(foreign) > 0:
		return result(CheckSnapshotNotPublic, Warn, "shared with accounts not in allowed_accounts: %s%s", listSome(foreign, 5), goneNote)
	case manual == 0:
		return pass(CheckSnapshotNotPublic, "no manual snapshots (automated snapshots cannot be shared)")
	case manual == len(gone):
		return result(CheckSnapshotNotPublic, Skip, "every manual snapshot was deleted while being checked (%s)", listSome(gone, 3))
	}
	return pass(CheckSnapshotNotPublic, "%d manual snapshots, none public or shared outside allowed accounts%s", manual-len(gone), goneNote)
}

// arnRegion is the region field of an ARN.
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

func (e *evaluator) checkCrossRegionCopy(u *unit, f *facts) CheckResult {
	r := u.rules
	if len(r.CopyRegions) == 0 {
		return result(CheckCrossRegionCopy, Skip, "the policy requires no copy in another region")
	}
	limit := r.CopyMaxAge + r.Grace
	var fails, errs, oks []string
	var firstErr *InventoryError
	for _, dest := range r.CopyRegions {
		if dest == u.region {
			continue
		}
		ok, why := e.copyIn(u, f, dest, limit)
		if ok {
			oks = append(oks, dest+": "+why)
			continue
		}
		// Only the calls that could have shown a copy there make the answer unknown.
		ops := []string{snapshotOp(u)}
		if slices.ContainsFunc(u.replications, func(arn string) bool { return arnRegion(arn) == dest }) {
			ops = append(ops, OpDescribeDBInstanceAutomatedBackups)
		}
		if u.cluster && u.globalCluster != "" {
			ops = append(ops, OpDescribeDBClusters)
		}
		var er *InventoryError
		for _, op := range ops {
			if er = e.failed(dest, op); er != nil {
				break
			}
		}
		if er != nil {
			errs = append(errs, dest+": "+er.String())
			if firstErr == nil {
				firstErr = er
			}
			continue
		}
		if u.kind == KindMultiAZCluster {
			why += " (automated backup replication is not supported for Multi-AZ DB clusters: copy snapshots)"
		}
		fails = append(fails, dest+": "+why)
	}
	switch {
	case len(fails) > 0:
		return result(CheckCrossRegionCopy, Fail, "%s", strings.Join(append(fails, oks...), "; "))
	case len(errs) > 0:
		return CheckResult{Name: CheckCrossRegionCopy, Status: Error, Detail: "could not be checked: " + strings.Join(append(errs, oks...), "; ")}
	case len(oks) == 0:
		return result(CheckCrossRegionCopy, Skip, "the only copy region is the database's own region")
	}
	return pass(CheckCrossRegionCopy, "%s", strings.Join(oks, "; "))
}

// copyIn looks for a fresh restore point of u in region dest: replicated automated
// backups, a snapshot copy, or a secondary cluster of its global database.
func (e *evaluator) copyIn(u *unit, f *facts, dest string, limit time.Duration) (bool, string) {
	var reasons []string
	for _, arn := range u.replications {
		if arnRegion(arn) != dest {
			continue
		}
		a := e.autoByARN[arn]
		switch {
		case a == nil:
			reasons = append(reasons, "replicated backups "+arn+" not found there")
		case !strings.EqualFold(a.Status, "replicating"):
			reasons = append(reasons, fmt.Sprintf("replicated backups are %q, not replicating", a.Status))
		case a.Latest.IsZero():
			reasons = append(reasons, "replicated backups report no restore window")
		default:
			age := max(e.now.Sub(a.Latest), 0)
			if age <= u.rules.RPO {
				return true, fmt.Sprintf("replicated backups restorable to %s (%s ago)", ts(a.Latest), Age(age))
			}
			reasons = append(reasons, fmt.Sprintf("replicated backups restorable only to %s (%s ago, RPO %s)", ts(a.Latest), Age(age), Age(u.rules.RPO)))
		}
	}
	var newest *Snapshot
	for _, s := range f.copies[dest] {
		if !strings.EqualFold(s.Status, "available") || s.Time().IsZero() || s.Time().After(e.now.Add(clockSkew)) {
			continue
		}
		if newest == nil || s.Time().After(newest.Time()) {
			newest = s
		}
	}
	if newest != nil {
		age := max(e.now.Sub(newest.Time()), 0)
		if age <= limit {
			return true, fmt.Sprintf("copy %s of %s (%s old)", newest.ID, ts(newest.Time()), Age(age))
		}
		reasons = append(reasons, fmt.Sprintf("newest copy %s is %s old, limit %s", newest.ID, Age(age), Age(limit)))
	} else {
		reasons = append(reasons, "no available snapshot copy")
	}
	if u.cluster && u.globalCluster != "" {
		for _, c := range e.inv.Clusters {
			if c.Region == dest && c.GlobalClusterID == u.globalCluster && c.ID != "" {
				return true, fmt.Sprintf("secondary cluster %s of global database %s", c.ID, u.globalCluster)
			}
		}
	}
	return false, strings.Join(reasons, ", ")
}

var failedSnapshotStatuses = []string{"failed", "incompatible-restore", "incompatible-parameters"}

// benignStates are database statuses in which backups keep running or resume by
// themselves.
var benignStates = []string{
	"available", "backing-up", "modifying", "maintenance", "upgrading", "rebooting", "renaming",
	"creating", "starting", "stopping", "stopped", "storage-optimization", "resetting-master-credentials",
	"configuring-enhanced-monitoring", "configuring-iam-database-auth", "configuring-log-exports",
	"converting-to-vpc", "moving-to-vpc", "backtracking", "promoting", "upgrading-storage-config",
}

func (e *evaluator) checkBackupHealth(u *unit, f *facts) CheckResult {
	if er := e.failed(u.region, snapshotOp(u)); er != nil {
		return errorCheck(CheckBackupHealth, er)
	}
	windowStart := e.now.Add(-time.Duration(u.rules.RetentionDays) * day)
	var problems, notes []string
	var failed, stuck []string
	inProgress := 0
	for _, s := range f.own {
		st := strings.ToLower(s.Status)
		switch {
		case slices.Contains(failedSnapshotStatuses, st):
			if t := s.Time(); t.IsZero() || !t.Before(windowStart) {
				failed = append(failed, s.ID+" ("+st+")")
			}
		case st == "creating" || st == "copying" || st == "pending":
			if s.Created.IsZero() {
				inProgress++
				continue
			}
			if running := e.now.Sub(s.Created); running > u.rules.MaxCreating {
				stuck = append(stuck, fmt.Sprintf("%s %s for %s", s.ID, st, Age(running)))
			} else {
				inProgress++
			}
		}
	}
	if len(failed) > 0 {
		problems = append(problems, fmt.Sprintf("%d failed snapshots in the retention window: %s", len(failed), listSome(failed, 5)))
	}
	if len(stuck) > 0 {
		problems = append(problems, fmt.Sprintf("stuck longer than %s: %s", Age(u.rules.MaxCreating), listSome(stuck, 5)))
	}
	if u.status != "" && !slices.Contains(benignStates, strings.ToLower(u.status)) {
		problems = append(problems, fmt.Sprintf("database status %q: RDS takes automated backups only while available", u.status))
	}
	if inProgress > 0 {
		notes = append(notes, count(inProgress, "snapshot")+" in progress")
	}
	if len(problems) > 0 {
		return result(CheckBackupHealth, Warn, "%s", strings.Join(append(problems, notes...), "; "))
	}
	if len(notes) > 0 {
		return pass(CheckBackupHealth, "no failed or stuck snapshots; %s", strings.Join(notes, "; "))
	}
	return pass(CheckBackupHealth, "no failed or stuck snapshots")
}

func (e *evaluator) checkFailureNotification(u *unit) CheckResult {
	if er := e.failed(u.region, OpDescribeEventSubscriptions); er != nil {
		return errorCheck(CheckFailureNotification, er)
	}
	sourceType, need := "db-instance", []string{"backup", "failure"}
	if u.cluster {
		// RDS reports backup events of clusters on db-cluster-snapshot sources; a
		// cluster subscription can only carry failures.
		sourceType, need = "db-cluster", []string{"failure"}
	}
	missing := Warn
	if u.rules.RequireNotification {
		missing = Fail
	}
	var notDelivering []string
	for _, s := range e.subs[u.region] {
		if !s.Enabled || !strings.EqualFold(s.SourceType, sourceType) {
			continue
		}
		if len(s.SourceIDs) > 0 && !slices.Contains(s.SourceIDs, u.id) {
			continue
		}
		if !coversCategories(s.Categories, need) {
			continue
		}
		switch strings.ToLower(s.Status) {
		case "no-permission", "topic-not-exist":
			notDelivering = append(notDelivering, fmt.Sprintf("%s (%s)", s.Name, s.Status))
			continue
		}
		return pass(CheckFailureNotification, "event subscription %s covers %s events of this %s", s.Name, strings.Join(need, " and "), sourceType)
	}
	detail := fmt.Sprintf("no enabled %s event subscription covers %s events of %s", sourceType, strings.Join(need, " and "), u.id)
	if len(notDelivering) > 0 {
		detail += "; these cannot deliver: " + strings.Join(notDelivering, ", ")
	}
	return CheckResult{Name: CheckFailureNotification, Status: missing, Detail: detail}
}

func coversCategories(have, need []string) bool {
	if len(have) == 0 {
		return true // all categories
	}
	for _, n := range need {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, n) }) {
			return false
		}
	}
	return true
}
