package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/muster-ir/muster/internal/awserr"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// RestoreTestTag is the tag every resource a restore test creates carries; its value
// is the run id. The IAM policy in README limits create and delete to it.
const RestoreTestTag = "muster:restore-test"

// RestoreKeepTag holds, on a kept restore (--keep), the instant after which cleanup
// may delete it.
const RestoreKeepTag = "muster:keep-until"

// RestoreSourceTag names the database a restore test restored.
const RestoreSourceTag = "muster:source"

// RestoreAPI is the part of the RDS client a restore test uses; *rds.Client
// implements it.
type RestoreAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	RestoreDBInstanceFromDBSnapshot(context.Context, *rds.RestoreDBInstanceFromDBSnapshotInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceFromDBSnapshotOutput, error)
	RestoreDBInstanceToPointInTime(context.Context, *rds.RestoreDBInstanceToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error)
	RestoreDBClusterFromSnapshot(context.Context, *rds.RestoreDBClusterFromSnapshotInput, ...func(*rds.Options)) (*rds.RestoreDBClusterFromSnapshotOutput, error)
	RestoreDBClusterToPointInTime(context.Context, *rds.RestoreDBClusterToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBClusterToPointInTimeOutput, error)
	CreateDBInstance(context.Context, *rds.CreateDBInstanceInput, ...func(*rds.Options)) (*rds.CreateDBInstanceOutput, error)
	ModifyDBInstance(context.Context, *rds.ModifyDBInstanceInput, ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error)
	ModifyDBCluster(context.Context, *rds.ModifyDBClusterInput, ...func(*rds.Options)) (*rds.ModifyDBClusterOutput, error)
	DeleteDBInstance(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	DeleteDBCluster(context.Context, *rds.DeleteDBClusterInput, ...func(*rds.Options)) (*rds.DeleteDBClusterOutput, error)
}

// Restore point selection (--point) and kinds (--kind).
const (
	PointLatest = "latest" // the newest restore point in the window (AWS Backup's LATEST_WITHIN_WINDOW)
	PointRandom = "random" // a random one in the window (RANDOM_WITHIN_WINDOW)

	KindSnapshot = "snapshot"
	KindPITR     = "pitr"
	KindAny      = "any"
)

// RestoreTestOptions configure one restore test.
type RestoreTestOptions struct {
	PolicyFile string
	Policy     *Policy
	Profile    string
	Region     string // default the service's first region, else the policy's, else the configured one
	Service    string // the policy service whose database is restored
	DB         string // or the instance or cluster identifier
	Point      string // latest (default), random, or an instant
	Kind       string // snapshot, pitr or any (default)
	// InstanceClass overrides the class of the restored instance.
	InstanceClass string
	// Probe overrides the policy's freshness query.
	Probe string
	// Database overrides the database the probe connects to.
	Database string
	// Keep keeps the restored copy this long for inspection instead of deleting it.
	Keep time.Duration
	// Timeout bounds the wait for the restored copy to become available and answer;
	// default DefaultRestoreTimeout.
	Timeout time.Duration
	// RunID names the run; default a new one (NewRunID).
	RunID string
	// Poll is the interval between status reads; default 15 s.
	Poll time.Duration
	// ProbeRetry is how long connection and credential failures are retried after the
	// password change (RDS applies it within seconds); default 2 min.
	ProbeRetry time.Duration
	// Progress, when set, is called at every status read while waiting.
	Progress func(RestoreProgress)
	Now      func() time.Time
	// Rand picks the random restore point; default a random source.
	Rand *mrand.Rand

	HTTPClient aws.HTTPClient
	// Client, when set, is used instead of one built from the AWS config chain.
	Client RestoreAPI

	// ResolveEndpoint is a test-only hook: it maps the restored copy's endpoint (as RDS
	// reports it) to the address the probe dials. Tests point moto's made-up endpoint at
	// a database server they started; nil dials the endpoint as reported.
	ResolveEndpoint func(host string, port int32) (string, int32)
	// NewPassword is a test-only hook for the master password muster sets on the
	// restored copy; nil makes a random one. Tests give the password of the server
	// they started.
	NewPassword func() (string, error)
}

// DefaultRestoreTimeout bounds the wait when RestoreTestOptions.Timeout is zero: real
// restores of large databases take well over the 30 min RTO of most services.
const DefaultRestoreTimeout = 2 * time.Hour

// RestoreProgress is what the wait shows on a terminal.
type RestoreProgress struct {
	Resource string        // the instance or cluster waited for
	Status   string        // its RDS status
	Elapsed  time.Duration // since the restore was requested
	RTO      time.Duration // the service's RTO; 0 when the policy has none
}

// NewRunID returns a run id: the UTC time and 4 random hex digits, usable in RDS
// identifiers (rt-20261202t0534-1a2b).
func NewRunID(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return "rt-" + strings.ToLower(now.UTC().Format("20060102t150405")) + "-" + hex.EncodeToString(b[:])
}

