package backup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go/logging"

	"github.com/muster-ir/muster/internal/awserr"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Options configure one backup check run.
type Options struct {
	// PolicyFile is the backup policy; "" means the built-in defaults. Policy, when
	// set, is used instead (a caller that loaded it already).
	PolicyFile string
	Policy     *Policy
	// Profile is the AWS shared-config profile ("" = the default chain: env, SSO,
	// profiles, instance role). AWS_ENDPOINT_URL is honoured by the SDK.
	Profile string
	// Regions to check; default the policy's regions, else the configured region.
	Regions []string
	// AsOf is the instant to judge at; zero means now, sampled once after the inventory.
	AsOf time.Time
	// IncludeReplicas checks read replicas instead of skipping them.
	IncludeReplicas bool
	// Service keeps only that service's databases (a runbook step's check).
	Service string
	// DataDir, when set, is where saved restore tests are read for the restore-tested
	// check (<DataDir>/restore-tests).
	DataDir string
	// Timeout bounds the whole run; default DefaultTimeout.
	Timeout time.Duration

	RegionConcurrency    int            // default 4
	AttributeConcurrency int            // default 4
	MaxAttempts          int            // per call, throttling included; default 10 (AWS_MAX_ATTEMPTS wins)
	MaxBackoff           time.Duration  // longest wait between attempts; default the SDK's 20s
	HTTPClient           aws.HTTPClient // nil: the SDK's
	Now                  func() time.Time
	// Progress, when set, counts regions, accounts and requests as the run goes.
	Progress *Progress
	// Accounts narrows a run over the policy's accounts to these ids or names.
	Accounts []string
	// Concurrency bounds the account x region pairs read at once in a run over
	// accounts; default DefaultConcurrency.
	Concurrency int
}

// DefaultTimeout bounds a run when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// DefaultMaxAttempts is how often a call is tried: throttling in large accounts needs
// more than the SDK's 3.
const DefaultMaxAttempts = 10

