package policy

import (
	"fmt"
	"github.com/muster-ir/muster/internal/schematest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// examples are the complete policy files: README's (backup.toml, accounts-policy.toml)
// and the moto tests' in backup.
var examples = []string{"testdata/backup.toml", "testdata/accounts-policy.toml", "../testdata/moto-policy.toml"}

func TestExamplePolicy(t *testing.T) {
	p, err := Load("testdata/backup.toml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "testdata/backup.toml" || !slices.Equal(p.Regions, []string{west}) || len(p.Services) != 2 {
		t.Fatalf("%+v", p)
	}
	d := p.Defaults
	if d.RPO != 24*time.Hour || d.RetentionDays != 30 || d.Grace != 15*time.Minute || d.Stopped != Warn || d.Unowned != Warn ||
		!slices.Equal(d.AllowedAccounts, []string{"210987654321"}) || d.RTO != 4*time.Hour {
		t.Errorf("defaults %+v", d)
	}
	s := p.Services[0]
	if s.Name != "platform-database" || s.Rules.RPO != 6*time.Hour || s.Rules.RTO != 30*time.Minute ||
		!slices.Equal(s.Rules.CopyRegions, []string{central}) || !s.Rules.RequireCMK || len(s.Rules.KMSKeys) != 2 ||
		!s.Rules.RequireNotification || s.Rules.RetentionDays != 30 || s.Match.Tags["service"] != "platform" ||
		!slices.Equal(s.Regions, []string{west}) {
		t.Errorf("platform service %+v", s)
	}
	w := p.Services[1]
	if w.Rules.RPO != 48*time.Hour || w.Rules.RequireCMK || len(w.Rules.CopyRegions) != 0 || len(w.Regions) != 0 {
		t.Errorf("website inherits the defaults: %+v", w)
	}
	if !s.Matches("platform-aurora-1", west, map[string]string{"service": "platform"}) ||
		s.Matches("platform-aurora-1", west, nil) || s.Matches("platform-db", central, map[string]string{"service": "platform"}) ||
		s.Matches("billing", west, map[string]string{"service": "platform"}) {
		t.Error("match semantics: identifier glob and every tag, in the service's regions")
	}
}

func TestDefaultPolicyWithoutFile(t *testing.T) {
	p := Default()
	if p.Defaults.RPO != 24*time.Hour || p.Defaults.RetentionDays != 30 || len(p.Services) != 0 {
		t.Fatalf("%+v", p)
	}
	dir := t.TempDir()
	if DefaultFile(dir) != "" {
		t.Fatal("no file, no default path")
	}
	if err := os.WriteFile(filepath.Join(dir, "backup.toml"), []byte("schema = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := DefaultFile(dir); got != filepath.Join(dir, "backup.toml") {
		t.Fatalf("DefaultPolicyFile = %q", got)
	}
	if p, err := Load(filepath.Join(dir, "backup.toml")); err != nil || p.Defaults.RPO != 24*time.Hour {
		t.Fatalf("minimal file: %v %+v", err, p)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); err == nil || !strings.Contains(err.Error(), "no such policy file") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestPolicyProblemsAllAtOnce(t *testing.T) {
	src := `schema = 2
regions = ["eu-west-1", "us-west-2a", "eu-west-1"]
colour = "blue"

[defaults]
rpo = "6 hours"
retention_days = 0
snapshot_types = ["automated", "shared"]
stopped = "ignore"
unowned = "skip"
copy_regions = ["mars-1"]
allowed_accounts = ["12345"]
grace = 15

[[service]]
name = "platform"
rpo = "0s"
[service.match]

[[service]]
name = "platform"
retension_days = 30
[service.match]
identifiers = ["[a-"]

[[service]]
rpo = "6h"
`
	_, err := Parse("bad.toml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	want := []string{
		"bad.toml:1:1: schema = 2 is not supported",
		`bad.toml:2:25: "us-west-2a" is an availability zone, not a region (did you mean "us-west-2"?)`,
		`bad.toml:2:39: region "eu-west-1" is listed twice`,
		`bad.toml:3:1: unknown key "colour"`,
		`bad.toml:6:1: defaults.rpo: "6 hours" is not a duration`,
		"bad.toml:7:1: retention_days = 0: must be between 1 and 3650 days",
		`bad.toml:8:32: "shared" is not one of ["automated" "manual" "awsbackup"]`,
		`bad.toml:9:1: "ignore" is not one of ["warn" "fail" "skip"]`,
		`bad.toml:10:1: "skip" is not one of ["pass" "warn" "fail"]`,
		`bad.toml:11:17: "mars-1" is not an AWS region name`,
		`bad.toml:12:21: "12345" is not a 12-digit AWS account id`,
		"bad.toml:13:1: defaults.grace must be a string, not an integer",
		"bad.toml:17:1: rpo must be longer than 0",
		"bad.toml:18:1: match needs identifiers, tags or accounts",
		`bad.toml:21:1: service "platform" is defined twice (also service[0])`,
		`bad.toml:22:1: unknown key "service[1].retension_days" (did you mean "retention_days"?)`,
		`bad.toml:24:16: identifier glob "[a-" is not valid`,
		`missing required key "service[2].name"`,
		`missing required key "service[2].match"`,
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing problem %q", w)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", got)
	}
}

func TestPolicySyntaxError(t *testing.T) {
	_, err := Parse("x.toml", []byte("schema = 1\n[defaults\nrpo = \"6h\"\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "x.toml:2:") || !strings.Contains(err.Error(), "TOML syntax") || strings.Count(err.Error(), "\n") != 0 {
		t.Fatalf("%v", err)
	}
	_, err = Parse("x.toml", []byte("regions = []\n"))
	if err == nil || !strings.Contains(err.Error(), `missing required key "schema"`) {
		t.Fatalf("%v", err)
	}
}

// FuzzParsePolicy's seeds are the example files here and the corpus in
// testdata/fuzz/FuzzParsePolicy, which backup's TestEvaluateTakesEveryAcceptedPolicy
// also runs through Evaluate.
func FuzzParsePolicy(f *testing.F) {
	for _, file := range examples {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.toml", data)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.toml") {
					t.Fatalf("problem without its file: %q", line)
				}
			}
			return
		}
		for _, a := range p.Accounts {
			if !accountPattern().MatchString(a.ID) || !strings.Contains(a.RoleARN, a.ID) {
				t.Fatalf("accepted account %+v", a)
			}
		}
		// An accepted policy is one backup.Evaluate can use (backup's
		// TestEvaluateTakesEveryAcceptedPolicy runs it on this target's corpus).
		rules := []Rules{p.Defaults}
		for _, s := range p.Services {
			if s.Name == "" || strings.ContainsAny(s.Name, "\n\x1b") || (len(s.Match.Identifiers) == 0 && len(s.Match.Tags) == 0 && len(s.Match.Accounts) == 0) {
				t.Fatalf("accepted service %+v", s)
			}
			rules = append(rules, s.Rules)
		}
		for _, r := range rules {
			if r.RPO <= 0 || r.RetentionDays < 1 || r.SnapshotMaxAge <= 0 || len(r.SnapshotTypes) == 0 || r.Grace < 0 {
				t.Fatalf("accepted rules %+v", r)
			}
			for _, cr := range r.CopyRegions {
				if !ValidRegion(cr) {
					t.Fatalf("accepted copy region %q", cr)
				}
			}
		}
	})
}

