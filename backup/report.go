package backup

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Statuses in the order reports count them.
var Statuses = []Status{Pass, Warn, Fail, Skip, Error}

// rank orders statuses by how much they say about a unit: a failure is a finding even
// when something else could not be checked.
func rank(s Status) int {
	switch s {
	case Fail:
		return 4
	case Error:
		return 3
	case Warn:
		return 2
	case Pass:
		return 1
	}
	return 0
}

// Check names: stable, they appear in every output.
const (
	CheckOwner               = "owner"
	CheckRPO                 = "rpo"
	CheckAutomatedBackups    = "automated-backups-enabled"
	CheckRetention           = "retention"
	CheckPITRFreshness       = "pitr-freshness"
	CheckPITRWindow          = "pitr-window"
	CheckSnapshotFreshness   = "snapshot-freshness"
	CheckSnapshotHistory     = "snapshot-history"
	CheckSnapshotEncrypted   = "snapshot-encrypted"
	CheckStorageEncrypted    = "storage-encrypted"
	CheckSnapshotNotPublic   = "snapshot-not-public"
	CheckCrossRegionCopy     = "cross-region-copy"
	CheckBackupHealth        = "backup-health"
	CheckFailureNotification = "failure-notification"
	CheckServiceMatch        = "service-match" // on a service entry: does it match a database?
	CheckInventory           = "inventory"     // on a region entry: could its databases be listed?
)

// UnitChecks are the checks run on every database or cluster, in report order.
var UnitChecks = []string{
	CheckRPO, CheckAutomatedBackups, CheckRetention, CheckPITRFreshness, CheckPITRWindow,
	CheckSnapshotFreshness, CheckSnapshotHistory, CheckSnapshotEncrypted, CheckStorageEncrypted,
	CheckSnapshotNotPublic, CheckCrossRegionCopy, CheckBackupHealth, CheckFailureNotification,
}

// Unit kinds.
const (
	KindInstance       = "instance"
	KindAuroraCluster  = "aurora-cluster"
	KindMultiAZCluster = "multi-az-cluster"
	KindService        = "service" // a service of the policy, for service-match
	KindRegion         = "region"  // a region whose databases could not be listed
	// KindOrphanedSnapshot is a shared manual snapshot of a database that no longer
	// exists: no database's checks would show its sharing.
	KindOrphanedSnapshot = "orphaned-snapshot"
	KindAccount          = "account" // an account that could not be read (its role not assumed)
)

// CheckResult is one check on one unit.
type CheckResult struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// UnitResult is the verdict on one backup unit: a DB instance, an Aurora or Multi-AZ
// DB cluster (its members are judged with it), a service that matched nothing, or a
// region that could not be listed.
type UnitResult struct {
	ID                  string        `json:"id"` // the identifier people know
	Kind                string        `json:"kind"`
	Account             string        `json:"account,omitempty"`      // the AWS account id, in a run over accounts
	AccountName         string        `json:"account_name,omitempty"` // its name from the policy or Organizations
	Region              string        `json:"region"`
	Service             string        `json:"service"` // "" when no service owns it
	Status              Status        `json:"status"`
	EffectiveRPOSeconds *int64        `json:"effective_rpo_seconds"` // now - newest restore point; null when there is none
	Checks              []CheckResult `json:"checks"`

	ResourceID         string     `json:"resource_id,omitempty"` // DbiResourceId / DbClusterResourceId
	Engine             string     `json:"engine,omitempty"`
	State              string     `json:"state,omitempty"` // the database's own status (available, stopped, ...)
	Members            []string   `json:"members,omitempty"`
	RPOSeconds         int64      `json:"rpo_seconds,omitempty"`
	RTOSeconds         int64      `json:"rto_seconds,omitempty"` // from the policy, not measured
	RetentionDays      *int       `json:"retention_days,omitempty"`
	PolicyRetention    int        `json:"policy_retention_days,omitempty"`
	NewestRestorePoint *time.Time `json:"newest_restore_point,omitempty"`
	NewestRestoreKind  string     `json:"newest_restore_kind,omitempty"` // pitr or snapshot
}

// Check returns the named check, if the unit has it.
func (u *UnitResult) Check(name string) (CheckResult, bool) {
	for _, c := range u.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return CheckResult{}, false
}

// EffectiveRPO is the unit's effective RPO, false when it has no restore point.
func (u *UnitResult) EffectiveRPO() (time.Duration, bool) {
	if u.EffectiveRPOSeconds == nil {
		return 0, false
	}
	return time.Duration(*u.EffectiveRPOSeconds) * time.Second, true
}

// Totals counts units by status.
type Totals struct {
	Units           int    `json:"units"`
	Pass            int    `json:"pass"`
	Warn            int    `json:"warn"`
	Fail            int    `json:"fail"`
	Skip            int    `json:"skip"`
	Error           int    `json:"error"`
	InventoryErrors int    `json:"inventory_errors"`
	Status          Status `json:"status"` // the worst unit status; error when the inventory is incomplete and nothing failed
}

