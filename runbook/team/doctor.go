package team

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/muster-ir/muster/internal/awserr"
)

// Verdict of one doctor check.
type Verdict string

const (
	OK      Verdict = "ok"
	Warn    Verdict = "warn"
	Fail    Verdict = "fail"
	Unknown Verdict = "unknown" // the check could not run
)

// Check is one thing team doctor looked at.
type Check struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	Detail  string  `json:"detail"`
	// Action is the IAM action the check needed and was denied, if any.
	Action string `json:"missing_action,omitempty"`
}

// Diagnosis is what team doctor found.
type Diagnosis struct {
	Store  string  `json:"store"`
	Checks []Check `json:"checks"`
}

// Worst is the worst verdict of the checks.
func (d Diagnosis) Worst() Verdict {
	rank := map[Verdict]int{OK: 0, Warn: 1, Unknown: 2, Fail: 3}
	w := OK
	for _, c := range d.Checks {
		if rank[c.Verdict] > rank[w] {
			w = c.Verdict
		}
	}
	return w
}

// MissingActions lists the IAM actions that were denied.
func (d Diagnosis) MissingActions() []string {
	var out []string
	for _, c := range d.Checks {
		if c.Action != "" {
			out = append(out, c.Action)
		}
	}
	return out
}

// Doctor checks that the bucket can hold a team's evidence: reachable, versioning and
// Object Lock on, encrypted, not public, conditional writes honoured, and the IAM
// actions muster needs allowed. It writes one small probe object under doctor/ (kept
// when the bucket's default retention locks it).
func (s *Store) Doctor(ctx context.Context) Diagnosis {
	d := Diagnosis{Store: s.loc.String()}
	add := func(c Check) { d.Checks = append(d.Checks, c) }
	b := aws.String(s.loc.Bucket)

	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b}); err != nil {
		c := Check{Name: "reachable", Verdict: Fail}
		switch {
		case awserr.Denied(err):
			c.Detail, c.Action = "the bucket answers, but access is denied", "s3:ListBucket"
		case awserr.Status(err) == 404:
			c.Detail = fmt.Sprintf("no bucket %q (create it: see README, Team incidents)", s.loc.Bucket)
		default:
			c.Detail = "cannot reach the store: " + awserr.Cause(err)
		}
		add(c)
		if c.Action == "" {
			return d // nothing else can be asked
		}
	} else {
		add(Check{Name: "reachable", Verdict: OK, Detail: "bucket " + s.loc.Bucket + " answers"})
	}

	if v, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err != nil {
		add(failed("versioning", "s3:GetBucketVersioning", err))
	} else if v.Status == types.BucketVersioningStatusEnabled {
		add(Check{Name: "versioning", Verdict: OK, Detail: "enabled"})
	} else {
		add(Check{Name: "versioning", Verdict: Fail, Detail: "not enabled: a rewritten object replaces the evidence (Object Lock turns it on)"})
	}

	s.doctorLock(ctx, add)

	if e, err := s.client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b}); err != nil {
		if awserr.Code(err) == "ServerSideEncryptionConfigurationNotFoundError" {
			add(Check{Name: "encryption", Verdict: Warn, Detail: "no default encryption configured"})
		} else {
			add(failed("encryption", "s3:GetEncryptionConfiguration", err))
		}
	} else {
		var algs []string
		if e.ServerSideEncryptionConfiguration != nil {
			for _, r := range e.ServerSideEncryptionConfiguration.Rules {
				if r.ApplyServerSideEncryptionByDefault != nil {
					algs = append(algs, string(r.ApplyServerSideEncryptionByDefault.SSEAlgorithm))
				}
			}
		}
		if len(algs) == 0 {
			add(Check{Name: "encryption", Verdict: Warn, Detail: "no default encryption rule"})
		} else {
			add(Check{Name: "encryption", Verdict: OK, Detail: "default " + strings.Join(algs, ", ")})
		}
	}

	if p, err := s.client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b}); err != nil {
		if awserr.Code(err) == "NoSuchPublicAccessBlockConfiguration" {
			add(Check{Name: "public access", Verdict: Fail, Detail: "no public access block on the bucket: evidence could be made public"})
		} else {
			add(failed("public access", "s3:GetBucketPublicAccessBlock", err))
		}
	} else if c := p.PublicAccessBlockConfiguration; c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) &&
		aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets) {
		add(Check{Name: "public access", Verdict: OK, Detail: "all four public access blocks on"})
	} else {
		add(Check{Name: "public access", Verdict: Fail, Detail: "public access is not fully blocked (want all four settings true)"})
	}

	s.doctorWrites(ctx, add)
	return d
}

