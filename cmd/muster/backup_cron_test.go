package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// noCredentialsEnv is an environment with no AWS settings of the caller, a fake HOME
// and an instance metadata service that refuses everything (as on a machine without an
// instance role: the SDK's IMDS client tries a token, falls back to IMDSv1 and finds no
// role), so the SDK's default chain finds no credentials.
func noCredentialsEnv(t *testing.T) []string {
	t.Helper()
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	t.Cleanup(imds.Close)
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + filepath.Dir(musterBinary(t)) + ":/usr/bin:/bin",
		"AWS_REGION=eu-west-1", "AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL, "NO_COLOR=1"}
	return env
}

// TestBackupCheckWithoutCredentialsSaysSoOnce: one line on stderr, muster's (the SDK's
// "falling back to IMDSv1" warning is not printed), naming the default credential chain
// instead of `profile ""`; --format prometheus still prints metrics that say the check
// could not run, ending with muster_backup_check_complete 0.
func TestBackupCheckWithoutCredentialsSaysSoOnce(t *testing.T) {
	env := noCredentialsEnv(t)
	cmd := exec.Command(musterBinary(t), "backup", "check", "--format", "prometheus")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "muster: backup check: no usable AWS credentials (default credential chain") {
		t.Errorf("stderr is not one line of muster's:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), `profile ""`) {
		t.Errorf("stderr names an empty profile: %s", stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"# muster backup check could not run: backup check: no usable AWS credentials", "\nmuster_backup_api_errors 1\n", `muster_backup_units{status="pass"} 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "\nmuster_backup_check_complete 0\n") {
		t.Errorf("metrics do not end with muster_backup_check_complete 0:\n%s", out)
	}

	// With a profile (one without credentials), the error names it.
	home := strings.TrimPrefix(env[0], "HOME=")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile ops]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(musterBinary(t), "backup", "check", "--profile", "ops")
	cmd.Env = env
	stderr.Reset()
	cmd.Stderr = &stderr
	_ = cmd.Run()
	if !strings.Contains(stderr.String(), `profile "ops"`) || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("with --profile ops: %s", stderr.String())
	}
}

// TestReadmeCronRecipeKeepsAlertsAlive runs README's cron line for the metrics file
// as cron would (sh -c), with /var/lib/node_exporter replaced by a temporary directory:
// without credentials the renamed file says the check is incomplete (the alert fires),
// and when muster cannot start at all the previous file is kept, never emptied.
func TestReadmeCronRecipeKeepsAlertsAlive(t *testing.T) {
	readmeCronRecipe(t, "*/30 * * * * muster backup check --format prometheus", "muster_backup.prom", "\nmuster_backup_check_complete 0\n")
}

// TestReadmeRestoreCronRecipeKeepsAlertsAlive: the same for README's weekly restore-test
// cron line: a test that could not run leaves a file ending in complete 0 (and success
// 0), and one that could not start leaves the previous file as it was.
func TestReadmeRestoreCronRecipeKeepsAlertsAlive(t *testing.T) {
	got := readmeCronRecipe(t, "0 3 * * 1 muster backup restore-test --service platform-database", "muster_restore.prom", `muster_restore_test_complete{service="platform-database",db="",region=""} 0`+"\n")
	if !strings.Contains(got, "\nmuster_restore_test_success{") || !strings.HasPrefix(got, "# muster backup restore-test could not run: ") {
		t.Errorf("metrics file after a restore test that could not run:\n%s", got)
	}
}

// readmeCronRecipe runs README's crontab line that starts with prefix and writes file
// under /var/lib/node_exporter: first without credentials (the file must end with
// wantEnd), then with muster missing from PATH (the file must stay as it was). It
// returns the file of the first run.
func readmeCronRecipe(t *testing.T, prefix, file, wantEnd string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, prefix) {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("README has no cron line starting %q", prefix)
	}
	fields := strings.SplitN(line, " ", 6)
	dir := t.TempDir()
	script := strings.ReplaceAll(fields[5], "/var/lib/node_exporter", dir)
	prom := filepath.Join(dir, file)
	if !strings.Contains(script, prom) {
		t.Fatalf("the cron line does not write %s: %s", file, line)
	}
	env := noCredentialsEnv(t)

	run := func(env []string) {
		cmd := exec.Command("/bin/sh", "-c", script)
		cmd.Env = env
		cmd.Dir = t.TempDir()
		out, _ := cmd.CombinedOutput()
		t.Logf("sh -c %q:\n%s", script, out)
	}
	run(env)
	got, err := os.ReadFile(prom)
	if err != nil {
		t.Fatalf("the recipe left no metrics file: %v", err)
	}
	if !strings.HasSuffix(string(got), wantEnd) {
		t.Fatalf("metrics file after a run that could not check, want it to end with %q:\n%s", wantEnd, got)
	}

	// muster missing from PATH (or killed before it wrote its last line): the file the
	// collector reads stays as it was.
	env[1] = "PATH=/usr/bin:/bin"
	run(env)
	if again, err := os.ReadFile(prom); err != nil || !bytes.Equal(again, got) {
		t.Fatalf("the metrics file changed when muster could not start (%v):\n%s", err, again)
	}
	return string(got)
}
