package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// RestoreTestSchema is the version of a restore test's JSON record.
const RestoreTestSchema = 1

// RestoreTestDir is where results are kept, under the data directory.
const RestoreTestDir = "restore-tests"

// RestoreTestResult is one restore test, as saved to <data dir>/restore-tests/<run>.json.
type RestoreTestResult struct {
	Schema   int                `json:"schema"`
	RunID    string             `json:"run_id"`
	Status   Status             `json:"status"` // pass, fail (RTO/RPO missed, no data, no restore point) or error (could not be judged)
	Error    string             `json:"error,omitempty"`
	Service  string             `json:"service,omitempty"`
	Region   string             `json:"region"`
	Source   RestoreSource      `json:"source"`
	Point    RestorePointChoice `json:"restore_point"`
	Restored RestoredCopy       `json:"restored"`

	Began      time.Time `json:"began"`                // the command started
	Requested  time.Time `json:"requested,omitzero"`   // the restore call was sent
	Started    time.Time `json:"started,omitzero"`     // RDS accepted it
	Available  time.Time `json:"available,omitzero"`   // the copy was available
	FirstQuery time.Time `json:"first_query,omitzero"` // SELECT 1 answered
	Ended      time.Time `json:"ended,omitzero"`       // cleanup done

	RTOSeconds         int64    `json:"rto_seconds,omitempty"` // the policy's
	MeasuredRTOSeconds float64  `json:"measured_rto_seconds,omitempty"`
	RTOMet             *bool    `json:"rto_met,omitempty"`
	RPOSeconds         int64    `json:"rpo_seconds,omitempty"`
	DataAgeSeconds     *float64 `json:"data_age_seconds,omitempty"` // newest row's age at the restore start (point latest) or the restore point
	DataAgeBasis       string   `json:"data_age_basis,omitempty"`
	RPOMet             *bool    `json:"rpo_met,omitempty"`

	Probe   RestoreProbe   `json:"probe"`
	Cleanup RestoreCleanup `json:"cleanup"`
	// APICalls counts the RDS calls the run made, when the caller counted them.
	APICalls int `json:"api_calls,omitempty"`
}

// RestoreSource is the database a restore test restored.
type RestoreSource struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"` // instance or cluster
	Engine        string `json:"engine"`
	EngineVersion string `json:"engine_version,omitempty"`
}

// RestoredCopy is what the restore test created.
type RestoredCopy struct {
	Instance string `json:"instance,omitempty"`
	Cluster  string `json:"cluster,omitempty"`
	Class    string `json:"class,omitempty"`
}

// RestoreProbe is what the probe found.
type RestoreProbe struct {
	Driver    string     `json:"driver,omitempty"`
	Endpoint  string     `json:"endpoint,omitempty"`
	User      string     `json:"user,omitempty"`
	Database  string     `json:"database,omitempty"`
	Select1   bool       `json:"select_1"`
	Query     string     `json:"freshness_query,omitempty"`
	NewestRow *time.Time `json:"newest_row,omitempty"`
	Problem   string     `json:"problem,omitempty"`
}

// RestoreCleanup says what was deleted, kept or left behind.
type RestoreCleanup struct {
	Deleted   []string   `json:"deleted,omitempty"`
	Kept      []string   `json:"kept,omitempty"`
	KeptUntil *time.Time `json:"kept_until,omitempty"`
	Command   string     `json:"delete_command,omitempty"` // deletes what was kept
	Orphans   []Orphan   `json:"orphans,omitempty"`
}

// Orphan is a resource a restore test could not delete, with the command that does.
type Orphan struct {
	Resource string `json:"resource"`
	Kind     string `json:"kind"`
	Region   string `json:"region"`
	Error    string `json:"error"`
	Command  string `json:"command"`
}

func (res *RestoreTestResult) fail(err error) {
	var re *RestoreError
	res.Status = Error
	if errors.As(err, &re) && re.Code == 1 {
		res.Status = Fail
	}
	res.Error = untrusted.Line(err.Error())
}

// ExitCode is 0 pass, 1 fail, 2 error (also when something could not be deleted).
func (res *RestoreTestResult) ExitCode() int {
	switch {
	case len(res.Cleanup.Orphans) > 0 || res.Status == Error:
		return 2
	case res.Status == Fail:
		return 1
	}
	return 0
}

// TimeToAvailable is from the restore request to the copy being available; 0 if never.
func (res *RestoreTestResult) TimeToAvailable() time.Duration {
	if res.Available.IsZero() {
		return 0
	}
	return res.Available.Sub(res.Requested)
}

