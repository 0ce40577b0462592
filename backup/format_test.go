package backup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/muster-ir/muster/internal/golden"
)

// mixedReport has one unit of every kind and status: a pass, an unowned warn, a
// failing database, a skipped replica, a service without a database and a region
// that could not be listed.
func mixedReport() Report {
	f := healthy()
	platformService(f)
	f.p.Services = append(f.p.Services, Service{Name: "billing", Match: Match{Identifiers: []string{"billing-*"}}, Rules: f.p.Defaults})
	f.cluster("aurora-cluster").Tags = nil
	legacy := dbInstance("legacy-db")
	legacy.Retention, legacy.Tags, legacy.LatestRestorable = ptr(7), map[string]string{"service": "platform"}, now.Add(-8*time.Hour)
	f.inv.Instances = append(f.inv.Instances, legacy)
	f.inv.Snapshots = append(f.inv.Snapshots, daily(legacy, 7)...)
	f.inv.AutomatedBackups = append(f.inv.AutomatedBackups, activeBackup(legacy, now.Add(-7*day)))
	replica := dbInstance("platform-db-replica")
	replica.ReplicaOf = "platform-db"
	f.inv.Instances = append(f.inv.Instances, replica)
	f.inv.Regions = append(f.inv.Regions, central)
	f.inv.Errors = []InventoryError{{Region: central, Operation: OpDescribeDBInstances, Code: "AccessDenied",
		Message: "User is not authorized", Action: "rds:DescribeDBInstances"}}
	return Evaluate(f.inv, f.p, now)
}

func TestReportGoldens(t *testing.T) {
	r := mixedReport()
	var table, colored, prom bytes.Buffer
	if err := r.Write(&table, FormatTable, false); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "table", table.Bytes())
	if strings.Contains(table.String(), "\x1b") {
		t.Error("no colour asked, escape sequences written")
	}
	if err := r.Write(&colored, FormatTable, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[1;31m✘ fail\x1b[0m") {
		t.Error("colour asked, none written")
	}
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "report.json", js)
	if err := r.Write(&prom, FormatPrometheus, false); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "metrics.prom", prom.Bytes())
	if err := r.Write(&prom, "yaml", false); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestTableReadsWithoutColour(t *testing.T) {
	r := mixedReport()
	var b bytes.Buffer
	if err := r.WriteTable(&b, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"SERVICE", "NEWEST RESTORE POINT", "MARGIN",
		"platform-database  legacy-db", "8h", "6h", "-2h", "7d < 30d", "✘ fail",
		"(unowned)          aurora-cluster [aurora]", "⚠ warn",
		"platform-db-replica", "– skip",
		"billing            (no database)",
		"(inventory)", "! error",
		"Findings:", "legacy-db (eu-west-1) retention: BackupRetentionPeriod 7 days < 30 days required",
		"API errors", "eu-central-1 DescribeDBInstances: AccessDenied: User is not authorized (the credentials lack rds:DescribeDBInstances)",
		"Not verified", "differential backups", "encryption in transit",
		"Result: ✘ fail: 6 units: 1 pass, 1 warn, 1 fail, 2 error, 1 skip; 1 API error",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	// Failures are listed before errors and warnings.
	if strings.Index(out, "✘ fail   legacy-db") > strings.Index(out, "! error  region") || strings.Index(out, "! error  region") > strings.Index(out, "⚠ warn   aurora-cluster") {
		t.Errorf("findings not ordered fail, error, warn:\n%s", out)
	}
}

func TestJSONShape(t *testing.T) {
	r := mixedReport()
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "as_of", "summary", "units", "errors"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q", k)
		}
	}
	if doc["schema"] != float64(1) || doc["as_of"] != "2026-09-01T12:00:00Z" {
		t.Errorf("schema %v as_of %v", doc["schema"], doc["as_of"])
	}
	sum := doc["summary"].(map[string]any)
	for _, k := range []string{"units", "pass", "warn", "fail", "skip", "error"} {
		if _, ok := sum[k].(float64); !ok {
			t.Errorf("summary.%s missing", k)
		}
	}
	units := doc["units"].([]any)
	for _, u := range units {
		m := u.(map[string]any)
		for _, k := range []string{"id", "kind", "region", "service", "status", "effective_rpo_seconds", "checks"} {
			if _, ok := m[k]; !ok {
				t.Errorf("unit %v lacks %q", m["id"], k)
			}
		}
		for _, c := range m["checks"].([]any) {
			cm := c.(map[string]any)
			if len(cm) != 3 || cm["name"] == nil || cm["status"] == nil || cm["detail"] == nil {
				t.Errorf("check shape %v", cm)
			}
		}
		if m["kind"] == KindService && m["effective_rpo_seconds"] != nil {
			t.Error("a service without database has no effective RPO: null")
		}
	}
	if e := doc["errors"].([]any); len(e) != 1 || e[0].(map[string]any)["iam_action"] != "rds:DescribeDBInstances" {
		t.Errorf("errors %v", e)
	}
	back, err := ParseReport(js)
	if err != nil || back.Summary() != r.Summary() || len(back.Units) != len(r.Units) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := ParseReport([]byte(`{"schema":2}`)); err == nil {
		t.Error("schema 2 accepted")
	}
}