// RestoreError is a restore test that could not do its job or found a problem, with
// the exit code it means: 1 the backups failed the test (no restore point, RTO or RPO
// missed, no data), 2 it could not be judged (bad input, AWS refused, probe failed).
type RestoreError struct {
	Code int
	Msg  string
}

func (e *RestoreError) Error() string { return e.Msg }

func restoreFailed(format string, a ...any) *RestoreError {
	return &RestoreError{Code: 1, Msg: fmt.Sprintf(format, a...)}
}

func restoreCannot(format string, a ...any) *RestoreError {
	return &RestoreError{Code: 2, Msg: fmt.Sprintf(format, a...)}
}

// restoreSource is the database restored: one instance, or an Aurora cluster with its
// writer's settings.
type restoreSource struct {
	ID        string
	Cluster   bool
	Engine    string
	Version   string
	Instance  *types.DBInstance // for an instance, or the cluster's writer
	DBCluster *types.DBCluster
	Service   *Service
	Rules     Rules
	Region    string
}

// RunRestoreTest restores a backup of one database, waits until it answers, probes
// it and deletes what it created. The result is returned even with an error (as far as
// the run got), so it can be saved and shown.
func RunRestoreTest(ctx context.Context, o RestoreTestOptions) (*RestoreTestResult, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	began := now()
	if o.RunID == "" {
		o.RunID = NewRunID(began)
	}
	res := &RestoreTestResult{Schema: RestoreTestSchema, RunID: o.RunID, Began: began.UTC(), Status: Error}
	if err := o.validate(); err != nil {
		res.fail(err)
		return res, err
	}
	p, err := (&Options{PolicyFile: o.PolicyFile, Policy: o.Policy}).policy()
	if err != nil {
		return res, err
	}
	api, region, err := o.client(ctx, &p)
	if err != nil {
		res.fail(err)
		return res, err
	}
	res.Region = region
	r := &restoreRun{o: o, api: api, now: now, res: res, region: region}
	err = r.run(ctx, &p)
	res.Ended = now().UTC()
	if err != nil {
		res.fail(err)
	}
	return res, err
}

