package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// SchemaVersion is the version of the backup policy file format.
const SchemaVersion = 1

// DefaultName is the policy file looked for in the data directory.
const DefaultName = "backup.toml"

// The file format (backup.toml). Every key is optional but schema and, per service,
// name and match; unset keys take the defaults. backup-policy.schema.json describes the
// same keys for editors, and a test keeps the two in step.
type policyFile struct {
	Schema   int           `toml:"schema,required"`
	Regions  []string      `toml:"regions"`
	Defaults defaultsFile  `toml:"defaults"`
	Services []serviceFile `toml:"service"`
	// Many accounts: listed, discovered from AWS Organizations, or both.
	Accounts     []accountFile     `toml:"accounts"`
	Organization *organizationFile `toml:"organization"`
}

type accountFile struct {
	RoleARN    string   `toml:"role_arn,required"`
	ExternalID string   `toml:"external_id"`
	Name       string   `toml:"name"`
	Regions    []string `toml:"regions"`
}

type organizationFile struct {
	RoleName   string   `toml:"role_name,required"`
	ExternalID string   `toml:"external_id"`
	Regions    []string `toml:"regions"`
}

type defaultsFile struct {
	RPO                 duration `toml:"rpo"`
	RTO                 duration `toml:"rto"`
	RetentionDays       int      `toml:"retention_days"`
	Grace               duration `toml:"grace"`
	SnapshotMaxAge      duration `toml:"snapshot_max_age"`
	CopyMaxAge          duration `toml:"copy_max_age"`
	PITRLagWarn         duration `toml:"pitr_lag_warn"`
	MaxCreating         duration `toml:"max_creating"`
	SnapshotTypes       []string `toml:"snapshot_types"`
	IncludeReplicas     bool     `toml:"include_replicas"`
	Stopped             string   `toml:"stopped"`
	Unowned             string   `toml:"unowned"`
	CopyRegions         []string `toml:"copy_regions"`
	RequireCMK          bool     `toml:"require_cmk"`
	KMSKeys             []string `toml:"kms_keys"`
	RequireNotification bool     `toml:"require_notification"`
	AllowedAccounts     []string `toml:"allowed_accounts"`

	RestoreTestMaxAge    duration `toml:"restore_test_max_age"`
	RestoreTestMissed    string   `toml:"restore_test_missed"`
	RestoreProbe         string   `toml:"restore_probe"`
	RestoreDatabase      string   `toml:"restore_database"`
	RestoreInstanceClass string   `toml:"restore_instance_class"`
}

type serviceFile struct {
	Name                string    `toml:"name,required"`
	RPO                 duration  `toml:"rpo"`
	RTO                 duration  `toml:"rto"`
	RetentionDays       *int      `toml:"retention_days"`
	SnapshotMaxAge      duration  `toml:"snapshot_max_age"`
	CopyMaxAge          duration  `toml:"copy_max_age"`
	Regions             []string  `toml:"regions"`
	CopyRegions         []string  `toml:"copy_regions"`
	RequireCMK          *bool     `toml:"require_cmk"`
	KMSKeys             []string  `toml:"kms_keys"`
	RequireNotification *bool     `toml:"require_notification"`
	Match               matchFile `toml:"match,required"`

	RestoreTestMaxAge    duration `toml:"restore_test_max_age"`
	RestoreTestMissed    string   `toml:"restore_test_missed"`
	RestoreProbe         string   `toml:"restore_probe"`
	RestoreDatabase      string   `toml:"restore_database"`
	RestoreInstanceClass string   `toml:"restore_instance_class"`
}

type matchFile struct {
	Identifiers []string          `toml:"identifiers"`
	Tags        map[string]string `toml:"tags"`
	Accounts    []string          `toml:"accounts"`
}

// duration is a TOML string like "6h", "30m" or "2d".
type duration time.Duration

func (d *duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = duration(v)
	return nil
}

// Values the enumerated keys take.
var (
	snapshotTypeValues = []string{SnapshotAutomated, SnapshotManual, SnapshotAWSBackup}
	stoppedValues      = []string{string(Warn), string(Fail), string(Skip)}
	unownedValues      = []string{string(Pass), string(Warn), string(Fail)}
)