func TestPrometheusExpositionIsValid(t *testing.T) {
	r := mixedReport()
	// A service name with every character the format must escape.
	r.Units = append(r.Units, UnitResult{ID: `odd "db"\` + "\nx", Kind: KindInstance, Region: west, Service: "a\\b", Status: Pass,
		EffectiveRPOSeconds: ptr(int64(60)), Checks: []CheckResult{{Name: CheckRPO, Status: Pass, Detail: "x"}}})
	var b bytes.Buffer
	if err := r.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	fams, err := parseExposition(b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	for _, name := range []string{"muster_backup_check_timestamp_seconds", "muster_backup_check_complete", "muster_backup_units",
		"muster_backup_unit_status", "muster_backup_check_status", "muster_backup_effective_rpo_seconds", "muster_backup_rpo_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("family %s missing", name)
		}
	}
	if got := fams["muster_backup_check_timestamp_seconds"][`{}`]; got != float64(now.Unix()) {
		t.Errorf("timestamp %v", got)
	}
	if got := fams["muster_backup_check_complete"][`{}`]; got != 0 {
		t.Errorf("complete %v with an API error", got)
	}
	if got := fams["muster_backup_unit_status"][`{id="legacy-db",kind="instance",region="eu-west-1",service="platform-database",status="fail"}`]; got != 1 {
		t.Errorf("legacy-db fail series %v", got)
	}
	if got := fams["muster_backup_effective_rpo_seconds"][`{id="odd \"db\"\\\nx",kind="instance",region="eu-west-1",service="a\\b"}`]; got != 60 {
		t.Errorf("escaped series not found: %v", fams["muster_backup_effective_rpo_seconds"])
	}
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition checks text against the Prometheus text format (version 0.0.4) as
// node_exporter's textfile collector reads it: HELP and TYPE before a family's samples,
// each family in one block, valid names, escaped label values, numeric values, no
// duplicate series, a final newline. It returns family -> series -> value.
func parseExposition(text string) (map[string]map[string]float64, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("no final newline")
	}
	fams := map[string]map[string]float64{}
	typed := map[string]string{}
	helped := map[string]bool{}
	var done []string
	current := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			kind, rest, _ := strings.Cut(rest, " ")
			name, _, _ := strings.Cut(rest, " ")
			switch kind {
			case "HELP", "TYPE":
				if !metricName.MatchString(name) {
					return nil, fmt.Errorf("line %d: bad metric name %q", n, name)
				}
				if len(fams[name]) > 0 {
					return nil, fmt.Errorf("line %d: %s %s after its samples", n, kind, name)
				}
				if kind == "TYPE" {
					if typed[name] != "" {
						return nil, fmt.Errorf("line %d: second TYPE for %s", n, name)
					}
					_, typ, _ := strings.Cut(rest, " ")
					if !slices.Contains([]string{"gauge", "counter", "untyped", "histogram", "summary"}, typ) {
						return nil, fmt.Errorf("line %d: bad type %q", n, typ)
					}
					typed[name] = typ
				} else {
					helped[name] = true
				}
			}
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v: %q", n, err, line)
		}
		if typed[name] == "" || !helped[name] {
			return nil, fmt.Errorf("line %d: sample of %s before its HELP and TYPE", n, name)
		}
		if name != current {
			if slices.Contains(done, name) {
				return nil, fmt.Errorf("line %d: family %s split in two blocks", n, name)
			}
			if current != "" {
				done = append(done, current)
			}
			current = name
		}
		if fams[name] == nil {
			fams[name] = map[string]float64{}
		}
		if _, dup := fams[name][labels]; dup {
			return nil, fmt.Errorf("line %d: duplicate series %s%s", n, name, labels)
		}
		fams[name][labels] = value
	}
	return fams, sc.Err()
}

// parseSample reads name{l="v",...} value; labels come back in canonical form.
func parseSample(line string) (string, string, float64, error) {
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return "", "", 0, fmt.Errorf("no value")
	}
	name := line[:i]
	if !metricName.MatchString(name) {
		return "", "", 0, fmt.Errorf("bad metric name")
	}
	rest := line[i:]
	var pairs []string
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 || !labelName.MatchString(rest[:eq]) {
				return "", "", 0, fmt.Errorf("bad label name")
			}
			lname := rest[:eq]
			rest = rest[eq+2:]
			var val strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				if c == '\\' {
					if j+1 >= len(rest) || !strings.ContainsRune(`\"n`, rune(rest[j+1])) {
						return "", "", 0, fmt.Errorf("bad escape in label %s", lname)
					}
					val.WriteByte('\\')
					val.WriteByte(rest[j+1])
					j++
					continue
				}
				if c == '\n' {
					return "", "", 0, fmt.Errorf("raw newline in label %s", lname)
				}
				if c == '"' {
					rest = rest[j+1:]
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return "", "", 0, fmt.Errorf("unterminated label %s", lname)
			}
			pairs = append(pairs, lname+`="`+val.String()+`"`)
			rest = strings.TrimPrefix(rest, ",")
		}
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 {
		return "", "", 0, fmt.Errorf("want value [timestamp]")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return "", "", 0, fmt.Errorf("bad value")
	}
	seen := map[string]bool{}
	for _, p := range pairs {
		n, _, _ := strings.Cut(p, "=")
		if seen[n] {
			return "", "", 0, fmt.Errorf("label %s twice", n)
		}
		seen[n] = true
	}
	return name, "{" + strings.Join(pairs, ",") + "}", v, nil
}