func (t *Totals) add(s Status) {
	t.Units++
	switch s {
	case Pass:
		t.Pass++
	case Warn:
		t.Warn++
	case Fail:
		t.Fail++
	case Skip:
		t.Skip++
	case Error:
		t.Error++
	}
}

// Report is the result of one backup check.
type Report struct {
	Schema  int              `json:"schema"`
	AsOf    time.Time        `json:"as_of"`
	Policy  string           `json:"policy"` // where the policy came from
	Regions []string         `json:"regions"`
	Totals  Totals           `json:"summary"`
	Units   []UnitResult     `json:"units"`
	Errors  []InventoryError `json:"errors"`
	// NotVerified names what the policy asks for and the RDS API cannot show.
	NotVerified []string `json:"not_verified"`
	// SkippedAccounts are the organization's accounts not read: not ACTIVE.
	SkippedAccounts []SkippedAccount `json:"skipped_accounts,omitempty"`
}

// ReportSchema is the version of the JSON report.
const ReportSchema = 1

// NotVerified is what the RDS API cannot show, stated instead of claimed.
var NotVerified = []string{
	"differential backups: RDS keeps a full first snapshot, incremental snapshots and transaction logs every 5 minutes; \"differential\" has no RDS API counterpart",
	"encryption in transit: not observable through the RDS API",
	"restore time (RTO): the RDS API cannot measure it; only a restore drill proves it",
}

// ExitCode is the process exit code for the report: 1 when a check failed (or, with
// strict, warned), else 2 when something could not be checked, else 0.
func (r *Report) ExitCode(strict bool) int {
	if r.Totals.Fail > 0 || (strict && r.Totals.Warn > 0) {
		return 1
	}
	if r.Totals.Error > 0 || len(r.Errors) > 0 {
		return 2
	}
	return 0
}

// finish sorts nothing and recomputes the totals from the units and errors.
func (r *Report) finish() {
	t := Totals{InventoryErrors: len(r.Errors)}
	worst := Skip
	for _, u := range r.Units {
		t.add(u.Status)
		if rank(u.Status) > rank(worst) {
			worst = u.Status
		}
	}
	if len(r.Errors) > 0 && rank(worst) < rank(Error) {
		worst = Error
	}
	if t.Units == 0 && len(r.Errors) == 0 {
		worst = Pass
	}
	t.Status = worst
	r.Totals = t
}

// ForService keeps only the units of the named service (its databases and its own
// service entry); inventory errors are kept, since they may hide its databases.
func (r Report) ForService(name string) Report {
	out := r
	out.Units = nil
	for _, u := range r.Units {
		if u.Service == name || u.Kind == KindRegion || u.Kind == KindAccount {
			out.Units = append(out.Units, u)
		}
	}
	out.finish()
	return out
}

// Summary is the report in one line, for logs, journals and status bars.
func (r *Report) Summary() string {
	t := r.Totals
	var b strings.Builder
	fmt.Fprintf(&b, "backup check %s: %s, %s: %d pass, %d warn, %d fail, %d error, %d skip",
		r.AsOf.UTC().Format("2006-01-02T15:04Z"), strings.ToUpper(string(t.Status)), count(t.Units, "unit"), t.Pass, t.Warn, t.Fail, t.Error, t.Skip)
	if t.InventoryErrors > 0 {
		fmt.Fprintf(&b, "; %s", count(t.InventoryErrors, "API error"))
	}
	var bad []string
	for _, u := range r.Units {
		if u.Status != Fail && u.Status != Error {
			continue
		}
		var names []string
		for _, c := range u.Checks {
			if c.Status == Fail || c.Status == Error {
				names = append(names, c.Name)
			}
		}
		label := u.ID
		if u.Region != "" && u.Kind != KindRegion && u.Kind != KindAccount {
			label += "@" + u.Region
		}
		if u.Account != "" && u.Kind != KindAccount {
			label += " in " + accountLabel(u.Account, u.AccountName)
		}
		bad = append(bad, fmt.Sprintf("%s %s (%s)", label, u.Status, strings.Join(names, ", ")))
	}
	if len(bad) > 0 {
		b.WriteString("; ")
		if len(bad) > 3 {
			b.WriteString(strings.Join(bad[:3], "; "))
			fmt.Fprintf(&b, "; and %d more", len(bad)-3)
		} else {
			b.WriteString(strings.Join(bad, "; "))
		}
	}
	return b.String()
}

// JSON is the report as indented JSON with a trailing newline.
func (r *Report) JSON() ([]byte, error) {
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ParseReport reads a report written by JSON (the TUI keeps the last one).
func ParseReport(data []byte) (Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("backup report: %w", err)
	}
	if r.Schema != ReportSchema {
		return Report{}, fmt.Errorf("backup report: schema %d, want %d", r.Schema, ReportSchema)
	}
	return r, nil
}