func (o *RestoreTestOptions) validate() error {
	if (o.Service == "") == (o.DB == "") {
		return restoreCannot("name what to restore: --service NAME or --db ID (one of them)")
	}
	switch o.Kind {
	case "":
		o.Kind = KindAny
	case KindSnapshot, KindPITR, KindAny:
	default:
		return restoreCannot("--kind %q: want snapshot, pitr or any", o.Kind)
	}
	if o.Point == "" {
		o.Point = PointLatest
	}
	if err := CheckRegion(o.Region); o.Region != "" && err != nil {
		return restoreCannot("--region %s", err)
	}
	if o.InstanceClass != "" && !strings.HasPrefix(o.InstanceClass, "db.") {
		return restoreCannot("--instance-class %q is not a DB instance class (like db.t4g.medium)", o.InstanceClass)
	}
	if o.Keep < 0 || o.Timeout < 0 {
		return restoreCannot("--keep and --timeout must not be negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultRestoreTimeout
	}
	if o.Poll <= 0 {
		o.Poll = 15 * time.Second
	}
	if o.ProbeRetry <= 0 {
		o.ProbeRetry = 2 * time.Minute
	}
	return nil
}

// client is o.Client, or an RDS client from the config chain, and the region to work in.
func (o *RestoreTestOptions) client(ctx context.Context, p *Policy) (RestoreAPI, string, error) {
	region := o.Region
	if region == "" && o.Service != "" {
		for _, s := range p.Services {
			if s.Name == o.Service && len(s.Regions) > 0 {
				region = s.Regions[0]
			}
		}
	}
	if region == "" && len(p.Regions) > 0 {
		region = p.Regions[0]
	}
	if o.Client != nil {
		if region == "" {
			return nil, "", restoreCannot("no region: pass --region or list regions in the backup policy")
		}
		return o.Client, region, nil
	}
	cfg, err := LoadAWSConfig(ctx, Options{Profile: o.Profile, HTTPClient: o.HTTPClient})
	if err != nil {
		return nil, "", restoreCannot("%v", err)
	}
	if region == "" {
		region = cfg.Region
	}
	if region == "" {
		return nil, "", restoreCannot("no region: pass --region, list regions in the backup policy, or configure one (AWS_REGION)")
	}
	if err := CheckRegion(region); err != nil {
		return nil, "", restoreCannot("region %s", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, "", restoreCannot("%v", &awserr.NoCredentialsError{Source: awserr.CredentialSource(o.Profile), Err: err})
	}
	return rds.NewFromConfig(cfg, func(ro *rds.Options) { ro.Region = region }), region, nil
}

// restoreRun is one restore test in progress.
type restoreRun struct {
	o        RestoreTestOptions
	api      RestoreAPI
	now      func() time.Time
	res      *RestoreTestResult
	region   string
	rto, rpo time.Duration // the service's objectives
	// created lists what this run asked RDS to create, in creation order, so cleanup
	// deletes even what a failed or interrupted call may have created.
	created []createdResource
}

type createdResource struct {
	ID      string
	Cluster bool
}

func (r *restoreRun) run(ctx context.Context, p *Policy) (err error) {
	src, err := r.findSource(ctx, p)
	if err != nil {
		return err
	}
	res := r.res
	res.Service = serviceName(src.Service)
	res.Source = RestoreSource{ID: src.ID, Kind: unitKind(src.Cluster), Engine: src.Engine, EngineVersion: src.Version}
	r.rto, r.rpo = src.Rules.RTO, src.Rules.RPO
	res.RTOSeconds = int64(src.Rules.RTO / time.Second)
	res.RPOSeconds = int64(src.Rules.RPO / time.Second)

	point, err := r.choosePoint(ctx, src)
	if err != nil {
		return err
	}
	res.Point = point

	// From here on something may exist: whatever happens, delete it with a context the
	// caller's cancellation (Ctrl+C, timeout) cannot stop.
	defer func() {
		r.cleanup(context.WithoutCancel(ctx))
		if err == nil && len(res.Cleanup.Orphans) > 0 {
			err = restoreCannot("%d restored resource(s) could not be deleted: run %s", len(res.Cleanup.Orphans), res.Cleanup.Orphans[0].Command)
		}
	}()
	waitCtx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	if err := r.restore(waitCtx, src, point); err != nil {
		if waitCtx.Err() != nil {
			// The time ran out during the request itself (a slow API): the same
			// verdict as a copy that never became available in time.
			return r.waitError(waitCtx, ctx, "asking RDS for the copy", err)
		}
		return err
	}
	endpoint, err := r.waitAvailable(waitCtx, ctx, src)
	if err != nil {
		return err
	}
	return r.probe(waitCtx, ctx, src, endpoint)
}

func serviceName(s *Service) string {
	if s == nil {
		return ""
	}
	return s.Name
}

func unitKind(cluster bool) string {
	if cluster {
		return KindAuroraCluster
	}
	return KindInstance
}

// findSource resolves --db or --service to one database and its rules.
func (r *restoreRun) findSource(ctx context.Context, p *Policy) (*restoreSource, error) {
	if r.o.Service != "" {
		return r.findServiceSource(ctx, p)
	}
	id := r.o.DB
	out, err := r.api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	switch {
	case err == nil && len(out.DBInstances) == 1:
		inst := out.DBInstances[0]
		if c := aws.ToString(inst.DBClusterIdentifier); c != "" {
			return r.clusterSource(ctx, p, c)
		}
		return r.instanceSource(p, &inst), nil
	case err != nil && !isNotFound(err):
		return nil, r.apiError("DescribeDBInstances "+id, err)
	}
	return r.clusterSource(ctx, p, id)
}

func (r *restoreRun) clusterSource(ctx context.Context, p *Policy, id string) (*restoreSource, error) {
	out, err := r.api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if err != nil {
		if isNotFound(err) {
			return nil, restoreCannot("no DB instance or cluster %q in %s", id, r.region)
		}
		return nil, r.apiError("DescribeDBClusters "+id, err)
	}
	if len(out.DBClusters) != 1 {
		return nil, restoreCannot("no DB instance or cluster %q in %s", id, r.region)
	}
	c := out.DBClusters[0]
	engine := aws.ToString(c.Engine)
	if !strings.HasPrefix(engine, "aurora") {
		return nil, restoreCannot("cluster %s is a %s Multi-AZ DB cluster: restore-test restores instances and Aurora clusters", id, untrusted.Line(engine))
	}
	src := &restoreSource{ID: id, Cluster: true, Engine: engine, Version: aws.ToString(c.EngineVersion), DBCluster: &c, Region: r.region}
	// The writer's class and settings are the template of the instance added.
	for _, m := range c.DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) || src.Instance == nil {
			out, err := r.api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: m.DBInstanceIdentifier})
			if err == nil && len(out.DBInstances) == 1 {
				src.Instance = &out.DBInstances[0]
			}
		}
	}
	src.Service, src.Rules = ruleFor(p, id, r.region, tagMap(c.TagList))
	return src, nil
}

func (r *restoreRun) instanceSource(p *Policy, inst *types.DBInstance) *restoreSource {
	id := aws.ToString(inst.DBInstanceIdentifier)
	src := &restoreSource{ID: id, Engine: aws.ToString(inst.Engine), Version: aws.ToString(inst.EngineVersion), Instance: inst, Region: r.region}
	src.Service, src.Rules = ruleFor(p, id, r.region, tagMap(inst.TagList))
	return src
}

