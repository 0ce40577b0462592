package backup

import (
	"strings"
	"testing"
)

func TestServicesMatchByAccount(t *testing.T) {
	prod, billing := healthy(), healthy()
	prod.inv.Account, prod.inv.AccountName = "111111111111", "production"
	billing.inv.Account, billing.inv.AccountName = "222222222222", "billing"
	p := DefaultPolicy()
	p.Services = []Service{
		{Name: "platform", Match: Match{Identifiers: []string{"platform-db"}, Accounts: []string{"production"}}, Rules: p.Defaults},
		{Name: "billing", Match: Match{Accounts: []string{"222222222222"}}, Rules: p.Defaults},
		{Name: "ghost", Match: Match{Identifiers: []string{"ghost-*"}, Accounts: []string{"222222222222"}}, Rules: p.Defaults},
	}
	r := EvaluateAccounts([]Inventory{prod.inv, billing.inv}, p, now)
	got := map[string]string{}
	for _, u := range r.Units {
		got[u.Account+"/"+u.ID] = u.Service
	}
	want := map[string]string{
		"111111111111/platform-db": "platform", "111111111111/aurora-cluster": "",
		"222222222222/platform-db": "billing", "222222222222/aurora-cluster": "billing", "/ghost": "ghost",
	}
	for k, v := range want {
		if s, ok := got[k]; !ok || s != v {
			t.Errorf("%s: service %q (present %v), want %q", k, s, ok, v)
		}
	}
	ghost := unitOf(t, r, "ghost")
	if c, _ := ghost.Check(CheckServiceMatch); c.Status != Fail || !strings.Contains(c.Detail, "billing (222222222222) eu-west-1") || strings.Contains(c.Detail, "111111111111") {
		t.Errorf("ghost: %+v", c)
	}
	if !strings.Contains(r.Summary(), "ghost") {
		t.Errorf("%s", r.Summary())
	}
}

func TestAccountThatCannotBeReadIsAnError(t *testing.T) {
	ok := healthy()
	ok.inv.Account = "111111111111"
	p := DefaultPolicy()
	p.Services = []Service{{Name: "sandbox", Match: Match{Accounts: []string{"333333333333"}}, Rules: p.Defaults}}
	denied := Inventory{Account: "333333333333", AccountName: "sandbox", Regions: []string{west}, Errors: []InventoryError{{
		Account: "333333333333", Operation: OpAssumeRole, Target: "arn:aws:iam::333333333333:role/muster-backup-audit",
		Code: "AccessDenied", Message: "not authorized", Action: "sts:AssumeRole"}}}
	r := EvaluateAccounts([]Inventory{ok.inv, denied}, p, now)
	u := unitOf(t, r, "333333333333")
	if u.Kind != KindAccount || u.Status != Error || u.AccountName != "sandbox" {
		t.Fatalf("%+v", u)
	}
	if c, _ := u.Check(CheckInventory); !strings.Contains(c.Detail, "trust policy") {
		t.Errorf("%s", c.Detail)
	}
	if c := checkOf(t, r, "sandbox", CheckServiceMatch); c.Status != Error {
		t.Errorf("a service of an unreadable account is unknown, not failed: %+v", c)
	}
	if r.ExitCode(false) != 2 || r.Totals.Pass+r.Totals.Warn != 2 {
		t.Errorf("exit %d %+v", r.ExitCode(false), r.Totals)
	}
}