var durationType = reflect.TypeFor[duration]()

// TestSchemaMatchesGoTypes walks the file's Go types and the JSON Schema together:
// same keys, same required keys, no extra keys allowed, compatible types, same enums.
func TestSchemaMatchesGoTypes(t *testing.T) {
	root := schematest.Load(t, "backup-policy.schema.json")
	enums := map[string][]string{
		"defaults.snapshot_types": snapshotTypeValues,
		"defaults.stopped":        stoppedValues,
		"defaults.unowned":        unownedValues,
	}
	var walk func(path string, typ reflect.Type, s *schematest.Schema)
	walk = func(path string, typ reflect.Type, s *schematest.Schema) {
		s = root.Resolve(t, s)
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if want, ok := enums[path]; ok {
			e := s
			if typ.Kind() == reflect.Slice {
				e = root.Resolve(t, s.Items)
			}
			var got []string
			for _, v := range e.Enum {
				got = append(got, fmt.Sprint(v))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: schema enum %v, Go accepts %v", path, got, want)
			}
			return
		}
		switch {
		case typ == durationType:
			if s != root.Definitions["duration"] {
				t.Errorf("%s: a duration in Go, not the duration definition in the schema", path)
			}
		case typ.Kind() == reflect.String:
			if s.Type != "string" && s.Const == nil {
				t.Errorf("%s: string in Go, %q in the schema", path, s.Type)
			}
		case typ.Kind() == reflect.Int:
			if s.Type != "integer" && s.Const == nil {
				t.Errorf("%s: integer in Go, %q in the schema", path, s.Type)
			}
		case typ.Kind() == reflect.Bool:
			if s.Type != "boolean" {
				t.Errorf("%s: boolean in Go, %q in the schema", path, s.Type)
			}
		case typ.Kind() == reflect.Slice:
			if s.Type != "array" || s.Items == nil {
				t.Errorf("%s: slice in Go, %q in the schema", path, s.Type)
				return
			}
			walk(path+"[]", typ.Elem(), s.Items)
		case typ.Kind() == reflect.Map:
			if ap := s.Others(); s.Type != "object" || ap == nil || ap.Type != "string" {
				t.Errorf("%s: map of strings in Go; the schema must allow any key with string values", path)
			}
		case typ.Kind() == reflect.Struct:
			if s.Type != "object" || !s.Closed() {
				t.Errorf("%s: must be an object with additionalProperties false", path)
			}
			var keys, required []string
			for f := range typ.Fields() {
				name, opts, _ := strings.Cut(f.Tag.Get("toml"), ",")
				keys = append(keys, name)
				if strings.Contains(opts, "required") {
					required = append(required, name)
				}
				child := s.Properties[name]
				if child == nil {
					t.Errorf("%s.%s: in Go, missing from the schema", path, name)
					continue
				}
				if child.Description == "" && root.Resolve(t, child).Description == "" {
					t.Errorf("%s.%s: no description in the schema", path, name)
				}
				walk(strings.TrimPrefix(path+"."+name, "."), f.Type, child)
			}
			for name := range s.Properties {
				if !slices.Contains(keys, name) {
					t.Errorf("%s.%s: in the schema, unknown to Go", path, name)
				}
			}
			sort.Strings(required)
			schemaReq := append([]string{}, s.Required...)
			sort.Strings(schemaReq)
			if !slices.Equal(required, schemaReq) {
				t.Errorf("%s: required %v in Go, %v in the schema", path, required, schemaReq)
			}
		default:
			t.Errorf("%s: Go type %s not handled", path, typ)
		}
	}
	walk("", reflect.TypeFor[policyFile](), root)
	if got := root.Definitions["regions"].Items.Pattern; got != regionPattern().String() {
		t.Errorf("schema region pattern %q, Go %q", got, regionPattern().String())
	}
	dur := regexp.MustCompile(root.Definitions["duration"].Pattern)
	for _, ok := range []string{"6h", "30m", "2d", "1d12h", "1h30m", "90s", "0s"} {
		if !dur.MatchString(ok) {
			t.Errorf("schema duration pattern refuses %q, which Go accepts", ok)
		}
		if _, err := ParseDuration(ok); err != nil {
			t.Errorf("Go refuses %q", ok)
		}
	}
	for _, bad := range []string{"6 hours", "h", "-1h"} {
		if dur.MatchString(bad) {
			t.Errorf("schema duration pattern accepts %q, which Go refuses", bad)
		}
	}
}