// ruleFor is the service owning a database and its rules (the defaults when none does).
func ruleFor(p *Policy, id, region string, tags map[string]string) (*Service, Rules) {
	for i := range p.Services {
		if p.Services[i].Matches(id, region, tags) {
			return &p.Services[i], p.Services[i].Rules
		}
	}
	return nil, p.Defaults
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// findServiceSource lists the region's databases and keeps the one the service owns.
func (r *restoreRun) findServiceSource(ctx context.Context, p *Policy) (*restoreSource, error) {
	var svc *Service
	for i := range p.Services {
		if p.Services[i].Name == r.o.Service {
			svc = &p.Services[i]
		}
	}
	if svc == nil {
		var names []string
		for _, s := range p.Services {
			names = append(names, s.Name)
		}
		return nil, restoreCannot("no service %q in the backup policy (%s); services: %s", r.o.Service, p.Source, strings.Join(names, ", "))
	}
	var found []*restoreSource
	clusters := rds.NewDescribeDBClustersPaginator(r.api, &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(PageSize)})
	for clusters.HasMorePages() {
		page, err := clusters.NextPage(ctx)
		if err != nil {
			return nil, r.apiError("DescribeDBClusters", err)
		}
		for _, c := range page.DBClusters {
			id := aws.ToString(c.DBClusterIdentifier)
			if isRestoreTest(c.TagList) || !svc.Matches(id, r.region, tagMap(c.TagList)) {
				continue
			}
			src, err := r.clusterSource(ctx, p, id)
			if err != nil {
				return nil, err
			}
			found = append(found, src)
		}
	}
	instances := rds.NewDescribeDBInstancesPaginator(r.api, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(PageSize)})
	for instances.HasMorePages() {
		page, err := instances.NextPage(ctx)
		if err != nil {
			return nil, r.apiError("DescribeDBInstances", err)
		}
		for i := range page.DBInstances {
			inst := &page.DBInstances[i]
			id := aws.ToString(inst.DBInstanceIdentifier)
			if inst.DBClusterIdentifier != nil || inst.ReadReplicaSourceDBInstanceIdentifier != nil || isRestoreTest(inst.TagList) ||
				!svc.Matches(id, r.region, tagMap(inst.TagList)) {
				continue
			}
			found = append(found, r.instanceSource(p, inst))
		}
	}
	switch len(found) {
	case 0:
		return nil, restoreFailed("service %s owns no database in %s: nothing to restore", svc.Name, r.region)
	case 1:
		return found[0], nil
	}
	var ids []string
	for _, s := range found {
		ids = append(ids, s.ID)
	}
	return nil, restoreCannot("service %s owns %d databases in %s (%s): pass --db to pick one", svc.Name, len(found), r.region, strings.Join(ids, ", "))
}

func isRestoreTest(tags []types.Tag) bool {
	_, ok := tagMap(tags)[RestoreTestTag]
	return ok
}

// choosePoint lists the restore points within the retention window and picks one.
func (r *restoreRun) choosePoint(ctx context.Context, src *restoreSource) (RestorePointChoice, error) {
	now := r.now()
	windowStart := now.Add(-time.Duration(src.Rules.RetentionDays) * 24 * time.Hour)
	var snaps []RestorePointChoice
	if r.o.Kind != KindPITR {
		var err error
		if snaps, err = r.snapshots(ctx, src); err != nil {
			return RestorePointChoice{}, err
		}
	}
	var pitr *[2]time.Time
	if r.o.Kind != KindSnapshot {
		pitr = pitrRange(src)
	}
	return ChooseRestorePoint(snaps, pitr, windowStart, now, r.o.Point, r.o.Kind, src.ID, r.rand())
}

func (r *restoreRun) rand() *mrand.Rand {
	if r.o.Rand != nil {
		return r.o.Rand
	}
	return mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
}

// pitrRange is the source's point-in-time window, nil without automated backups.
func pitrRange(src *restoreSource) *[2]time.Time {
	var earliest, latest *time.Time
	var retention int32
	if src.Cluster {
		earliest, latest, retention = src.DBCluster.EarliestRestorableTime, src.DBCluster.LatestRestorableTime, aws.ToInt32(src.DBCluster.BackupRetentionPeriod)
	} else {
		latest, retention = src.Instance.LatestRestorableTime, aws.ToInt32(src.Instance.BackupRetentionPeriod)
		if src.Instance.InstanceCreateTime != nil && latest != nil {
			e := latest.Add(-time.Duration(retention) * 24 * time.Hour)
			if src.Instance.InstanceCreateTime.After(e) {
				e = *src.Instance.InstanceCreateTime
			}
			earliest = &e
		}
	}
	if retention == 0 || latest == nil {
		return nil
	}
	if earliest == nil || earliest.After(*latest) {
		earliest = latest
	}
	return &[2]time.Time{*earliest, *latest}
}

