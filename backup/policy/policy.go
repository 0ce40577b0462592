// Package policy is the backup policy: what backed up means for each service (RPO, RTO,
// retention, copies, keys, restore tests) and its file, backup.toml, read with every
// problem at once as file:line:col; and the words of it people also type on the
// command line: durations (ParseDuration), regions (CheckRegion) and instants
// (ParseTime).
//
// It is apart from package backup, which judges databases against it, so that it links
// no AWS SDK code: its fuzz targets then reset and scan a few thousand coverage counters
// per execution instead of the SDK's ~200,000. It must never import backup (backup
// imports it and re-exports its names).
package policy

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Policy is what the databases are judged against: defaults for every database and
// services that own databases and may tighten the rules for them.
type Policy struct {
	// Source names where the policy came from: a file name, or "built-in defaults".
	Source string
	// Regions are the regions checked when --region is not given (besides every
	// service's own regions).
	Regions  []string
	Defaults Rules
	Services []Service
	// Accounts are checked by assuming their role; Organization discovers more.
	// Neither: the one account of the credentials.
	Accounts     []Account
	Organization *Organization
}

// Account is an AWS account the check reads by assuming a role in it.
type Account struct {
	ID         string   // from the role ARN
	Name       string   // how people call it; Organizations' name when discovered
	RoleARN    string   // arn:aws:iam::111111111111:role/muster-backup-audit
	ExternalID string   // sts:ExternalId the role's trust policy requires, if any
	Regions    []string // the account's regions; empty: the run's
}

// Organization discovers accounts with organizations:ListAccounts and reads each
// active one through the same role name.
type Organization struct {
	RoleName   string   // the role deployed in every account (muster-backup-audit)
	ExternalID string   // if the role's trust policy requires one
	Regions    []string // empty: the run's
}

// Rules are the knobs that apply to one backup unit. Defaults holds them for every
// database; a service overrides some of them.
type Rules struct {
	RPO                 time.Duration // max age of the newest restore point of any kind
	RTO                 time.Duration // shown, not measured: the RDS API cannot tell restore time
	RetentionDays       int           // restore points must reach back this many days
	Grace               time.Duration // added to snapshot ages to absorb the backup window
	SnapshotMaxAge      time.Duration // the daily copy: newest snapshot at most this old (+ grace)
	CopyMaxAge          time.Duration // a cross-region copy at most this old (+ grace)
	PITRLagWarn         time.Duration // warn when LatestRestorableTime lags more than this
	MaxCreating         time.Duration // a snapshot creating for longer than this is stuck
	SnapshotTypes       []string      // snapshot types that count: automated, manual, awsbackup
	IncludeReplicas     bool          // check read replicas instead of skipping them
	Stopped             Status        // what a stopped database's freshness checks yield
	Unowned             Status        // what a database no service matches yields (with services defined)
	CopyRegions         []string      // regions that must hold a fresh copy
	RequireCMK          bool          // snapshots and storage on a KMS key (customer-managed)
	KMSKeys             []string      // allowed key ARNs or ids, when RequireCMK
	RequireNotification bool          // an event subscription for backup and failure events is required
	AllowedAccounts     []string      // accounts manual snapshots may be shared with
	Restore             RestoreRules  // restore tests (restore.go)
}

// Service is a named owner of databases with its recovery objectives.
type Service struct {
	Name    string
	Regions []string // where its databases live; empty means every checked region
	Match   Match
	Rules   Rules // the defaults with the service's overrides applied
}

// Match says which databases belong to a service. When both are given, a database
// must match an identifier glob and carry every tag.
type Match struct {
	Identifiers []string          // globs (path.Match syntax) on the instance or cluster identifier
	Tags        map[string]string // tag key -> value glob
	Accounts    []string          // account ids or names; empty: every account
}

// Snapshot types RDS reports that a policy may count.
const (
	SnapshotAutomated = "automated"
	SnapshotManual    = "manual"
	SnapshotAWSBackup = "awsbackup"
)