func (s *Store) doctorLock(ctx context.Context, add func(Check)) {
	l, err := s.client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(s.loc.Bucket)})
	if err != nil {
		if awserr.Code(err) == "ObjectLockConfigurationNotFoundError" {
			add(Check{Name: "object lock", Verdict: Warn, Detail: "Object Lock is off: anyone with s3:PutObject can rewrite evidence; verify --remote catches it, a lock prevents it (it can only be enabled when the bucket is created)"})
			if s.retention.Mode != "" {
				add(Check{Name: "retention", Verdict: Fail, Detail: fmt.Sprintf("muster is configured to lock objects (%s, %d days) but the bucket has no Object Lock: every write will fail", s.retention.Mode, s.retention.Days)})
			}
			return
		}
		add(failed("object lock", "s3:GetBucketObjectLockConfiguration", err))
		return
	}
	cfg := l.ObjectLockConfiguration
	if cfg == nil || cfg.ObjectLockEnabled != types.ObjectLockEnabledEnabled {
		add(Check{Name: "object lock", Verdict: Warn, Detail: "Object Lock is not enabled"})
		return
	}
	detail, verdict := "enabled, no default retention", Warn
	if cfg.Rule != nil && cfg.Rule.DefaultRetention != nil {
		r := cfg.Rule.DefaultRetention
		days := int(aws.ToInt32(r.Days)) + 365*int(aws.ToInt32(r.Years))
		detail = fmt.Sprintf("enabled, default %s %d days", r.Mode, days)
		verdict = OK
		if r.Mode == types.ObjectLockRetentionModeGovernance {
			detail += " (GOVERNANCE: a user with s3:BypassGovernanceRetention can still delete; COMPLIANCE cannot be bypassed)"
		}
	}
	if s.retention.Mode != "" {
		detail += fmt.Sprintf("; muster writes %s %d days", s.retention.Mode, s.retention.Days)
		verdict = OK
	}
	add(Check{Name: "object lock", Verdict: verdict, Detail: detail})
}

// doctorWrites writes a probe object twice with If-None-Match: *: the second write must
// be refused, or writers could fork the chain.
func (s *Store) doctorWrites(ctx context.Context, add func(Check)) {
	key := s.loc.key(fmt.Sprintf("doctor/probe-%d", time.Now().UnixNano()))
	body := []byte("muster team doctor probe\n")
	sum := sha256.Sum256(body)
	put := func() error {
		in := &s3.PutObjectInput{
			Bucket: aws.String(s.loc.Bucket), Key: aws.String(key), Body: bytes.NewReader(body),
			IfNoneMatch: aws.String("*"), ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
			ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		}
		s.lock(&in.ObjectLockMode, &in.ObjectLockRetainUntilDate)
		_, err := s.client.PutObject(ctx, in)
		return err
	}
	if err := put(); err != nil {
		action := "s3:PutObject"
		if s.retention.Mode != "" {
			action = "s3:PutObject and s3:PutObjectRetention"
		}
		add(failed("write", action, err))
		add(Check{Name: "conditional writes", Verdict: Unknown, Detail: "not tried: the probe could not be written"})
		return
	}
	add(Check{Name: "write", Verdict: OK, Detail: "wrote " + key})
	switch err := put(); {
	case err == nil:
		add(Check{Name: "conditional writes", Verdict: Fail, Detail: "a second write with If-None-Match: * was accepted: this store does not honour conditional writes, and two responders could fork the journal"})
	case awserr.Taken(err):
		add(Check{Name: "conditional writes", Verdict: OK, Detail: "If-None-Match: * refused the second write (412)"})
	default:
		add(Check{Name: "conditional writes", Verdict: Unknown, Detail: "the second write failed otherwise: " + awserr.Cause(err)})
	}
	if _, err := s.get(ctx, key, 1<<10); err != nil {
		add(failed("read", "s3:GetObject", err))
	} else {
		add(Check{Name: "read", Verdict: OK, Detail: "read the probe back"})
	}
	if _, err := s.listEvents(ctx, "doctor-probe", 0); err != nil {
		add(failed("list", "s3:ListBucket", err))
	} else {
		add(Check{Name: "list", Verdict: OK, Detail: "listed the prefix"})
	}
	// The probe stays when the bucket's default retention locked it; that is expected.
	_, _ = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.loc.Bucket), Key: aws.String(key)})
}

func failed(name, action string, err error) Check {
	if awserr.Denied(err) {
		return Check{Name: name, Verdict: Fail, Detail: "access denied: allow " + action, Action: action}
	}
	return Check{Name: name, Verdict: Unknown, Detail: "could not check: " + awserr.Cause(err)}
}