// snapshots are the source's available snapshots of the policy's types.
func (r *restoreRun) snapshots(ctx context.Context, src *restoreSource) ([]RestorePointChoice, error) {
	var out []RestorePointChoice
	keep := func(typ, status string, t *time.Time) bool {
		return status == "available" && t != nil && slices.Contains(src.Rules.SnapshotTypes, typ)
	}
	if src.Cluster {
		pg := rds.NewDescribeDBClusterSnapshotsPaginator(r.api, &rds.DescribeDBClusterSnapshotsInput{DBClusterIdentifier: aws.String(src.ID), MaxRecords: aws.Int32(PageSize)})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, r.apiError("DescribeDBClusterSnapshots "+src.ID, err)
			}
			for _, s := range page.DBClusterSnapshots {
				if keep(aws.ToString(s.SnapshotType), aws.ToString(s.Status), s.SnapshotCreateTime) {
					out = append(out, RestorePointChoice{Kind: KindSnapshot, Snapshot: aws.ToString(s.DBClusterSnapshotIdentifier),
						SnapshotType: aws.ToString(s.SnapshotType), Time: s.SnapshotCreateTime.UTC()})
				}
			}
		}
		return out, nil
	}
	pg := rds.NewDescribeDBSnapshotsPaginator(r.api, &rds.DescribeDBSnapshotsInput{DBInstanceIdentifier: aws.String(src.ID), MaxRecords: aws.Int32(PageSize)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, r.apiError("DescribeDBSnapshots "+src.ID, err)
		}
		for _, s := range page.DBSnapshots {
			if keep(aws.ToString(s.SnapshotType), aws.ToString(s.Status), s.SnapshotCreateTime) {
				out = append(out, RestorePointChoice{Kind: KindSnapshot, Snapshot: aws.ToString(s.DBSnapshotIdentifier),
					SnapshotType: aws.ToString(s.SnapshotType), Time: s.SnapshotCreateTime.UTC()})
			}
		}
	}
	return out, nil
}

// identifiers of what a run creates.
func (r *restoreRun) targetID() string { return "muster-" + r.o.RunID }

func (r *restoreRun) tags(src *restoreSource) []types.Tag {
	t := []types.Tag{
		{Key: aws.String(RestoreTestTag), Value: aws.String(r.o.RunID)},
		{Key: aws.String(RestoreSourceTag), Value: aws.String(src.ID)},
	}
	if r.o.Keep > 0 {
		t = append(t, types.Tag{Key: aws.String(RestoreKeepTag), Value: aws.String(r.now().Add(r.o.Keep).UTC().Format(time.RFC3339))})
	}
	return t
}

// restoreSettings are what the restored copy inherits from its source: network,
// parameter and option groups, port; overrides keep it private and throw-away.
type restoreSettings struct {
	SubnetGroup    *string
	SecurityGroups []string
	ParameterGroup *string
	OptionGroup    *string
	Port           *int32
	Class          string
}

func (r *restoreRun) settings(src *restoreSource) restoreSettings {
	var s restoreSettings
	inst := src.Instance
	if inst != nil {
		if inst.DBSubnetGroup != nil {
			s.SubnetGroup = inst.DBSubnetGroup.DBSubnetGroupName
		}
		for _, g := range inst.VpcSecurityGroups {
			if g.VpcSecurityGroupId != nil {
				s.SecurityGroups = append(s.SecurityGroups, *g.VpcSecurityGroupId)
			}
		}
		if len(inst.DBParameterGroups) > 0 {
			s.ParameterGroup = inst.DBParameterGroups[0].DBParameterGroupName
		}
		if len(inst.OptionGroupMemberships) > 0 && !strings.HasPrefix(aws.ToString(inst.OptionGroupMemberships[0].OptionGroupName), "default:") {
			s.OptionGroup = inst.OptionGroupMemberships[0].OptionGroupName
		}
		if inst.Endpoint != nil && inst.Endpoint.Port != nil {
			s.Port = inst.Endpoint.Port
		} else {
			s.Port = inst.DbInstancePort
		}
	}
	if c := src.DBCluster; c != nil {
		s.SubnetGroup = c.DBSubnetGroup
		s.SecurityGroups = nil
		for _, g := range c.VpcSecurityGroups {
			if g.VpcSecurityGroupId != nil {
				s.SecurityGroups = append(s.SecurityGroups, *g.VpcSecurityGroupId)
			}
		}
		s.Port = c.Port
	}
	sourceClass := ""
	if inst != nil {
		sourceClass = aws.ToString(inst.DBInstanceClass)
	}
	switch {
	case r.o.InstanceClass != "":
		s.Class = r.o.InstanceClass
	case src.Rules.Restore.InstanceClass != "":
		s.Class = src.Rules.Restore.InstanceClass
	default:
		s.Class = RestoreClass(sourceClass)
	}
	if s.Class == "" {
		s.Class = "db.t3.medium"
	}
	return s
}

// RestoreClass is the default class of a restored copy: the source's family (same
// architecture and engine support) at size large when the source is bigger, since
// every m and r family of RDS and Aurora offers large; other families (burstable t,
// serverless, x1 from 16xlarge) are kept as they are.
func RestoreClass(source string) string {
	parts := strings.Split(source, ".")
	if len(parts) != 3 || parts[0] != "db" {
		return source
	}
	family, size := parts[1], parts[2]
	if family == "" || (family[0] != 'm' && family[0] != 'r') {
		return source
	}
	if size == "large" || size == "medium" || size == "small" {
		return source
	}
	return "db." + family + ".large"
}

