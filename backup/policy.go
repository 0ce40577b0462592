package backup

import (
	"fmt"
	"time"

	"github.com/muster-ir/muster/backup/policy"
)

// The backup policy and its file format live in backup/policy, which links no AWS code
// (its fuzz targets run thousands of times faster without the SDK's coverage counters).
// These names keep backup's API: callers say backup.Policy, backup.LoadPolicy.
type (
	Policy       = policy.Policy
	Account      = policy.Account
	Organization = policy.Organization
	Rules        = policy.Rules
	Service      = policy.Service
	Match        = policy.Match
	RestoreRules = policy.RestoreRules
	Status       = policy.Status
)

// Statuses a check or unit takes (see policy.Status).
const (
	Pass  = policy.Pass
	Warn  = policy.Warn
	Fail  = policy.Fail
	Skip  = policy.Skip
	Error = policy.Error // could not be checked: never pass, never fail
)

// Snapshot types RDS reports that a policy may count.
const (
	SnapshotAutomated = policy.SnapshotAutomated
	SnapshotManual    = policy.SnapshotManual
	SnapshotAWSBackup = policy.SnapshotAWSBackup
)

// PolicySchema is the version of the backup policy file format.
const PolicySchema = policy.SchemaVersion

// DefaultPolicyName is the policy file looked for in the data directory.
const DefaultPolicyName = policy.DefaultName

// DefaultRules are the rules without a policy file: daily copies kept 30 days and a
// 24 h RPO (README: Backup policy (backup.toml)).
func DefaultRules() Rules { return policy.DefaultRules() }

// DefaultPolicy is the policy used when there is no policy file.
func DefaultPolicy() Policy { return policy.Default() }

// DefaultPolicyFile is <dataDir>/backup.toml when it exists, else "" (built-in
// defaults).
func DefaultPolicyFile(dataDir string) string { return policy.DefaultFile(dataDir) }

// LoadPolicy reads a policy file. The error lists every problem, one per line, as
// file:line:col: message.
func LoadPolicy(file string) (Policy, error) { return policy.Load(file) }

// ParsePolicy decodes a policy file's content (named file in messages), every problem
// at once.
func ParsePolicy(file string, data []byte) (Policy, error) { return policy.Parse(file, data) }

// ValidRegion reports whether name looks like an AWS region.
func ValidRegion(name string) bool { return policy.ValidRegion(name) }

// CheckRegion is nil for a region name, else an error that says why not, with the
// "did you mean" hint for an availability zone (eu-west-1a).
func CheckRegion(name string) error { return policy.CheckRegion(name) }

// ParseDuration reads a duration as Go writes it (90m, 6h, 1h30m) with d for days
// (2d, 1d12h). Negative durations are refused.
func ParseDuration(s string) (time.Duration, error) { return policy.ParseDuration(s) }

// Age formats a duration the way people read ages: 45s, 12m, 5h12m, 3d4h. Negative
// durations (a margin already spent) get a minus sign.
func Age(d time.Duration) string {
	if d < 0 {
		return "-" + Age(-d)
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int64(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int64(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	default:
		days, h := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, h)
	}
}