// TestPromtoolCheckMetrics runs Prometheus's own linter on the exposition: names in base
// units, no lint warning. CI installs promtool and sets MUSTER_REQUIRE_PROMTOOL=1.
func TestPromtoolCheckMetrics(t *testing.T) {
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_PROMTOOL") == "1" {
			t.Fatal("promtool is not on PATH and MUSTER_REQUIRE_PROMTOOL=1 (apt-get install prometheus)")
		}
		t.Skip("promtool is not on PATH (Debian: apt-get install prometheus); set MUSTER_REQUIRE_PROMTOOL=1 to make this a failure")
	}
	r := mixedReport()
	var b, notRun bytes.Buffer
	if err := r.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	if err := WriteNotRunPrometheus(&notRun, now, errors.New("no usable AWS credentials")); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*bytes.Buffer{&b, &notRun} {
		cmd := exec.Command(bin, "check", "metrics")
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}
}

// TestPrometheusOfACheckThatCouldNotRun: the metrics of a check that could not run say
// so (complete 0, one error, the cause as a comment cleaned of escapes), and the
// complete line is the last of every exposition, so a file that has it was written to
// its end.
func TestPrometheusOfACheckThatCouldNotRun(t *testing.T) {
	var b bytes.Buffer
	if err := WriteNotRunPrometheus(&b, now, errors.New("no region\x1b[2J\nto check")); err != nil {
		t.Fatal(err)
	}
	fams, err := parseExposition(b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if fams["muster_backup_check_complete"]["{}"] != 0 || fams["muster_backup_api_errors"]["{}"] != 1 || fams["muster_backup_check_timestamp_seconds"]["{}"] != float64(now.Unix()) {
		t.Errorf("metrics of a check that could not run:\n%s", b.String())
	}
	if !strings.HasPrefix(b.String(), "# muster backup check could not run: no region to check\n") {
		t.Errorf("cause comment:\n%s", b.String())
	}
	var full bytes.Buffer
	r := mixedReport()
	if err := r.WritePrometheus(&full); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{b.String(), full.String()} {
		if !strings.HasSuffix(text, "\nmuster_backup_check_complete 0\n") {
			t.Errorf("the exposition does not end with the complete line:\n%s", text)
		}
	}
}