// restore asks RDS for the copy and records what may now exist.
func (r *restoreRun) restore(ctx context.Context, src *restoreSource, point RestorePointChoice) error {
	s := r.settings(src)
	target := r.targetID()
	tags := r.tags(src)
	r.res.Restored = RestoredCopy{Class: s.Class}
	r.res.Requested = r.now().UTC()
	if src.Cluster {
		r.res.Restored.Cluster = target
		r.created = append(r.created, createdResource{ID: target, Cluster: true})
		var err error
		if point.Kind == KindSnapshot {
			_, err = r.api.RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{
				DBClusterIdentifier: aws.String(target), SnapshotIdentifier: aws.String(point.Snapshot),
				Engine: aws.String(src.Engine), EngineVersion: aws.String(src.Version),
				DBSubnetGroupName: s.SubnetGroup, VpcSecurityGroupIds: s.SecurityGroups,
				DBClusterParameterGroupName: src.DBCluster.DBClusterParameterGroup, Port: s.Port,
				DeletionProtection: aws.Bool(false), CopyTagsToSnapshot: aws.Bool(false), Tags: tags,
				ServerlessV2ScalingConfiguration: scalingOf(src.DBCluster),
			})
		} else {
			in := &rds.RestoreDBClusterToPointInTimeInput{
				DBClusterIdentifier: aws.String(target), SourceDBClusterIdentifier: aws.String(src.ID),
				RestoreType:       aws.String("copy-on-write"),
				DBSubnetGroupName: s.SubnetGroup, VpcSecurityGroupIds: s.SecurityGroups,
				DBClusterParameterGroupName: src.DBCluster.DBClusterParameterGroup, Port: s.Port,
				DeletionProtection: aws.Bool(false), CopyTagsToSnapshot: aws.Bool(false), Tags: tags,
				ServerlessV2ScalingConfiguration: scalingOf(src.DBCluster),
			}
			if point.Latest {
				in.UseLatestRestorableTime = aws.Bool(true)
			} else {
				in.RestoreToTime = aws.Time(point.Time)
			}
			_, err = r.api.RestoreDBClusterToPointInTime(ctx, in)
		}
		if err != nil {
			return r.restoreRefused(src, err)
		}
		member := target + "-1"
		r.res.Restored.Instance = member
		r.created = append(r.created, createdResource{ID: member})
		_, err = r.api.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(member), DBClusterIdentifier: aws.String(target),
			Engine: aws.String(src.Engine), DBInstanceClass: aws.String(s.Class),
			PubliclyAccessible: aws.Bool(false), AutoMinorVersionUpgrade: aws.Bool(false),
			DBParameterGroupName: s.ParameterGroup, Tags: tags,
		})
		if err != nil {
			return r.restoreRefused(src, err)
		}
		r.res.Started = r.now().UTC()
		return nil
	}
	r.res.Restored.Instance = target
	r.created = append(r.created, createdResource{ID: target})
	var err error
	if point.Kind == KindSnapshot {
		_, err = r.api.RestoreDBInstanceFromDBSnapshot(ctx, &rds.RestoreDBInstanceFromDBSnapshotInput{
			DBInstanceIdentifier: aws.String(target), DBSnapshotIdentifier: aws.String(point.Snapshot),
			DBInstanceClass: aws.String(s.Class), DBSubnetGroupName: s.SubnetGroup, VpcSecurityGroupIds: s.SecurityGroups,
			DBParameterGroupName: s.ParameterGroup, OptionGroupName: s.OptionGroup, Port: s.Port,
			PubliclyAccessible: aws.Bool(false), MultiAZ: aws.Bool(false), DeletionProtection: aws.Bool(false),
			AutoMinorVersionUpgrade: aws.Bool(false), CopyTagsToSnapshot: aws.Bool(false), Tags: tags,
		})
	} else {
		in := &rds.RestoreDBInstanceToPointInTimeInput{
			TargetDBInstanceIdentifier: aws.String(target), SourceDBInstanceIdentifier: aws.String(src.ID),
			DBInstanceClass: aws.String(s.Class), DBSubnetGroupName: s.SubnetGroup, VpcSecurityGroupIds: s.SecurityGroups,
			DBParameterGroupName: s.ParameterGroup, OptionGroupName: s.OptionGroup, Port: s.Port,
			PubliclyAccessible: aws.Bool(false), MultiAZ: aws.Bool(false), DeletionProtection: aws.Bool(false),
			AutoMinorVersionUpgrade: aws.Bool(false), CopyTagsToSnapshot: aws.Bool(false), Tags: tags,
		}
		if point.Latest {
			in.UseLatestRestorableTime = aws.Bool(true)
		} else {
			in.RestoreTime = aws.Time(point.Time)
		}
		_, err = r.api.RestoreDBInstanceToPointInTime(ctx, in)
	}
	if err != nil {
		return r.restoreRefused(src, err)
	}
	r.res.Started = r.now().UTC()
	return nil
}