// TestExampleValidatesAgainstSchema checks the README's example with schematest's small
// draft-07 validator, so editors validating with the schema agree with muster.
func TestExampleValidatesAgainstSchema(t *testing.T) {
	root := schematest.Load(t, "backup-policy.schema.json")
	for _, file := range examples {
		var doc map[string]any
		if _, err := toml.DecodeFile(file, &doc); err != nil {
			t.Fatal(err)
		}
		if errs := root.Validate(t, doc); len(errs) > 0 {
			t.Errorf("%s: %s", file, strings.Join(errs, "; "))
		}
	}
	var bad map[string]any
	if _, err := toml.Decode("schema = 2\ncolour = 1\n[defaults]\nrpo = \"6 hours\"\nstopped = \"x\"\n[[service]]\nname = \"a\"\n", &bad); err != nil {
		t.Fatal(err)
	}
	errs := root.Validate(t, bad)
	if len(errs) != 5 {
		t.Errorf("the validator must catch schema, colour, rpo, stopped and the missing match: %v", errs)
	}
}

// IAM allows role names and paths of up to 512 characters: the limit holds at 512.
func TestRoleNameAndARNLengthLimit(t *testing.T) {
	name := strings.Repeat("r", 512)
	for _, tc := range []struct {
		name, roleName, arn string
		ok                  bool
	}{
		{"512 characters", name, "arn:aws:iam::111111111111:role/" + name, true},
		{"513 characters", name + "x", "arn:aws:iam::111111111111:role/" + name + "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf("schema = 1\n[[accounts]]\nrole_arn = %q\n[organization]\nrole_name = %q\n", tc.arn, tc.roleName)
			_, err := Parse("p.toml", []byte(src))
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "is not an IAM role ARN") || !strings.Contains(err.Error(), "is not an IAM role name")) {
				t.Fatalf("accepted or not both named: %v", err)
			}
		})
	}
}
func TestAccountsPolicyProblems(t *testing.T) {
	src := `schema = 1
[[accounts]]
role_arn = "arn:aws:iam::11111111111:role/x"
[[accounts]]
role_arn = "arn:aws:iam::222222222222:role/muster-backup-audit"
external_id = "a"
[[accounts]]
role_arn = "arn:aws:iam::222222222222:role/other"
regions = ["eu-west-1a"]
[organization]
role_name = "bad role"
[[service]]
name = "x"
[service.match]
accounts = [""]
`
	_, err := Parse("acc.toml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`acc.toml:3:1: role_arn "arn:aws:iam::11111111111:role/x" is not an IAM role ARN`,
		"acc.toml:6:1: external_id must be 2 to 1224 characters",
		"acc.toml:8:1: account 222222222222 is listed twice (also accounts[1])",
		`acc.toml:9:12: "eu-west-1a" is an availability zone`,
		`acc.toml:11:1: role_name "bad role" is not an IAM role name`,
		"acc.toml:15:13: an account must be a 12-digit account id or an account's name",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

func TestRestorePolicyKeys(t *testing.T) {
	p, err := Parse("b.toml", []byte(`schema = 1
[defaults]
restore_test_max_age = "30d"
restore_probe = "SELECT max(created_at) FROM orders"
[[service]]
name = "platform"
restore_test_missed = "fail"
restore_database = "app"
restore_instance_class = "db.t4g.medium"
[service.match]
identifiers = ["platform-db"]
`))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Services[0].Rules.Restore
	if r.MaxAge != 30*24*time.Hour || r.Missed != Fail || r.Probe != "SELECT max(created_at) FROM orders" || r.Database != "app" || r.InstanceClass != "db.t4g.medium" {
		t.Errorf("service restore rules %+v", r)
	}
	if p.Defaults.Restore.Missed != Warn {
		t.Errorf("default restore_test_missed %q, want warn", p.Defaults.Restore.Missed)
	}
	_, err = Parse("b.toml", []byte(`schema = 1
[defaults]
restore_test_max_age = "0s"
restore_test_missed = "pass"
restore_probe = "  "
restore_instance_class = "r6g.large"
`))
	want := []string{
		"b.toml:3:1: restore_test_max_age must be longer than 0",
		`b.toml:4:1: "pass" is not one of ["warn" "fail"]`,
		"b.toml:5:1: restore_probe must be one SQL query without control characters",
		`b.toml:6:1: restore_instance_class "r6g.large" is not a DB instance class (like db.t4g.medium)`,
	}
	if err == nil {
		t.Fatal("bad restore keys accepted")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in\n%v", w, err)
		}
	}
}
