package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	acctProd    = "111111111111"
	acctBilling = "222222222222"
	acctMissing = "333333333333" // its muster-backup-audit role was never deployed
	auditRole   = "muster-backup-audit"
)

func roleARN(account string) string { return "arn:aws:iam::" + account + ":role/" + auditRole }

// iamProxy stands in front of moto and answers AssumeRole into a role that does not
// exist the way STS does: moto lets any role ARN be assumed ("the role does not need to
// exist"), so the refusal of a missing role is played here. Everything else goes to
// moto unchanged.
func iamProxy(t testing.TB, moto string, missing ...string) string {
	target, _ := url.Parse(moto)
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") == "AssumeRole" {
			for _, arn := range missing {
				if form.Get("RoleArn") == arn {
					w.Header().Set("Content-Type", "text/xml")
					w.WriteHeader(403)
					fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>muster-test</RequestId></ErrorResponse>`, arn)
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// accountRDS is an RDS client acting in account (moto keeps each account's state apart
// once a role in it is assumed).
func accountRDS(tb testing.TB, endpoint, account, region string) *rds.Client {
	tb.Helper()
	base := motoClient(endpoint, region).Options()
	stsc := sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(endpoint), Credentials: base.Credentials})
	creds := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, roleARN(account)))
	return rds.New(base, func(o *rds.Options) { o.Credentials = creds })
}

// seedDB creates an encrypted instance kept 30 days with a manual snapshot: it passes
// (or warns, without an event subscription) right after creation.
func seedDB(tb testing.TB, c *rds.Client, id string, tags ...string) {
	tb.Helper()
	ctx := context.Background()
	in := &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(id), Engine: aws.String("postgres"), DBInstanceClass: aws.String("db.t3.micro"),
		AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("muster"), MasterUserPassword: aws.String("password-1234"),
		BackupRetentionPeriod: aws.Int32(30), StorageEncrypted: aws.Bool(true),
	}
	for i := 0; i+1 < len(tags); i += 2 {
		in.Tags = append(in.Tags, rdsTag(tags[i], tags[i+1]))
	}
	if _, err := c.CreateDBInstance(ctx, in); err != nil {
		tb.Fatalf("seed %s: %v", id, err)
	}
	if _, err := c.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String(id), DBSnapshotIdentifier: aws.String(id + "-manual")}); err != nil {
		tb.Fatalf("seed %s snapshot: %v", id, err)
	}
}

func writePolicy(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "backup.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMotoAccounts(t *testing.T) {
	moto := startMoto(t)
	endpoint := iamProxy(t, moto, roleARN(acctMissing))
	seedDB(t, accountRDS(t, moto, acctProd, west), "platform-db", "service", "platform")
	seedDB(t, accountRDS(t, moto, acctProd, central), "reports-db")
	seedDB(t, accountRDS(t, moto, acctBilling, west), "platform-db", "service", "platform") // same name, other account
	seedDB(t, accountRDS(t, moto, acctBilling, west), "billing-db")
	// The caller's own account holds a database no run over accounts may see.
	seedDB(t, motoClient(moto, west), "caller-db")

	policy := writePolicy(t, fmt.Sprintf(`schema = 1
regions = ["eu-west-1"]

[[accounts]]
name = "production"
role_arn = "%s"
regions = ["eu-west-1", "eu-central-1"]

[[accounts]]
name = "billing"
role_arn = "%s"
external_id = "muster-audit-7"

[[accounts]]
name = "sandbox"
role_arn = "%s"

[[service]]
name = "billing-database"
[service.match]
accounts = ["billing"]
identifiers = ["billing-*"]

[[service]]
name = "platform-database"
[service.match]
accounts = ["%s"]
tags = { service = "platform" }
`, roleARN(acctProd), roleARN(acctBilling), roleARN(acctMissing), acctProd))
	env := cleanAWSEnv(t, endpoint)

	t.Run("three accounts, one role missing", func(t *testing.T) {
		r := runCLI(t, env, "backup", "check", "--config", policy, "--format", "json")
		rep := r.report(t)
		if r.code != 2 {
			t.Errorf("exit %d, want 2 (an account could not be read)\n%s", r.code, r.stderr)
		}
		type key struct{ account, id string }
		units := map[key]UnitResult{}
		for _, u := range rep.Units {
			units[key{u.Account, u.ID}] = u
		}
		for _, k := range []key{{acctProd, "platform-db"}, {acctProd, "reports-db"}, {acctBilling, "platform-db"}, {acctBilling, "billing-db"}} {
			u, ok := units[k]
			if !ok {
				t.Errorf("no unit %v: %v", k, unitIDs(rep))
				continue
			}
			if u.Status == Fail || u.Status == Error {
				t.Errorf("%v: %s %s", k, u.Status, rep.Summary())
			}
			if want := map[string]string{acctProd: "production", acctBilling: "billing"}[k.account]; u.AccountName != want {
				t.Errorf("%v: account name %q, want %q", k, u.AccountName, want)
			}
		}
		if u := units[key{acctProd, "reports-db"}]; u.Region != central {
			t.Errorf("the account's own regions: reports-db in %q", u.Region)
		}
		// Services match by account: platform-database owns prod's platform-db only.
		if s := units[key{acctProd, "platform-db"}].Service; s != "platform-database" {
			t.Errorf("prod platform-db service %q", s)
		}
		if s := units[key{acctBilling, "platform-db"}].Service; s != "" {
			t.Errorf("billing's platform-db must not match a service of account %s: %q", acctProd, s)
		}
		if s := units[key{acctBilling, "billing-db"}].Service; s != "billing-database" {
			t.Errorf("billing-db service %q (matched by the account's name)", s)
		}
		for k := range units {
			if k.id == "caller-db" {
				t.Errorf("the caller's own account was read")
			}
		}
		missing, ok := units[key{acctMissing, acctMissing}]
		if !ok || missing.Kind != KindAccount || missing.Status != Error || missing.AccountName != "sandbox" {
			t.Fatalf("the account whose role is missing: %+v\n%v", missing, unitIDs(rep))
		}
		c, _ := missing.Check(CheckInventory)
		if c.Status != Error || !strings.Contains(c.Detail, "AssumeRole") || !strings.Contains(c.Detail, "AccessDenied") || !strings.Contains(c.Detail, "sts:AssumeRole") {
			t.Errorf("inventory check: %+v", c)
		}
		if rep.Totals.Pass+rep.Totals.Warn != 4 {
			t.Errorf("totals %+v", rep.Totals)
		}
	})

	t.Run("--account narrows; table and prometheus carry the account", func(t *testing.T) {
		r := runCLI(t, env, "backup", "check", "--config", policy, "--account", "billing", "--format", "prometheus")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		fams, err := parseExposition(r.stdout)
		if err != nil {
			t.Fatal(err)
		}
		series := fams["muster_backup_unit_status"]
		if v, ok := series[`{account="222222222222",account_name="billing",id="billing-db",kind="instance",region="eu-west-1",service="billing-database",status="pass"}`]; !ok || (v != 1 && series[`{account="222222222222",account_name="billing",id="billing-db",kind="instance",region="eu-west-1",service="billing-database",status="warn"}`] != 1) {
			t.Errorf("series %v", series)
		}
		for s := range series {
			if !strings.Contains(s, `account="222222222222"`) && !strings.Contains(s, `kind="service"`) {
				t.Errorf("--account billing reported %s", s)
			}
		}
		r = runCLI(t, env, "backup", "check", "--config", policy, "--account", acctProd, "--format", "table")
		if r.code != 0 || !strings.Contains(r.stdout, "ACCOUNT") || !strings.Contains(r.stdout, "production (111111111111)") {
			t.Errorf("table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = runCLI(t, env, "backup", "check", "--config", policy, "--account", "444444444444")
		if r.code != 2 || !strings.Contains(r.stderr, "--account 444444444444: no such account") {
			t.Errorf("unknown account: exit %d %s", r.code, r.stderr)
		}
	})

	t.Run("organization: active accounts only", func(t *testing.T) {
		orgPolicy := writePolicy(t, "schema = 1\nregions = [\"eu-west-1\"]\n[organization]\nrole_name = \""+auditRole+"\"\n")
		// No organization yet: the discovery fails, as an error of its own.
		r := runCLI(t, env, "backup", "check", "--config", orgPolicy, "--format", "json")
		rep := r.report(t)
		if u := unitOf(t, rep, "organization"); r.code != 2 || u.Kind != KindAccount || u.Status != Error || !strings.Contains(u.Checks[0].Detail, "ListAccounts") {
			t.Errorf("discovery without an organization: exit %d %+v", r.code, u)
		}
		ctx := context.Background()
		base := motoClient(moto, west).Options()
		org := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(moto), Credentials: base.Credentials})
		if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		for _, name := range []string{"analytics", "closed-sandbox"} {
			out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			st, err := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = aws.ToString(st.CreateAccountStatus.AccountId)
		}
		if _, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(ids["closed-sandbox"])}); err != nil {
			t.Fatal(err)
		}
		seedDB(t, accountRDS(t, moto, ids["analytics"], west), "analytics-db")
		seedDB(t, accountRDS(t, moto, ids["closed-sandbox"], west), "forgotten-db")
		rep = runCLI(t, env, "backup", "check", "--config", orgPolicy, "--format", "json").report(t)
		seen := map[string]bool{}
		for _, u := range rep.Units {
			seen[u.Account+"/"+u.ID] = true
			if u.Account == ids["closed-sandbox"] {
				t.Errorf("a suspended account was checked: %+v", u)
			}
		}
		if !seen[ids["analytics"]+"/analytics-db"] || !seen["123456789012/caller-db"] {
			t.Errorf("units %v", seen)
		}
		if len(rep.SkippedAccounts) != 1 || rep.SkippedAccounts[0].ID != ids["closed-sandbox"] || rep.SkippedAccounts[0].State != "SUSPENDED" {
			t.Errorf("skipped accounts %+v", rep.SkippedAccounts)
		}
		for _, u := range rep.Units {
			if u.Account == ids["analytics"] && u.AccountName != "analytics" {
				t.Errorf("account name from Organizations: %q", u.AccountName)
			}
		}
	})
}

func rdsTag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