func scalingOf(c *types.DBCluster) *types.ServerlessV2ScalingConfiguration {
	if c == nil || c.ServerlessV2ScalingConfiguration == nil {
		return nil
	}
	i := c.ServerlessV2ScalingConfiguration
	return &types.ServerlessV2ScalingConfiguration{MinCapacity: i.MinCapacity, MaxCapacity: i.MaxCapacity}
}

// restoreRefused explains a refused restore call: quota, missing subnet group, access.
func (r *restoreRun) restoreRefused(src *restoreSource, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := untrusted.Line(ae.ErrorCode())
		msg := untrusted.Line(ae.ErrorMessage())
		switch code {
		case "InstanceQuotaExceeded", "StorageQuotaExceeded", "DBClusterQuotaExceededFault", "InsufficientDBInstanceCapacity", "InsufficientDBClusterCapacityFault":
			return restoreCannot("restore of %s in %s refused, quota or capacity (%s): %s", src.ID, r.region, code, msg)
		case "DBSubnetGroupNotFoundFault", "DBSubnetGroupNotFound":
			return restoreCannot("restore of %s in %s refused: its subnet group no longer exists (%s): %s; pass a subnet group in the policy or restore elsewhere", src.ID, r.region, code, msg)
		}
		return restoreCannot("restore of %s in %s refused (%s): %s", src.ID, r.region, code, msg)
	}
	if errors.Is(err, context.Canceled) {
		return restoreCannot("restore of %s interrupted", src.ID)
	}
	return restoreCannot("restore of %s in %s: %s", src.ID, r.region, untrusted.Line(err.Error()))
}

func (r *restoreRun) apiError(call string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return restoreCannot("%s in %s refused (%s): %s", call, r.region, untrusted.Line(ae.ErrorCode()), untrusted.Line(ae.ErrorMessage()))
	}
	return restoreCannot("%s in %s: %s", call, r.region, untrusted.Line(err.Error()))
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "DBInstanceNotFound", "DBInstanceNotFoundFault", "DBClusterNotFoundFault", "DBClusterNotFound":
		return true
	}
	return false
}

// failedStates are RDS statuses a restore never leaves on its own.
var failedStates = []string{"failed", "incompatible-restore", "incompatible-parameters", "incompatible-network",
	"incompatible-option-group", "storage-full", "inaccessible-encryption-credentials", "restore-error"}

// endpoint is where the restored copy answers.
type endpoint struct {
	Host     string
	Port     int32
	User     string
	Database string
}

// waitAvailable polls until the restored copy is available (for a cluster: the
// cluster and its instance), reporting progress; parent tells a timeout from Ctrl+C.
func (r *restoreRun) waitAvailable(ctx, parent context.Context, src *restoreSource) (endpoint, error) {
	var ep endpoint
	for {
		status, e, err := r.status(ctx)
		if err != nil {
			return ep, r.waitError(ctx, parent, "waiting for "+r.res.Restored.Instance, err)
		}
		if r.o.Progress != nil {
			r.o.Progress(RestoreProgress{Resource: r.res.Restored.Instance, Status: status, Elapsed: r.now().Sub(r.res.Requested), RTO: r.rto})
		}
		if slices.Contains(failedStates, status) {
			return ep, restoreFailed("restored copy %s of %s went to status %q: the backup does not restore", r.res.Restored.Instance, src.ID, status)
		}
		if status == "available" {
			r.res.Available = r.now().UTC()
			return e, nil
		}
		select {
		case <-ctx.Done():
			return ep, r.waitError(ctx, parent, "waiting for "+r.res.Restored.Instance+" (status "+status+")", ctx.Err())
		case <-time.After(r.o.Poll):
		}
	}
}

// status is the restored copy's status ("available" only when the cluster is too) and
// its endpoint.
func (r *restoreRun) status(ctx context.Context) (string, endpoint, error) {
	var ep endpoint
	out, err := r.api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(r.res.Restored.Instance)})
	if err != nil {
		return "", ep, err
	}
	if len(out.DBInstances) != 1 {
		return "", ep, fmt.Errorf("DescribeDBInstances %s returned %d instances", r.res.Restored.Instance, len(out.DBInstances))
	}
	inst := out.DBInstances[0]
	status := aws.ToString(inst.DBInstanceStatus)
	ep.User, ep.Database = aws.ToString(inst.MasterUsername), aws.ToString(inst.DBName)
	if inst.Endpoint != nil {
		ep.Host, ep.Port = aws.ToString(inst.Endpoint.Address), aws.ToInt32(inst.Endpoint.Port)
	}
	if c := r.res.Restored.Cluster; c != "" {
		cout, err := r.api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(c)})
		if err != nil {
			return "", ep, err
		}
		if len(cout.DBClusters) == 1 {
			cl := cout.DBClusters[0]
			if cs := aws.ToString(cl.Status); cs != "available" && status == "available" {
				status = cs
			}
			ep.User, ep.Database = aws.ToString(cl.MasterUsername), aws.ToString(cl.DatabaseName)
			if cl.Endpoint != nil {
				ep.Host, ep.Port = aws.ToString(cl.Endpoint), aws.ToInt32(cl.Port)
			}
		}
	}
	return untrusted.Line(status), ep, nil
}