var (
	accountPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	// roleARNPattern: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME. The 512-character
	// limit of PATH/NAME is checked apart (validRoleARN): a {1,512} in the pattern
	// compiles to 512 copies, 0.7 MB and milliseconds at every muster start.
	roleARNPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::([0-9]{12}):role/([A-Za-z0-9+=,.@_/-]+)$`)
	})
	roleNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9+=,.@_/-]+$`) })
	// externalIDPattern is what STS accepts as an ExternalId.
	externalIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9+=,.@:/-]{2,}$`) })
)

// DefaultFile is <dataDir>/backup.toml when it exists, else "" (built-in defaults).
func DefaultFile(dataDir string) string {
	p := filepath.Join(dataDir, DefaultName)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// Load reads a policy file. The error lists every problem, one per line, as
// file:line:col: message.
func Load(file string) (Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Policy{}, fmt.Errorf("%s: no such policy file", file)
		}
		return Policy{}, fmt.Errorf("%s: %w", file, err)
	}
	return Parse(file, data)
}

// Parse decodes a policy file's content (named file in messages). It reports every
// problem at once: syntax, unknown keys, wrong types and the semantic checks.
func Parse(file string, data []byte) (Policy, error) {
	var pf policyFile
	doc, problems := tomldoc.Decode(file, data, &pf)
	if len(problems) == 1 && isSyntax(problems[0]) {
		return Policy{}, problems
	}
	v := validator{doc: doc, problems: problems}
	p := v.policy(&pf)
	v.problems.Sort()
	if err := v.problems.Err(); err != nil {
		return Policy{}, err
	}
	p.Source = file
	return p, nil
}

func isSyntax(p tomldoc.Problem) bool {
	return len(p.Msg) >= 11 && p.Msg[:11] == "TOML syntax"
}

type validator struct {
	doc      *tomldoc.Doc
	problems tomldoc.Problems
}

// add records a semantic problem at path, unless decoding already reported one there
// (a value that did not decode has nothing left to judge).
func (v *validator) add(msg string, path ...any) {
	p := v.doc.Problem(msg, path...)
	for _, q := range v.problems {
		if q.Line == p.Line && q.Col == p.Col && q.Line > 0 {
			return
		}
	}
	v.problems = append(v.problems, p)
}

func (v *validator) policy(pf *policyFile) Policy {
	if v.doc.Has("schema") && pf.Schema != SchemaVersion {
		v.add(fmt.Sprintf("schema = %d is not supported; this muster reads schema = %d", pf.Schema, SchemaVersion), "schema")
	}
	p := Policy{Regions: v.regions(pf.Regions, "regions")}
	p.Defaults = v.defaults(&pf.Defaults)
	seen := map[string]int{}
	for i := range pf.Services {
		s := v.service(&pf.Services[i], i, p.Defaults)
		if s.Name != "" {
			if j, dup := seen[s.Name]; dup {
				v.add(fmt.Sprintf("service %q is defined twice (also service[%d])", s.Name, j), "service", i, "name")
			}
			seen[s.Name] = i
		}
		p.Services = append(p.Services, s)
	}
	p.Accounts = v.accounts(pf.Accounts)
	if o := pf.Organization; o != nil {
		if v.doc.Has("organization", "role_name") && !validRoleName(o.RoleName) {
			v.add(fmt.Sprintf("role_name %q is not an IAM role name (like muster-backup-audit)", o.RoleName), "organization", "role_name")
		}
		if v.doc.Has("organization", "external_id") && !validExternalID(o.ExternalID) {
			v.add("external_id must be 2 to 1224 characters of letters, digits and +=,.@:/-", "organization", "external_id")
		}
		p.Organization = &Organization{RoleName: o.RoleName, ExternalID: o.ExternalID, Regions: v.regions(o.Regions, "organization", "regions")}
	}
	return p
}

// SnapshotTypes are the snapshot types a policy may count, in the order RDS is asked
// for them.
func SnapshotTypes() []string { return slices.Clone(snapshotTypeValues) }

// ValidAccountID reports whether s is a 12-digit AWS account id.
func ValidAccountID(s string) bool { return accountPattern().MatchString(s) }

func validExternalID(s string) bool { return len(s) <= 1224 && externalIDPattern().MatchString(s) }

func validRoleName(s string) bool { return len(s) <= 512 && roleNamePattern().MatchString(s) }

// roleARNAccount returns the account of an IAM role ARN, ok false when s is not one.
func roleARNAccount(s string) (account string, ok bool) {
	m := roleARNPattern().FindStringSubmatch(s)
	if m == nil || len(m[3]) > 512 {
		return "", false
	}
	return m[2], true
}

func (v *validator) accounts(list []accountFile) []Account {
	var out []Account
	seen := map[string]int{}
	for i, a := range list {
		at := func(k string) []any { return []any{"accounts", i, k} }
		acc := Account{RoleARN: a.RoleARN, ExternalID: a.ExternalID, Name: a.Name, Regions: v.regions(a.Regions, at("regions")...)}
		if id, ok := roleARNAccount(a.RoleARN); ok {
			acc.ID = id
			if j, dup := seen[acc.ID]; dup {
				v.add(fmt.Sprintf("account %s is listed twice (also accounts[%d])", acc.ID, j), at("role_arn")...)
			}
			seen[acc.ID] = i
		} else if v.doc.Has(at("role_arn")...) {
			v.add(fmt.Sprintf("role_arn %q is not an IAM role ARN (like arn:aws:iam::111111111111:role/muster-backup-audit)", a.RoleARN), at("role_arn")...)
		}
		if v.doc.Has(at("external_id")...) && !validExternalID(a.ExternalID) {
			v.add("external_id must be 2 to 1224 characters of letters, digits and +=,.@:/-", at("external_id")...)
		}
		if v.doc.Has(at("name")...) && (a.Name == "" || untrusted.Line(a.Name) != a.Name) {
			v.add("an account name must be non-empty text on one line", at("name")...)
		}
		out = append(out, acc)
	}
	return out
}

func (v *validator) regions(list []string, path ...any) []string {
	var out []string
	for i, r := range list {
		switch {
		case !ValidRegion(r):
			v.add(regionError(r), append(path, i)...)
		case slices.Contains(out, r):
			v.add(fmt.Sprintf("region %q is listed twice", r), append(path, i)...)
		default:
			out = append(out, r)
		}
	}
	return out
}

func (v *validator) positive(d duration, name string, path ...any) time.Duration {
	if d <= 0 && v.doc.Has(path...) {
		v.add(name+" must be longer than 0", path...)
	}
	return time.Duration(d)
}

func (v *validator) retention(n int, path ...any) int {
	if n < 1 || n > 3650 {
		v.add(fmt.Sprintf("retention_days = %d: must be between 1 and 3650 days", n), path...)
	}
	return n
}

func (v *validator) oneOf(val string, allowed []string, path ...any) {
	if !slices.Contains(allowed, val) {
		v.add(fmt.Sprintf("%q is not one of %q", val, allowed), path...)
	}
}

func (v *validator) kmsKeys(keys []string, path ...any) []string {
	for i, k := range keys {
		if k == "" || untrusted.Line(k) != k {
			v.add("a KMS key must be a key ARN, key id or alias, without control characters", append(path, i)...)
		}
	}
	return keys
}

func (v *validator) defaults(df *defaultsFile) Rules {
	r := DefaultRules()
	set := func(key string) bool { return v.doc.Has("defaults", key) }
	if set("rpo") {
		r.RPO = v.positive(df.RPO, "rpo", "defaults", "rpo")
	}
	if set("rto") {
		r.RTO = v.positive(df.RTO, "rto", "defaults", "rto")
	}
	if set("retention_days") {
		r.RetentionDays = v.retention(df.RetentionDays, "defaults", "retention_days")
	}
	if set("grace") {
		r.Grace = time.Duration(df.Grace)
	}
	if set("snapshot_max_age") {
		r.SnapshotMaxAge = v.positive(df.SnapshotMaxAge, "snapshot_max_age", "defaults", "snapshot_max_age")
	}
	if set("copy_max_age") {
		r.CopyMaxAge = v.positive(df.CopyMaxAge, "copy_max_age", "defaults", "copy_max_age")
	}
	if set("pitr_lag_warn") {
		r.PITRLagWarn = v.positive(df.PITRLagWarn, "pitr_lag_warn", "defaults", "pitr_lag_warn")
	}
	if set("max_creating") {
		r.MaxCreating = v.positive(df.MaxCreating, "max_creating", "defaults", "max_creating")
	}
	if set("snapshot_types") {
		if len(df.SnapshotTypes) == 0 {
			v.add("snapshot_types must name at least one type (automated, manual, awsbackup)", "defaults", "snapshot_types")
		}
		var types []string
		for i, t := range df.SnapshotTypes {
			v.oneOf(t, snapshotTypeValues, "defaults", "snapshot_types", i)
			if slices.Contains(types, t) {
				v.add(fmt.Sprintf("snapshot type %q is listed twice", t), "defaults", "snapshot_types", i)
			}
			types = append(types, t)
		}
		r.SnapshotTypes = types
	}
	r.IncludeReplicas = df.IncludeReplicas
	if set("stopped") {
		v.oneOf(df.Stopped, stoppedValues, "defaults", "stopped")
		r.Stopped = Status(df.Stopped)
	}
	if set("unowned") {
		v.oneOf(df.Unowned, unownedValues, "defaults", "unowned")
		r.Unowned = Status(df.Unowned)
	}
	r.CopyRegions = v.regions(df.CopyRegions, "defaults", "copy_regions")
	r.RequireCMK = df.RequireCMK
	r.KMSKeys = v.kmsKeys(df.KMSKeys, "defaults", "kms_keys")
	r.RequireNotification = df.RequireNotification
	for i, a := range df.AllowedAccounts {
		if !ValidAccountID(a) {
			v.add(fmt.Sprintf("%q is not a 12-digit AWS account id", a), "defaults", "allowed_accounts", i)
		}
	}
	r.AllowedAccounts = df.AllowedAccounts
	v.restoreRules(restoreKeys{df.RestoreTestMaxAge, df.RestoreTestMissed, df.RestoreProbe, df.RestoreDatabase, df.RestoreInstanceClass}, &r.Restore, "defaults")
	return r
}

func (v *validator) service(sf *serviceFile, i int, defaults Rules) Service {
	at := func(k ...any) []any { return append([]any{"service", i}, k...) }
	s := Service{Name: sf.Name, Rules: defaults}
	if v.doc.Has(at("name")...) && (sf.Name == "" || untrusted.Line(sf.Name) != sf.Name) {
		v.add("a service name must be non-empty text on one line", at("name")...)
	}
	r := &s.Rules
	if v.doc.Has(at("rpo")...) {
		r.RPO = v.positive(sf.RPO, "rpo", at("rpo")...)
	}
	if v.doc.Has(at("rto")...) {
		r.RTO = v.positive(sf.RTO, "rto", at("rto")...)
	}
	if sf.RetentionDays != nil {
		r.RetentionDays = v.retention(*sf.RetentionDays, at("retention_days")...)
	}
	if v.doc.Has(at("snapshot_max_age")...) {
		r.SnapshotMaxAge = v.positive(sf.SnapshotMaxAge, "snapshot_max_age", at("snapshot_max_age")...)
	}
	if v.doc.Has(at("copy_max_age")...) {
		r.CopyMaxAge = v.positive(sf.CopyMaxAge, "copy_max_age", at("copy_max_age")...)
	}
	s.Regions = v.regions(sf.Regions, at("regions")...)
	if v.doc.Has(at("copy_regions")...) {
		r.CopyRegions = v.regions(sf.CopyRegions, at("copy_regions")...)
	}
	if sf.RequireCMK != nil {
		r.RequireCMK = *sf.RequireCMK
	}
	if v.doc.Has(at("kms_keys")...) {
		r.KMSKeys = v.kmsKeys(sf.KMSKeys, at("kms_keys")...)
	}
	if sf.RequireNotification != nil {
		r.RequireNotification = *sf.RequireNotification
	}
	v.restoreRules(restoreKeys{sf.RestoreTestMaxAge, sf.RestoreTestMissed, sf.RestoreProbe, sf.RestoreDatabase, sf.RestoreInstanceClass}, &r.Restore, "service", i)
	m := sf.Match
	if v.doc.Has(at("match")...) && len(m.Identifiers) == 0 && len(m.Tags) == 0 && len(m.Accounts) == 0 {
		v.add("match needs identifiers, tags or accounts: a service must say which databases it owns", at("match")...)
	}
	for j, a := range m.Accounts {
		if a == "" || untrusted.Line(a) != a {
			v.add("an account must be a 12-digit account id or an account's name", at("match", "accounts", j)...)
		}
	}
	for j, g := range m.Identifiers {
		if _, err := path.Match(g, ""); err != nil || g == "" {
			v.add(fmt.Sprintf("identifier glob %q is not valid (use *, ? and [a-z])", g), at("match", "identifiers", j)...)
		}
	}
	for k, g := range m.Tags {
		if k == "" {
			v.add("a tag key must not be empty", at("match", "tags")...)
		}
		if _, err := path.Match(g, ""); err != nil {
			v.add(fmt.Sprintf("tag value glob %q is not valid", g), at("match", "tags", k)...)
		}
	}
	s.Match = Match(m)
	return s
}
