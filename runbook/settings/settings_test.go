package settings

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if s, err := Load(path); err != nil || !reflect.DeepEqual(s, Settings{}) {
		t.Fatalf("missing file: %+v, %v", s, err)
	}
	os.WriteFile(path, []byte("schema = 1\n[signing]\nkey = \"~/.ssh/id_ed25519.pub\"\nallowed_signers = \"allowed_signers\"\nrequire_signed = true\n"), 0o600)
	s, err := Load(path)
	home, _ := os.UserHomeDir()
	if err != nil || s.Signing.Key != filepath.Join(home, ".ssh/id_ed25519.pub") ||
		s.Signing.AllowedSigners != filepath.Join(dir, "allowed_signers") || !s.Signing.RequireSigned {
		t.Fatalf("%+v, %v", s, err)
	}
	os.WriteFile(path, []byte("schema = 2\n[signing]\nkye = \"x\"\nrequire_signed = \"yes\"\n"), 0o600)
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "config.toml:3:1:") || !strings.Contains(err.Error(), "config.toml:4:") {
		t.Fatalf("want every problem with its position, got %v", err)
	}
}

// The notice reminder: 10 minutes unless config.toml says otherwise, "0" turns it off,
// and a value that is not a duration is refused where it stands.
func TestNoticeReminder(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, _ := Load(path)
	if got := s.TUI.Reminder(); got != DefaultNoticeReminder {
		t.Errorf("default reminder %v, want %v", got, DefaultNoticeReminder)
	}
	for value, want := range map[string]string{`"5m"`: "5m0s", `"0"`: "0s", `"90s"`: "1m30s"} {
		os.WriteFile(path, []byte("[tui]\nnotice_reminder = "+value+"\n"), 0o600)
		s, err := Load(path)
		if err != nil || s.TUI.Reminder().String() != want {
			t.Errorf("notice_reminder = %s: %v, %v; want %s", value, s.TUI.Reminder(), err, want)
		}
	}
	for _, bad := range []string{`"ten minutes"`, `"-5m"`} {
		os.WriteFile(path, []byte("schema = 1\n[tui]\nnotice_reminder = "+bad+"\n"), 0o600)
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "config.toml:3:") {
			t.Errorf("notice_reminder = %s: %v, want a problem at line 3", bad, err)
		}
	}
}

func TestLoadDrillWebhooks(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(path, []byte("schema = 1\n[drill.webhooks.ic]\nurl = \"https://chat.example.com/hooks/1\"\nformat = \"json\"\n[drill.webhooks.ops]\nurl = \"https://chat.example.com/hooks/2\"\n"), 0o600)
	s, err := Load(path)
	want := map[string]Webhook{"ic": {URL: "https://chat.example.com/hooks/1", Format: "json"}, "ops": {URL: "https://chat.example.com/hooks/2"}}
	if err != nil || !reflect.DeepEqual(s.Drill.Webhooks, want) {
		t.Fatalf("%+v, %v", s.Drill, err)
	}
	os.WriteFile(path, []byte("schema = 1\n[drill.webhooks.ic]\nuri = \"https://x\"\n"), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "config.toml:3:1:") {
		t.Fatalf("an unknown key in a webhook: %v", err)
	}
}

// TestReadmeDrillWebhooksExample: README's config.toml example for drill webhooks loads.
func TestReadmeDrillWebhooksExample(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("no README.md:", err)
	}
	_, block, ok := strings.Cut(string(data), "```toml\n# <data dir>/config.toml\n")
	if !ok {
		t.Fatal("README has no config.toml example for drill webhooks")
	}
	block, _, _ = strings.Cut(block, "```")
	path := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(path, []byte(block), 0o600)
	s, err := Load(path)
	if err != nil || s.Drill.Webhooks["dba"].Format != "slack" || s.Drill.Webhooks["ic"].URL == "" {
		t.Fatalf("%+v, %v", s.Drill, err)
	}
}

// [timestamp] names the TSA and its CA; a URL that is not http(s) is refused where
// it is written.
func TestTimestampSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	os.WriteFile(path, []byte("schema = 1\n[timestamp]\nurl = \"https://tsa.example/tsr\"\nca_file = \"tsa-ca.pem\"\n"), 0o600)
	s, err := Load(path)
	if err != nil || s.Timestamp.URL != "https://tsa.example/tsr" || s.Timestamp.CAFile != filepath.Join(dir, "tsa-ca.pem") {
		t.Fatalf("%+v %v", s.Timestamp, err)
	}
	os.WriteFile(path, []byte("schema = 1\n[timestamp]\nurl = \"ftp://tsa.example\"\n"), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "config.toml:3:") {
		t.Fatalf("ftp URL: %v", err)
	}
}

// [team] retention: both keys or neither; a bad mode or day count is refused where it
// stands.
func TestTeamRetention(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(path, []byte("[team]\nstore = \"s3://b/p\"\nretention_mode = \"COMPLIANCE\"\nretention_days = 365\n"), 0o600)
	if s, err := Load(path); err != nil || s.Team.RetentionMode != "COMPLIANCE" || s.Team.RetentionDays != 365 {
		t.Fatalf("%+v, %v", s.Team, err)
	}
	for body, want := range map[string]string{
		"retention_mode = \"compliance\"\nretention_days = 30\n": `config.toml:3:1: retention_mode "compliance": want`,
		"retention_mode = \"GOVERNANCE\"\n":                      "config.toml:3:1: retention_mode without retention_days",
		"retention_days = 30\n":                                  "config.toml:3:1: retention_days without retention_mode",
		"retention_mode = \"GOVERNANCE\"\nretention_days = -1\n": "config.toml:4:1: retention_days -1: want 1 to 36500",
	} {
		os.WriteFile(path, []byte("[team]\nstore = \"s3://b/p\"\n"+body), 0o600)
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