// waitError tells a timeout (the copy was too slow: RTO missed when the timeout is at
// least the RTO) from an interruption and from an API error.
func (r *restoreRun) waitError(ctx, parent context.Context, what string, err error) error {
	switch {
	case parent.Err() != nil:
		return restoreCannot("interrupted while %s: everything created is deleted", what)
	case ctx.Err() != nil:
		if r.rto > 0 && r.o.Timeout >= r.rto {
			r.res.RTOMet = new(bool)
			return restoreFailed("timed out after %s %s: RTO %s missed", r.o.Timeout, what, r.rto)
		}
		return restoreCannot("timed out after %s %s (raise --timeout)", r.o.Timeout, what)
	}
	return r.apiError(what, err)
}

// cleanup deletes what the run created (skip final snapshot, delete automated
// backups), unless --keep; a deletion that fails becomes an orphan with the command
// that deletes it.
func (r *restoreRun) cleanup(ctx context.Context) {
	if len(r.created) == 0 {
		return
	}
	if r.o.Keep > 0 && !r.res.Available.IsZero() {
		until := r.now().Add(r.o.Keep).UTC()
		r.res.Cleanup.KeptUntil = &until
		for _, c := range r.created {
			r.res.Cleanup.Kept = append(r.res.Cleanup.Kept, c.ID)
		}
		r.res.Cleanup.Command = fmt.Sprintf("muster backup restore-test cleanup --region %s --run %s", r.region, r.o.RunID)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	// Instances first: a cluster is deleted once its members are.
	for _, c := range slices.Backward(r.created) {
		deleteResource(ctx, r.api, r.region, c, r.o.Poll, &r.res.Cleanup)
	}
}

// deleteResource deletes one instance or cluster made by a restore test; not found
// counts as deleted (the call that would have created it failed).
// A resource in a state that refuses deletion (still creating, modifying, a cluster
// whose member is on its way out) is retried every poll until ctx ends.
func deleteResource(ctx context.Context, api RestoreAPI, region string, c createdResource, poll time.Duration, out *RestoreCleanup) {
	var err error
	for {
		if c.Cluster {
			_, err = api.DeleteDBCluster(ctx, &rds.DeleteDBClusterInput{DBClusterIdentifier: aws.String(c.ID), SkipFinalSnapshot: aws.Bool(true), DeleteAutomatedBackups: aws.Bool(true)})
		} else {
			_, err = api.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: aws.String(c.ID), SkipFinalSnapshot: aws.Bool(true), DeleteAutomatedBackups: aws.Bool(true)})
		}
		if !isBusy(err) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
			continue
		}
		break
	}
	switch {
	case err == nil:
		out.Deleted = append(out.Deleted, c.ID)
	case isNotFound(err) || isAlreadyDeleting(err):
		// never created, or already on its way out
	default:
		o := Orphan{Resource: c.ID, Kind: unitKind(c.Cluster), Region: region, Error: untrusted.Line(err.Error())}
		if c.Cluster {
			o.Command = fmt.Sprintf("aws rds delete-db-cluster --region %s --db-cluster-identifier %s --skip-final-snapshot --delete-automated-backups", region, c.ID)
		} else {
			o.Command = fmt.Sprintf("aws rds delete-db-instance --region %s --db-instance-identifier %s --skip-final-snapshot --delete-automated-backups", region, c.ID)
		}
		out.Orphans = append(out.Orphans, o)
	}
}

func isBusy(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "InvalidDBInstanceState", "InvalidDBInstanceStateFault", "InvalidDBClusterStateFault", "DBClusterToBeDeletedHasActiveMembers":
		return !strings.Contains(ae.ErrorMessage(), "already being deleted")
	}
	return false
}

func isAlreadyDeleting(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(ae.ErrorMessage(), "already being deleted")
}

// RestoreTestIAMActions are the IAM actions restore-test and cleanup use (README's
// policy lists exactly these; a test keeps them in step with RestoreAPI).
var RestoreTestIAMActions = []string{
	"rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
	"rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBInstanceToPointInTime",
	"rds:RestoreDBClusterFromSnapshot", "rds:RestoreDBClusterToPointInTime", "rds:CreateDBInstance",
	"rds:AddTagsToResource", // tagging on create
	"rds:ModifyDBInstance", "rds:ModifyDBCluster", "rds:DeleteDBInstance", "rds:DeleteDBCluster",
}