// Run loads the policy and AWS config, reads the inventory and evaluates it. The error
// is for what stops the whole run (bad policy file, bad region, no credentials); API
// failures are in Report.Errors and make the units they affect status error.
func Run(ctx context.Context, o Options) (Report, error) {
	p, err := o.policy()
	if err != nil {
		return Report{}, err
	}
	if o.Service != "" && !slices.ContainsFunc(p.Services, func(s Service) bool { return s.Name == o.Service }) {
		return Report{}, fmt.Errorf("no service %q in the backup policy (%s)", o.Service, p.Source)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cfg, err := LoadAWSConfig(ctx, o)
	if err != nil {
		return Report{}, err
	}
	regions, err := o.regions(&p, cfg.Region)
	if err != nil {
		return Report{}, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return Report{}, &awserr.NoCredentialsError{Source: awserr.CredentialSource(o.Profile), Err: err}
	}
	var invs []Inventory
	var skippedAccounts []SkippedAccount
	if len(p.Accounts) > 0 || p.Organization != nil || len(o.Accounts) > 0 {
		if cfg.Region == "" {
			cfg.Region = regions[0] // STS and Organizations need one
		}
		targets, discovery, skipped, err := accountsOf(ctx, cfg, &p, o.Accounts, &o)
		if err != nil {
			return Report{}, err
		}
		invs = collectAccounts(ctx, cfg, targets, regions, copyRegions(&p), len(o.Regions) > 0, &o)
		if discovery != nil {
			invs = append(invs, *discovery)
		}
		skippedAccounts = skipped
	} else {
		client := func(region string) API {
			return rds.NewFromConfig(cfg, func(ro *rds.Options) { ro.Region = region })
		}
		invs = []Inventory{Collect(ctx, client, regions, copyRegions(&p), CollectOptions{
			RegionConcurrency: o.RegionConcurrency, AttributeConcurrency: o.AttributeConcurrency, Now: o.Now,
			Progress: o.Progress,
		})}
	}
	now := o.AsOf
	if now.IsZero() {
		if o.Now != nil {
			now = o.Now()
		} else {
			now = time.Now()
		}
	}
	rep := EvaluateAccounts(invs, p, now)
	rep.SkippedAccounts = skippedAccounts
	if o.DataDir != "" {
		history, _ := LoadRestoreTests(o.DataDir)
		rep.AddRestoreTested(p, history, now)
	}
	if o.Service != "" {
		rep = rep.ForService(o.Service)
	}
	return rep, nil
}

func (o *Options) policy() (Policy, error) {
	var p Policy
	switch {
	case o.Policy != nil:
		p = *o.Policy
	case o.PolicyFile != "":
		var err error
		if p, err = LoadPolicy(o.PolicyFile); err != nil {
			return Policy{}, err
		}
	default:
		p = DefaultPolicy()
	}
	if o.IncludeReplicas {
		p.Defaults.IncludeReplicas = true
		svcs := make([]Service, len(p.Services))
		copy(svcs, p.Services)
		for i := range svcs {
			svcs[i].Rules.IncludeReplicas = true
		}
		p.Services = svcs
	}
	return p, nil
}

// regions resolves what to check: --region, else the policy's (top level and the
// services'), else the configured region.
func (o *Options) regions(p *Policy, configured string) ([]string, error) {
	var out []string
	add := func(r string) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	switch {
	case len(o.Regions) > 0:
		for _, r := range o.Regions {
			add(strings.TrimSpace(r))
		}
	default:
		for _, r := range p.Regions {
			add(r)
		}
		for _, s := range p.Services {
			if o.Service != "" && s.Name != o.Service {
				continue
			}
			for _, r := range s.Regions {
				add(r)
			}
		}
		if len(out) == 0 && configured != "" {
			add(configured)
		}
		if len(out) == 0 {
			// Every listed account names its own regions: their union.
			for _, a := range p.Accounts {
				for _, r := range a.Regions {
					add(r)
				}
			}
			if p.Organization != nil {
				for _, r := range p.Organization.Regions {
					add(r)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no region to check: pass --region, list regions in the backup policy, or configure one (AWS_REGION, the profile's region)")
	}
	for _, r := range out {
		if err := CheckRegion(r); err != nil {
			return nil, errors.New("region " + err.Error())
		}
	}
	return out, nil
}

// copyRegions are every region some rule wants a copy in.
func copyRegions(p *Policy) []string {
	var out []string
	add := func(rs []string) {
		for _, r := range rs {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	add(p.Defaults.CopyRegions)
	for _, s := range p.Services {
		add(s.Rules.CopyRegions)
	}
	return out
}

// LoadAWSConfig is the SDK's default config chain (environment, SSO, shared profiles,
// instance roles; AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_RDS) with o's profile and a
// retryer that keeps trying throttled calls.
func LoadAWSConfig(ctx context.Context, o Options) (aws.Config, error) {
	// Failures are reported as inventory errors or as the run's one error; the SDK's
	// own log lines (the IMDS client's "falling back to IMDSv1" while it looks for
	// credentials) would only repeat them on stderr. Set here, the logger reaches the
	// clients the config chain builds while it resolves.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(o.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %s", untrusted.Line(err.Error()))
	}
	if o.Progress != nil {
		next := cfg.HTTPClient
		if next == nil {
			// The config leaves it nil unless something (AWS_CA_BUNDLE) customised it.
			next = awshttp.NewBuildableClient()
		}
		cfg.HTTPClient = requestCounter{next: next, p: o.Progress}
	}
	attempts := o.MaxAttempts
	if cfg.RetryMaxAttempts > 0 {
		attempts = cfg.RetryMaxAttempts // AWS_MAX_ATTEMPTS or the profile's max_attempts
	}
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	standard := func(so *retry.StandardOptions) {
		// Bounded concurrency already limits the load; the client-side retry quota
		// would turn a throttled attribute fan-out into errors.
		so.RateLimiter = ratelimit.None
		// A refused connection or an unknown host is answered at once, not retried.
		so.Retryables = append([]retry.IsErrorRetryable{noRetryUnfixable}, so.Retryables...)
		if o.MaxBackoff > 0 {
			so.MaxBackoff = o.MaxBackoff
		}
	}
	// Each attempt's error is kept for the message of a call the time limit cuts short.
	cfg.APIOptions = append(cfg.APIOptions, recordAttemptErrors)
	mode := cfg.RetryMode
	cfg.Retryer = func() aws.Retryer {
		var r aws.Retryer
		if mode == aws.RetryModeAdaptive {
			r = retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
				ao.StandardOptions = append(ao.StandardOptions, standard)
			})
		} else {
			r = retry.NewStandard(standard)
		}
		return retry.AddWithMaxAttempts(r, attempts)
	}
	return cfg, nil
}