// Summary is one line: "restored platform-db (snapshot 2026-12-01 03:10) in 24m of RTO 30m; newest row 2h old".
func (res *RestoreTestResult) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: restore test of %s", res.Status, firstNonEmpty(res.Source.ID, "?"))
	if res.Point.Kind != "" {
		fmt.Fprintf(&b, " (%s %s)", res.Point.Kind, res.Point.Time.Format("2006-01-02 15:04Z"))
	}
	if res.FirstQuery.IsZero() {
		if !res.Available.IsZero() {
			fmt.Fprintf(&b, ", available after %s", Age(res.TimeToAvailable()))
		}
	} else {
		fmt.Fprintf(&b, ", first query after %s", Age(time.Duration(res.MeasuredRTOSeconds*float64(time.Second))))
		if res.RTOSeconds > 0 {
			fmt.Fprintf(&b, " of RTO %s", Age(time.Duration(res.RTOSeconds)*time.Second))
		}
	}
	if res.DataAgeSeconds != nil {
		fmt.Fprintf(&b, ", newest row %s old", Age(time.Duration(*res.DataAgeSeconds*float64(time.Second))))
		if res.RPOSeconds > 0 {
			fmt.Fprintf(&b, " (RPO %s)", Age(time.Duration(res.RPOSeconds)*time.Second))
		}
	}
	if res.Error != "" {
		b.WriteString(": " + res.Error)
	}
	return b.String()
}

