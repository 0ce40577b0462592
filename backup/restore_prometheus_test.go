package backup

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRestorePrometheusCompleteIsLast: every restore-test exposition ends with
// muster_restore_test_complete, 1 for a verdict (pass or fail), 0 for a test that could
// not be judged or could not run; a test that could not run still says success 0, with
// the cause as a comment cleaned of escapes, labelled as the command was asked.
func TestRestorePrometheusCompleteIsLast(t *testing.T) {
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	age := 7200.0
	results := map[Status]*RestoreTestResult{
		Pass:  {Schema: 1, Status: Pass, Service: "platform-database", Region: west, Source: RestoreSource{ID: "platform-db"}, Began: at, RTOSeconds: 1800, MeasuredRTOSeconds: 1440, RPOSeconds: 6 * 3600, DataAgeSeconds: &age},
		Fail:  {Schema: 1, Status: Fail, Service: "platform-database", Region: west, Source: RestoreSource{ID: "platform-db"}, Began: at, Error: "RTO missed"},
		Error: {Schema: 1, Status: Error, Service: "platform-database", Region: west, Source: RestoreSource{ID: "platform-db"}, Began: at, Error: "credentials refused"},
	}
	want := map[Status]string{Pass: "1", Fail: "1", Error: "0"}
	for status, res := range results {
		var b bytes.Buffer
		if err := WriteRestoreTest(&b, res, FormatPrometheus); err != nil {
			t.Fatal(err)
		}
		last := `muster_restore_test_complete{service="platform-database",db="platform-db",region="eu-west-1"} ` + want[status] + "\n"
		if !strings.HasSuffix(b.String(), "\n"+last) {
			t.Errorf("%s: the exposition does not end with %q:\n%s", status, last, b.String())
		}
	}

	var notRun bytes.Buffer
	if err := WriteRestoreNotRunPrometheus(&notRun, at, "platform-database", "", "", errors.New("no usable AWS credentials\x1b[2J\n(default chain)")); err != nil {
		t.Fatal(err)
	}
	text := notRun.String()
	if !strings.HasPrefix(text, "# muster backup restore-test could not run: no usable AWS credentials (default chain)\n") {
		t.Errorf("cause comment:\n%s", text)
	}
	labels := `{service="platform-database",db="",region=""}`
	for _, line := range []string{
		"\nmuster_restore_test_success" + labels + " 0\n",
		"\nmuster_restore_test_timestamp_seconds" + labels + " " + strconv.FormatFloat(float64(at.Unix()), 'g', -1, 64) + "\n",
		"\nmuster_restore_test_orphans" + labels + " 0\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("metrics of a test that could not run lack %q:\n%s", line, text)
		}
	}
	if !strings.HasSuffix(text, "\nmuster_restore_test_complete"+labels+" 0\n") {
		t.Errorf("metrics of a test that could not run do not end with complete 0:\n%s", text)
	}

	// Prometheus's own linter, when it is installed (CI installs it).
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_PROMTOOL") == "1" {
			t.Fatal("promtool is not on PATH and MUSTER_REQUIRE_PROMTOOL=1 (apt-get install prometheus)")
		}
		return
	}
	var pass bytes.Buffer
	if err := WriteRestoreTest(&pass, results[Pass], FormatPrometheus); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*bytes.Buffer{&pass, &notRun} {
		cmd := exec.Command(bin, "check", "metrics")
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}
}
