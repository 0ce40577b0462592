package backup

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// readmeSection returns the README text from heading to the next heading of the same
// or a higher level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	s = s[i+len(heading)+2:]
	// Skip fenced blocks: a TOML comment line starts with "#" too.
	inFence, off := false, 0
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if !inFence && (strings.HasPrefix(line, "### ") || strings.HasPrefix(line, "## ")) {
			return s[:off]
		}
		off += len(line)
	}
	return s
}

// fenced returns the first fenced block of the given language in text.
func fenced(t *testing.T, text, lang string) string {
	t.Helper()
	start := strings.Index(text, "```"+lang+"\n")
	if start < 0 {
		t.Fatalf("no ```%s block", lang)
	}
	body := text[start+len(lang)+4:]
	end := strings.Index(body, "```\n")
	if end < 0 {
		t.Fatalf("unterminated ```%s block", lang)
	}
	return body[:end]
}

func TestReadmePolicyExampleIsTheTestedOne(t *testing.T) {
	example := fenced(t, readmeSection(t, "### Backup policy (backup.toml)"), "toml")
	want, err := os.ReadFile("policy/testdata/backup.toml")
	if err != nil {
		t.Fatal(err)
	}
	if example != string(want) {
		t.Errorf("the README example differs from policy/testdata/backup.toml (which the tests load and validate against the schema)")
	}
	if _, err := ParsePolicy("README.md", []byte(example)); err != nil {
		t.Errorf("README example: %v", err)
	}
}

func TestReadmeIAMPolicyListsTheActionsUsed(t *testing.T) {
	sec := readmeSection(t, "### muster backup check")
	var doc struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal([]byte(fenced(t, sec, "json")), &doc); err != nil {
		t.Fatalf("IAM policy JSON: %v", err)
	}
	if len(doc.Statement) != 1 || doc.Statement[0].Effect != "Allow" {
		t.Fatalf("%+v", doc)
	}
	got := slices.Sorted(slices.Values(doc.Statement[0].Action))
	want := slices.Sorted(slices.Values(IAMActions))
	if !slices.Equal(got, want) {
		t.Errorf("IAM actions in README %v, used %v", got, want)
	}
	for _, a := range got {
		if !strings.HasPrefix(a, "rds:Describe") {
			t.Errorf("%s is not a read-only Describe action", a)
		}
	}
	for _, name := range append([]string{CheckOwner, CheckServiceMatch, CheckInventory}, UnitChecks...) {
		if !strings.Contains(sec, "`"+name+"`") {
			t.Errorf("README does not describe check %s", name)
		}
	}
}

func TestReadmeAccountsSection(t *testing.T) {
	sec := readmeSection(t, "### muster backup check")
	i := strings.Index(sec, "#### Many AWS accounts")
	if i < 0 {
		t.Fatal("no #### Many AWS accounts")
	}
	sec = sec[i:]
	example := fenced(t, sec, "toml")
	want, err := os.ReadFile("policy/testdata/accounts-policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	if example != string(want) {
		t.Errorf("the README's accounts example differs from policy/testdata/accounts-policy.toml")
	}
	p, err := ParsePolicy("README.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Accounts) != 2 || p.Accounts[0].ID != "111111111111" || p.Organization == nil || p.Organization.RoleName != "muster-backup-audit" {
		t.Errorf("%+v", p)
	}
	var trust struct {
		Statement []struct {
			Effect    string
			Action    string
			Principal map[string]string
		}
	}
	if err := json.Unmarshal([]byte(fenced(t, sec, "json")), &trust); err != nil || len(trust.Statement) != 1 || trust.Statement[0].Action != "sts:AssumeRole" {
		t.Errorf("trust policy: %v %+v", err, trust)
	}
	stackSet := fenced(t, sec, "yaml")
	for _, a := range IAMActions {
		if !strings.Contains(stackSet, "- "+a+"\n") {
			t.Errorf("the StackSet's role lacks %s", a)
		}
	}
	if !strings.Contains(stackSet, "RoleName: "+p.Organization.RoleName) {
		t.Errorf("the StackSet deploys another role name")
	}
}
