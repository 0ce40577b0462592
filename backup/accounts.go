package backup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/semaphore"

	"github.com/muster-ir/muster/backup/policy"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// DefaultConcurrency is how many account x region pairs a run over accounts reads at
// once. Each pair runs its six list calls in parallel, so at most 6 x this many list
// requests are in flight, plus AttributeConcurrency snapshot look-ups per account
// (RDS throttles per account and region, so that bound is per account).
const DefaultConcurrency = 8

// RoleSessionName names muster's sessions in the accounts' CloudTrail.
const RoleSessionName = "muster-backup-check"

// target is one account of a run with the role to assume in it.
type target struct {
	Account
	discovered bool
}

// accountsOf resolves the accounts of a run: the policy's [[accounts]], then those
// Organizations lists (ACTIVE only; suspended and closing accounts are skipped), then
// the --account filter (ids or names). A failed discovery is returned as an inventory
// of its own, so the listed accounts are still checked.
func accountsOf(ctx context.Context, cfg aws.Config, p *Policy, only []string, o *Options) ([]target, *Inventory, []SkippedAccount, error) {
	var out []target
	var skipped []SkippedAccount
	for _, a := range p.Accounts {
		out = append(out, target{Account: a})
	}
	var discovery *Inventory
	if org := p.Organization; org != nil {
		found, notActive, err := listAccounts(ctx, cfg)
		skipped = notActive
		if err != nil {
			ie := inventoryError("", OpListAccounts, "", err, nil)
			ie.Action = "organizations:ListAccounts"
			discovery = &Inventory{AccountName: "organization", Errors: []InventoryError{ie}}
		} else if len(found) == 0 {
			// A discovery that finds nothing must not read as "every account passed".
			discovery = &Inventory{AccountName: "organization", Errors: []InventoryError{{
				Operation: OpListAccounts, Code: "no-accounts", Action: "organizations:ListAccounts",
				Message: fmt.Sprintf("the organization listed no ACTIVE account (%d skipped)", len(notActive)),
			}}}
		}
		for _, a := range found {
			if slices.ContainsFunc(out, func(t target) bool { return t.ID == a.ID }) {
				continue // listed in the policy: its own role and name win
			}
			a.RoleARN = fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(cfg.Region), a.ID, org.RoleName)
			a.ExternalID, a.Regions = org.ExternalID, org.Regions
			out = append(out, target{Account: a, discovered: true})
		}
	}
	if len(only) > 0 {
		if len(p.Accounts) == 0 && p.Organization == nil {
			return nil, nil, nil, errors.New("--account needs [[accounts]] or [organization] in the backup policy")
		}
		var kept []target
		for _, want := range only {
			i := slices.IndexFunc(out, func(t target) bool { return t.ID == want || (t.Name != "" && t.Name == want) })
			if i < 0 {
				if discovery != nil {
					continue // perhaps an account discovery could not list
				}
				return nil, nil, nil, fmt.Errorf("--account %s: no such account in the backup policy (%s) or the organization", want, p.Source)
			}
			if !slices.ContainsFunc(kept, func(t target) bool { return t.ID == out[i].ID }) {
				kept = append(kept, out[i])
			}
		}
		out = kept
		skipped = slices.DeleteFunc(skipped, func(a SkippedAccount) bool { return !slices.Contains(only, a.ID) && !slices.Contains(only, a.Name) })
	}
	return out, discovery, skipped, nil
}

// SkippedAccount is an account of the organization a run did not read, and why.
type SkippedAccount struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	State string `json:"state"` // SUSPENDED, PENDING_CLOSURE, CLOSED, ...
}

// listAccounts pages organizations:ListAccounts and keeps the active accounts.
func listAccounts(ctx context.Context, cfg aws.Config) ([]Account, []SkippedAccount, error) {
	ctx, _ = withCause(ctx)
	c := organizations.NewFromConfig(cfg)
	p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{},
		func(o *organizations.ListAccountsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var out []Account
	var skipped []SkippedAccount
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, skipped, err
		}
		for _, a := range page.Accounts {
			id := untrusted.Line(aws.ToString(a.Id))
			if !policy.ValidAccountID(id) {
				continue
			}
			name := untrusted.Line(aws.ToString(a.Name))
			if !activeAccount(a) {
				state := untrusted.Line(cmp.Or(string(a.State), string(a.Status)))
				skipped = append(skipped, SkippedAccount{ID: id, Name: name, State: state})
				continue
			}
			out = append(out, Account{ID: id, Name: name})
		}
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(skipped, func(a, b SkippedAccount) int { return strings.Compare(a.ID, b.ID) })
	return out, skipped, nil
}

// activeAccount reads State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...), else the
// older Status.
func activeAccount(a orgtypes.Account) bool {
	if a.State != "" {
		return a.State == orgtypes.AccountStateActive
	}
	return a.Status == orgtypes.AccountStatusActive
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// collectAccounts reads every account: assume its role, then its regions with the
// others', at most o.Concurrency account x region pairs at once. An account whose role
// cannot be assumed is an inventory of one AssumeRole error: the others go on.
func collectAccounts(ctx context.Context, cfg aws.Config, targets []target, runRegions, copyRegs []string, regionFlag bool, o *Options) []Inventory {
	slots := semaphore.NewWeighted(int64(cmpOr(o.Concurrency, DefaultConcurrency)))
	stsClient := sts.NewFromConfig(cfg)
	o.Progress.addAccounts(len(targets))
	invs := make([]Inventory, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer o.Progress.accountDone()
			regions := runRegions
			if len(t.Regions) > 0 && !regionFlag {
				regions = t.Regions
			}
			invs[i] = collectAccount(ctx, cfg, stsClient, t, regions, copyRegs, slots, o)
		}()
	}
	wg.Wait()
	return invs
}

func collectAccount(ctx context.Context, cfg aws.Config, stsClient *sts.Client, t target, regions, copyRegs []string, slots *semaphore.Weighted, o *Options) Inventory {
	provider := stscreds.NewAssumeRoleProvider(stsClient, t.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = RoleSessionName
		if t.ExternalID != "" {
			ao.ExternalID = aws.String(t.ExternalID)
		}
	})
	creds := aws.NewCredentialsCache(provider)
	actx, last := withCause(ctx)
	if _, err := creds.Retrieve(actx); err != nil {
		ie := inventoryError("", OpAssumeRole, t.RoleARN, err, last.last())
		ie.Account, ie.Action = t.ID, "sts:AssumeRole"
		inv := Inventory{Account: t.ID, AccountName: t.Name, Regions: append([]string{}, regions...), Errors: []InventoryError{ie}}
		o.Progress.addRegions(len(regions))
		for range regions {
			o.Progress.regionDone()
		}
		return inv
	}
	acfg := cfg.Copy()
	acfg.Credentials = creds
	client := func(region string) API {
		return rds.NewFromConfig(acfg, func(ro *rds.Options) { ro.Region = region })
	}
	inv := Collect(ctx, client, regions, copyRegs, CollectOptions{
		AttributeConcurrency: o.AttributeConcurrency, Now: o.Now, Progress: o.Progress, Slots: slots,
	})
	inv.Account, inv.AccountName = t.ID, t.Name
	for i := range inv.Errors {
		inv.Errors[i].Account = t.ID
	}
	return inv
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
