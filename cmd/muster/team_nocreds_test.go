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

// TestTeamStoreWithoutCredentialsSaysSoOnce: a team store reached without credentials
// (no AWS settings, an instance metadata service that refuses the token and the role,
// as on a machine without an instance role) costs one line of muster's on stderr; the
// SDK's "falling back to IMDSv1" warning is not printed before it.
func TestTeamStoreWithoutCredentialsSaysSoOnce(t *testing.T) {
	env := noCredentialsEnv(t)
	for _, args := range [][]string{
		{"incident", "list", "--store", "s3://acme-incident-evidence/muster"},
		{"team", "doctor", "--store", "s3://acme-incident-evidence/muster"},
	} {
		cmd := exec.Command(musterBinary(t), args...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		errs := stderr.String()
		if strings.Contains(errs, "IMDSv1") || strings.Contains(errs, "SDK ") {
			t.Errorf("muster %s: the SDK's log line reached stderr:\n%s", strings.Join(args, " "), errs)
		}
		if n := strings.Count(errs, "\n"); n > 1 {
			t.Errorf("muster %s: %d lines on stderr, want at most one:\n%s", strings.Join(args, " "), n, errs)
		}
		if args[0] == "incident" && !strings.HasPrefix(errs, "warning: team store s3://acme-incident-evidence/muster: ") {
			t.Errorf("muster %s: stderr does not say the store could not be read:\n%s", strings.Join(args, " "), errs)
		}
		if args[0] == "team" && !strings.Contains(stdout.String(), "cannot reach the store") {
			t.Errorf("muster %s: stdout does not say the store cannot be reached:\n%s", strings.Join(args, " "), stdout.String())
		}
	}
}

// noteWithoutCredentials: a responder whose credentials are gone (a machine without an
// instance role, or a profile without keys) writes a note on team incident id, kept in
// a real moto store: it is queued on this machine, and the one line says so in
// muster's words, naming where the SDK looked for credentials, as backup check does;
// the SDK's own chain of errors is not shown. With the credentials back, team sync
// shares it. (Part of a test that has moto running already: a moto start costs more
// than this.)
func noteWithoutCredentials(t *testing.T, c *cli, id string) {
	t.Helper()
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer imds.Close()
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	for _, tc := range []struct{ profile, source string }{
		{"", "(default credential chain: environment, shared config and credentials files, SSO, container and instance roles): none found, and no instance role: the instance metadata service answered HTTP 403"},
		{"ops", `(profile "ops" from AWS_PROFILE): `},
	} {
		if tc.profile != "" {
			cfg := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(cfg, []byte("[profile ops]\nregion = us-east-1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_CONFIG_FILE", cfg)
			t.Setenv("AWS_PROFILE", tc.profile)
		}
		out := c.ok("incident", "note", id, "written without credentials")
		want := id + ": queued offline, not yet shared: "
		if !strings.HasPrefix(out, want) || !strings.Contains(out, ": no usable AWS credentials "+tc.source) || strings.Count(out, "\n") != 1 {
			t.Errorf("note with AWS_PROFILE=%q: %q, want one line %q… naming %q", tc.profile, out, want, tc.source)
		}
		for _, sdk := range []string{"failed to refresh cached credentials", "get identity", "operation error"} {
			if strings.Contains(out, sdk) {
				t.Errorf("note with AWS_PROFILE=%q shows the SDK's wording %q: %s", tc.profile, sdk, out)
			}
		}
	}

	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	if out := c.ok("team", "sync"); !strings.Contains(out, "published 2 queued events") {
		t.Errorf("team sync with the credentials back: %q, want both notes shared", out)
	}
}