// WriteRestoreTest prints a result as a table (for people), JSON or Prometheus text.
func WriteRestoreTest(w io.Writer, res *RestoreTestResult, format string) error {
	switch format {
	case FormatJSON:
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case FormatPrometheus:
		return writeRestorePrometheus(w, res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("restore test", res.RunID+"  "+strings.ToUpper(string(res.Status)))
	src := res.Source.ID
	if res.Service != "" {
		src += " (service " + res.Service + ")"
	}
	row("source", fmt.Sprintf("%s %s %s in %s", res.Source.Kind, src, res.Source.Engine, res.Region))
	if res.Point.Kind != "" {
		p := res.Point.Kind + " " + res.Point.Time.Format(time.RFC3339)
		if res.Point.Snapshot != "" {
			p += " (" + res.Point.SnapshotType + " snapshot " + res.Point.Snapshot + ")"
		}
		if res.Point.Latest {
			p += " (latest restorable time)"
		}
		row("restore point", p)
	}
	if res.Restored.Instance != "" {
		c := res.Restored.Instance + " (" + res.Restored.Class + ")"
		if res.Restored.Cluster != "" {
			c = "cluster " + res.Restored.Cluster + ", instance " + c
		}
		row("restored as", c)
	}
	dur := func(t time.Time) string {
		if t.IsZero() || res.Requested.IsZero() {
			return "-"
		}
		return t.Sub(res.Requested).Round(time.Second).String()
	}
	if !res.Started.IsZero() {
		row("time to start", res.Started.Sub(res.Began).Round(time.Millisecond).String())
	}
	row("time to available", dur(res.Available))
	rto := dur(res.FirstQuery)
	if res.RTOSeconds > 0 {
		rto += " of RTO " + Age(time.Duration(res.RTOSeconds)*time.Second)
		if res.RTOMet != nil && !*res.RTOMet {
			rto += "  MISSED"
		}
	}
	row("first query (RTO)", rto)
	if res.Probe.Query != "" {
		d := res.Probe.Query
		if res.Probe.NewestRow != nil {
			d += " -> " + res.Probe.NewestRow.Format(time.RFC3339)
		}
		row("freshness query", d)
	}
	if res.DataAgeSeconds != nil {
		a := Age(time.Duration(*res.DataAgeSeconds*float64(time.Second))) + " before the " + res.DataAgeBasis
		if res.RPOSeconds > 0 {
			a += " (RPO " + Age(time.Duration(res.RPOSeconds)*time.Second) + ")"
			if res.RPOMet != nil && !*res.RPOMet {
				a += "  MISSED"
			}
		}
		row("data age", a)
	}
	switch {
	case res.Cleanup.KeptUntil != nil:
		row("kept until", res.Cleanup.KeptUntil.Format(time.RFC3339)+"; delete now with: "+res.Cleanup.Command)
	case len(res.Cleanup.Deleted) > 0:
		row("deleted", strings.Join(res.Cleanup.Deleted, ", "))
	}
	for _, o := range res.Cleanup.Orphans {
		row("NOT DELETED", o.Resource+": "+o.Error+"; run: "+o.Command)
	}
	if res.Error != "" {
		row("problem", res.Error)
	}
	return tw.Flush()
}

func writeRestorePrometheus(w io.Writer, res *RestoreTestResult) error {
	labels := fmt.Sprintf(`service=%q,db=%q,region=%q`, promLabel(res.Service), promLabel(res.Source.ID), promLabel(res.Region))
	var b strings.Builder
	metric := func(name, help string, v float64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s{%s} %g\n", name, help, name, name, labels, v)
	}
	success := 0.0
	if res.Status == Pass {
		success = 1
	}
	metric("muster_restore_test_success", "1 when the last restore test passed (restored, answered, RTO and RPO met).", success)
	metric("muster_restore_test_timestamp_seconds", "When the last restore test ran (Unix time).", float64(res.Began.Unix()))
	if !res.FirstQuery.IsZero() {
		metric("muster_restore_test_rto_seconds", "Measured RTO: restore request to the first successful query.", res.MeasuredRTOSeconds)
	}
	if !res.Available.IsZero() {
		metric("muster_restore_test_available_seconds", "Restore request to the restored copy being available.", res.TimeToAvailable().Seconds())
	}
	if res.RTOSeconds > 0 {
		metric("muster_restore_test_rto_target_seconds", "The service's RTO from the backup policy.", float64(res.RTOSeconds))
	}
	if res.DataAgeSeconds != nil {
		metric("muster_restore_test_data_age_seconds", "Age of the newest row found in the restored copy (data loss observed).", *res.DataAgeSeconds)
	}
	if res.RPOSeconds > 0 {
		metric("muster_restore_test_rpo_target_seconds", "The service's RPO from the backup policy.", float64(res.RPOSeconds))
	}
	metric("muster_restore_test_orphans", "Resources the restore test could not delete.", float64(len(res.Cleanup.Orphans)))
	// Last, so that a file holding this line was written to its end (README's cron
	// recipe renames only such a file).
	complete := 0.0
	if res.Status == Pass || res.Status == Fail {
		complete = 1
	}
	metric("muster_restore_test_complete", "1 when the restore test reached a verdict (pass or fail), 0 when it could not be judged or could not run.", complete)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteRestoreNotRunPrometheus writes the exposition of a restore test that could not
// run at all (no credentials, no such service or database, a policy file with
// problems): the cause as a comment, success 0 at the instant at, no orphans and
// muster_restore_test_complete 0 last, so that an alert on a failed or incomplete
// test fires instead of the metrics going quiet. service, db and region label the
// series as the command was asked (empty when not given).
func WriteRestoreNotRunPrometheus(w io.Writer, at time.Time, service, db, region string, cause error) error {
	if _, err := fmt.Fprintf(w, "# muster backup restore-test could not run: %s\n", promLabel(cause.Error())); err != nil {
		return err
	}
	return writeRestorePrometheus(w, &RestoreTestResult{Status: Error, Error: cause.Error(), Service: service, Source: RestoreSource{ID: db}, Region: region, Began: at})
}

func promLabel(s string) string { return strings.ReplaceAll(untrusted.Line(s), "\n", " ") }

// SaveRestoreTest writes the result to <dataDir>/restore-tests/<run id>.json
// (atomically: a reader never sees half a file) and returns the path.
func SaveRestoreTest(dataDir string, res *RestoreTestResult) (string, error) {
	dir := filepath.Join(dataDir, RestoreTestDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, res.RunID+".json")
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// LoadRestoreTests reads every saved result, oldest first. Unreadable files are
// returned as problems (file: message) and skipped.
func LoadRestoreTests(dataDir string) ([]RestoreTestResult, []string) {
	dir := filepath.Join(dataDir, RestoreTestDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, []string{dir + ": " + err.Error()}
	}
	var out []RestoreTestResult
	var problems []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			problems = append(problems, p+": "+err.Error())
			continue
		}
		var r RestoreTestResult
		if err := json.Unmarshal(b, &r); err != nil {
			problems = append(problems, p+": "+err.Error())
			continue
		}
		if r.Schema != RestoreTestSchema {
			problems = append(problems, fmt.Sprintf("%s: schema %d is not supported", p, r.Schema))
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b RestoreTestResult) int { return a.Began.Compare(b.Began) })
	return out, problems
}
