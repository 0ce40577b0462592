package main

import (
	"bytes"
	"os/exec"
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
