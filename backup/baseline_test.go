package backup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBaselinePassesEndpointURL runs testdata/baseline.sh with an `aws` on PATH that
// only records its arguments: AWS CLI v1 ignores AWS_ENDPOINT_URL (for us-east-1 too),
// so every call must carry --endpoint-url or the baseline would reach real AWS.
func TestBaselinePassesEndpointURL(t *testing.T) {
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the baseline needs %s", tool)
		}
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	fake := `#!/usr/bin/env bash
printf '%s\n' "$*" >> "` + log + `"
case "$2" in
  describe-db-instances) echo '{"DBInstances":[]}' ;;
  describe-db-clusters) echo '{"DBClusters":[]}' ;;
  describe-db-snapshots) echo '{"DBSnapshots":[]}' ;;
  describe-db-cluster-snapshots) echo '{"DBClusterSnapshots":[]}' ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"AWS_ENDPOINT_URL", []string{"AWS_ENDPOINT_URL=http://127.0.0.1:5999"}, "--endpoint-url http://127.0.0.1:5999"},
		{"the RDS endpoint wins", []string{"AWS_ENDPOINT_URL=http://127.0.0.1:5999", "AWS_ENDPOINT_URL_RDS=http://127.0.0.1:6000"}, "--endpoint-url http://127.0.0.1:6000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(log)
			cmd := exec.Command("testdata/baseline.sh", "us-east-1", "eu-west-1")
			cmd.Env = append([]string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")}, tc.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("baseline.sh: %v\n%s", err, out)
			}
			data, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			calls := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(calls) != 8 {
				t.Fatalf("%d calls, want 4 per region:\n%s", len(calls), data)
			}
			for _, c := range calls {
				if !strings.Contains(c, tc.want) {
					t.Errorf("aws %s: no %s", c, tc.want)
				}
			}
		})
	}
}