// DefaultRules are the rules without a policy file: daily copies kept 30 days and a
// 24 h RPO (README: Backup policy (backup.toml)).
func DefaultRules() Rules {
	return Rules{
		RPO:            24 * time.Hour,
		RetentionDays:  30,
		Grace:          15 * time.Minute,
		SnapshotMaxAge: 24 * time.Hour,
		CopyMaxAge:     24 * time.Hour,
		PITRLagWarn:    15 * time.Minute,
		MaxCreating:    6 * time.Hour,
		SnapshotTypes:  []string{SnapshotAutomated, SnapshotManual, SnapshotAWSBackup},
		Stopped:        Warn,
		Unowned:        Warn,
		Restore:        RestoreRules{Missed: Warn},
	}
}

// Default is the policy used when there is no policy file.
func Default() Policy {
	return Policy{Source: "built-in defaults", Defaults: DefaultRules()}
}

// Matches reports whether a unit with this identifier, region and tags belongs to s.
func (s *Service) Matches(id, region string, tags map[string]string) bool {
	if len(s.Regions) > 0 && !slices.Contains(s.Regions, region) {
		return false
	}
	if len(s.Match.Identifiers) == 0 && len(s.Match.Tags) == 0 {
		// Only accounts: every database of those accounts (see InAccount).
		return len(s.Match.Accounts) > 0
	}
	if len(s.Match.Identifiers) > 0 {
		ok := false
		for _, g := range s.Match.Identifiers {
			if m, _ := path.Match(g, id); m {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for k, g := range s.Match.Tags {
		v, ok := tags[k]
		if !ok {
			return false
		}
		if m, _ := path.Match(g, v); !m {
			return false
		}
	}
	return true
}

// InAccount reports whether the service may own databases of the account (id and
// name; "" for a run without accounts, which every service covers).
func (s *Service) InAccount(id, name string) bool {
	if len(s.Match.Accounts) == 0 || id == "" {
		return true
	}
	return slices.Contains(s.Match.Accounts, id) || (name != "" && slices.Contains(s.Match.Accounts, name))
}

// CoversRegion reports whether the service may own databases in region.
func (s *Service) CoversRegion(region string) bool {
	return len(s.Regions) == 0 || slices.Contains(s.Regions, region)
}

// regionPattern accepts AWS region names (eu-west-1, us-gov-west-1, cn-north-1,
// us-isob-east-1) and refuses availability zones (us-west-2a), which otherwise fail
// later as DNS errors that look like retries.
var regionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`) })

// ValidRegion reports whether name looks like an AWS region.
func ValidRegion(name string) bool { return regionPattern().MatchString(name) }

// CheckRegion is nil for a region name, else an error that says why not, with the
// "did you mean" hint for an availability zone (eu-west-1a).
func CheckRegion(name string) error {
	if ValidRegion(name) {
		return nil
	}
	return errors.New(regionError(name))
}

// regionError explains why name is not a region.
func regionError(name string) string {
	if len(name) > 1 && regionPattern().MatchString(name[:len(name)-1]) {
		return fmt.Sprintf("%q is an availability zone, not a region (did you mean %q?)", name, name[:len(name)-1])
	}
	return fmt.Sprintf("%q is not an AWS region name (like eu-west-1)", name)
}

// ParseTime reads an instant: RFC 3339, or a UTC date and time (2026-12-01 08:30). The
// result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not RFC 3339 (2026-09-01T12:00:00Z) or 2026-09-01 12:00 UTC")
}

// ParseDuration reads a duration as Go writes it (90m, 6h, 1h30m) with d for days
// (2d, 1d12h). Negative durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var days int64
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (like 6h, 30m, 2d, 1d12h)", s)
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		d, err = time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (like 6h, 30m, 2d, 1d12h)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	total := time.Duration(days)*24*time.Hour + d
	if total < 0 {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return total, nil
}
