// Package settings reads muster's own settings file, <data dir>/config.toml.
//
//	schema = 1
//
//	[signing]
//	key = "~/.ssh/id_ed25519.pub"                     # .pub: the key in ssh-agent; else a private key file
//	allowed_signers = "~/.config/muster/allowed_signers" # default for evidence verify
//	require_signed = true                              # verify: a line without a valid signature is a problem
//
//	[tui]
//	notice_reminder = "10m"  # banner and bell this long before an update falls due; "0" turns it off
//
//	[drill.webhooks.ic]                                # a drill posts role ic's injects here (wins over the scenario's)
//	url = "https://hooks.slack.com/services/T000/B000/XXXX"
//	format = "slack"                                   # slack (default) or json
//
//	[team]
//	store = "s3://acme-incidents/muster"               # team incidents shared through S3
//	retention_mode = "COMPLIANCE"                      # Object Lock on every evidence object: COMPLIANCE or GOVERNANCE
//	retention_days = 365
//
//	[timestamp]
//	url = "https://freetsa.org/tsr"                    # RFC 3161 TSA for muster evidence timestamp
//	ca_file = "~/.config/muster/tsa-ca.pem"            # the CA its certificate must chain to
package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// FileName is the settings file in the data directory.
const FileName = "config.toml"

// Settings is config.toml.
type Settings struct {
	Schema    int       `toml:"schema"`
	Signing   Signing   `toml:"signing"`
	Team      Team      `toml:"team"`
	TUI       TUI       `toml:"tui"`
	Drill     Drill     `toml:"drill"`
	Timestamp Timestamp `toml:"timestamp"`
}

// TUI is the [tui] table: the terminal UI's settings.
type TUI struct {
	// NoticeReminder is how long before a customer or stakeholder update falls due
	// the incident screen reminds the responder (a banner and the terminal bell): a
	// duration such as "10m" or "90s"; "0" turns the reminder off; empty is
	// DefaultNoticeReminder.
	NoticeReminder string `toml:"notice_reminder"`
}

// DefaultNoticeReminder is the reminder before an update falls due when config.toml
// does not set one: time to write the update, not so early that it is ignored.
const DefaultNoticeReminder = 10 * time.Minute

// Reminder is NoticeReminder as a duration: 0 when turned off.
func (t TUI) Reminder() time.Duration {
	if t.NoticeReminder == "" {
		return DefaultNoticeReminder
	}
	d, _ := time.ParseDuration(t.NoticeReminder) // checked by Load
	return d
}

// Drill is the [drill] table: where drills post the injects of each role.
type Drill struct {
	// Webhooks maps a scenario role id to its chat webhook; it wins over the
	// scenario's own, so a secret URL need not be in the scenario file.
	Webhooks map[string]Webhook `toml:"webhooks"`
}

// Webhook is a role's chat webhook.
type Webhook struct {
	URL    string `toml:"url"`
	Format string `toml:"format"` // slack or json; empty: the scenario's, else slack
}

// Timestamp is the [timestamp] table: the RFC 3161 time-stamping authority that
// muster evidence timestamp asks, and the CA its certificate must chain to.
type Timestamp struct {
	// URL is the TSA (http or https), e.g. "https://freetsa.org/tsr".
	URL string `toml:"url"`
	// CAFile is a PEM file of the CA certificates a TSA's certificate must chain to;
	// empty: timestamps are checked, their TSA's trust is unknown.
	CAFile string `toml:"ca_file"`
}

// Team is the [team] table: the store a team's incidents are shared through.
type Team struct {
	// Store is s3://bucket/prefix; --store and MUSTER_STORE win over it.
	Store string `toml:"store"`
	// RetentionMode and RetentionDays are the Object Lock retention muster writes on
	// every evidence object (lines, attachments, signatures): "COMPLIANCE" (no one
	// can shorten it, not even the bucket's owner) or "GOVERNANCE" (a user with
	// s3:BypassGovernanceRetention can), for 1 to 36500 days. Unset: none of its own
	// (the bucket's default retention, if any, still applies).
	RetentionMode string `toml:"retention_mode"`
	RetentionDays int    `toml:"retention_days"`
}

// Signing is the [signing] table: how lines are signed and checked.
type Signing struct {
	// Key is the signing key: a public key file (the key is used from ssh-agent) or a
	// private key file without a passphrase. Empty: lines are not signed.
	Key string `toml:"key"`
	// AllowedSigners is the OpenSSH allowed_signers file verify checks signatures
	// against when --allowed-signers is not given.
	AllowedSigners string `toml:"allowed_signers"`
	// RequireSigned makes verify report every line without a valid signature.
	RequireSigned bool `toml:"require_signed"`
}

// Load reads the settings file at path. A missing file is the zero Settings. Every
// problem is returned at once, one per line with file:line:col.
func Load(path string) (Settings, error) {
	var s Settings
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("%s: %s", path, tomldoc.ReadError(err))
	}
	doc, problems := tomldoc.Decode(path, b, &s)
	if len(problems) == 0 && s.Schema != 0 && s.Schema != 1 {
		problems = append(problems, doc.Problemf([]any{"schema"}, "schema %d is not supported (this muster reads schema 1)", s.Schema))
	}
	if r := s.TUI.NoticeReminder; len(problems) == 0 && r != "" {
		if d, err := time.ParseDuration(r); err != nil || d < 0 {
			problems = append(problems, doc.Problemf([]any{"tui", "notice_reminder"}, "notice_reminder %q is not a duration such as \"10m\" or \"90s\" (\"0\" turns the reminder off)", r))
		}
	}
	if t := s.Team; len(problems) == 0 && (t.RetentionMode != "" || t.RetentionDays != 0) {
		switch {
		case t.RetentionMode == "":
			problems = append(problems, doc.Problemf([]any{"team", "retention_days"}, "retention_days without retention_mode: add retention_mode = \"COMPLIANCE\" or \"GOVERNANCE\""))
		case t.RetentionMode != "COMPLIANCE" && t.RetentionMode != "GOVERNANCE":
			problems = append(problems, doc.Problemf([]any{"team", "retention_mode"}, "retention_mode %q: want \"COMPLIANCE\" or \"GOVERNANCE\"", t.RetentionMode))
		case t.RetentionDays == 0:
			problems = append(problems, doc.Problemf([]any{"team", "retention_mode"}, "retention_mode without retention_days: add retention_days = 1 to 36500"))
		case t.RetentionDays < 1 || t.RetentionDays > 36500:
			problems = append(problems, doc.Problemf([]any{"team", "retention_days"}, "retention_days %d: want 1 to 36500 days", t.RetentionDays))
		}
	}
	if u := s.Timestamp.URL; len(problems) == 0 && u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		problems = append(problems, doc.Problemf([]any{"timestamp", "url"}, "url %q is not an http:// or https:// URL", u))
	}
	if len(problems) > 0 {
		return Settings{}, problems
	}
	dir := filepath.Dir(path)
	s.Signing.Key = expand(s.Signing.Key, dir)
	s.Signing.AllowedSigners = expand(s.Signing.AllowedSigners, dir)
	s.Timestamp.CAFile = expand(s.Timestamp.CAFile, dir)
	return s, nil
}

// expand makes ~/ the home directory and a relative path relative to the data
// directory.
func expand(p, dir string) string {
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "~/"):
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	case !filepath.IsAbs(p):
		return filepath.Join(dir, p)
	}
	return p
}
