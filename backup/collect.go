package backup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/muster-ir/muster/backup/policy"
	"github.com/muster-ir/muster/internal/awserr"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// API is the part of the RDS client the inventory uses; *rds.Client implements it and
// tests may fake it.
type API interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	rds.DescribeDBInstanceAutomatedBackupsAPIClient
	rds.DescribeEventSubscriptionsAPIClient
	DescribeDBSnapshotAttributes(context.Context, *rds.DescribeDBSnapshotAttributesInput, ...func(*rds.Options)) (*rds.DescribeDBSnapshotAttributesOutput, error)
	DescribeDBClusterSnapshotAttributes(context.Context, *rds.DescribeDBClusterSnapshotAttributesInput, ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotAttributesOutput, error)
}

// PageSize is the MaxRecords of every list call: the API's maximum, so a region costs
// one request per 100 records per API.
const PageSize = 100

// CollectOptions bound the inventory's concurrency.
type CollectOptions struct {
	RegionConcurrency    int              // regions listed at once; default 4
	AttributeConcurrency int              // snapshot attribute look-ups at once, over all regions; default 4
	Now                  func() time.Time // stamps Inventory.ReadAt; default time.Now
	Progress             *Progress        // counts regions done; nil: none
	// Slots, when set, bounds the regions read at once across several Collect calls
	// (a run over accounts) instead of RegionConcurrency.
	Slots *semaphore.Weighted
}

// Collect reads the inventory of regions (databases, snapshots, automated backups,
// event subscriptions) and of copyRegions (snapshots, automated backups and clusters,
// to find copies). Regions run in parallel within the bound; every failed call is
// recorded as an InventoryError and the rest carries on. The context bounds the run.
func Collect(ctx context.Context, client func(region string) API, regions, copyRegions []string, o CollectOptions) Inventory {
	if o.RegionConcurrency <= 0 {
		o.RegionConcurrency = 4
	}
	if o.AttributeConcurrency <= 0 {
		o.AttributeConcurrency = 4
	}
	c := &collector{attrSem: semaphore.NewWeighted(int64(o.AttributeConcurrency))}
	if o.Now == nil {
		o.Now = time.Now
	}
	c.inv.ReadAt = o.Now().UTC()
	c.inv.Regions = append([]string{}, regions...)
	for _, r := range copyRegions {
		if !slices.Contains(regions, r) && !slices.Contains(c.inv.CopyRegions, r) {
			c.inv.CopyRegions = append(c.inv.CopyRegions, r)
		}
	}
	var g errgroup.Group
	g.SetLimit(o.RegionConcurrency)
	o.Progress.addRegions(len(c.inv.Regions) + len(c.inv.CopyRegions))
	read := func(r string, copyOnly bool) func() error {
		return func() error {
			if o.Slots != nil {
				if err := o.Slots.Acquire(ctx, 1); err != nil {
					for _, op := range []string{OpDescribeDBInstances, OpDescribeDBClusters} {
						c.fail(ctx, r, op, "", err)
					}
					o.Progress.regionDone()
					return nil
				}
				defer o.Slots.Release(1)
			}
			c.region(ctx, client(r), r, copyOnly)
			o.Progress.regionDone()
			return nil
		}
	}
	for _, r := range c.inv.Regions {
		g.Go(read(r, false))
	}
	for _, r := range c.inv.CopyRegions {
		g.Go(read(r, true))
	}
	_ = g.Wait()
	c.sort()
	return c.inv
}

type collector struct {
	attrSem *semaphore.Weighted
	mu      sync.Mutex
	inv     Inventory
}

// fail records a failed call; ctx carries the call's cause (see withCause).
func (c *collector) fail(ctx context.Context, region, op, target string, err error) {
	last, _ := ctx.Value(causeKey{}).(*cause)
	ie := inventoryError(region, op, target, err, last.last())
	c.mu.Lock()
	c.inv.Errors = append(c.inv.Errors, ie)
	c.mu.Unlock()
}

// region lists one region; copyOnly regions skip instances and subscriptions.
func (c *collector) region(ctx context.Context, api API, region string, copyOnly bool) {
	var wg sync.WaitGroup
	run := func(f func(context.Context, API, string)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx, api, region) }()
	}
	if !copyOnly {
		run(c.instances)
		run(c.subscriptions)
	}
	run(c.clusters)
	run(c.snapshots)
	run(c.clusterSnapshots)
	run(c.automatedBackups)
	wg.Wait()
}

func (c *collector) instances(ctx context.Context, api API, region string) {
	ctx, _ = withCause(ctx)
	p := rds.NewDescribeDBInstancesPaginator(api, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(PageSize)},
		func(o *rds.DescribeDBInstancesPaginatorOptions) { o.Limit = PageSize; o.StopOnDuplicateToken = true })
	var out []Instance
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, region, OpDescribeDBInstances, "", err)
			return
		}
		for i := range page.DBInstances {
			out = append(out, instanceFrom(region, &page.DBInstances[i]))
		}
	}
	c.mu.Lock()
	c.inv.Instances = append(c.inv.Instances, out...)
	c.mu.Unlock()
}

func (c *collector) clusters(ctx context.Context, api API, region string) {
	ctx, _ = withCause(ctx)
	p := rds.NewDescribeDBClustersPaginator(api, &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(PageSize)},
		func(o *rds.DescribeDBClustersPaginatorOptions) { o.Limit = PageSize; o.StopOnDuplicateToken = true })
	var out []Cluster
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, region, OpDescribeDBClusters, "", err)
			return
		}
		for i := range page.DBClusters {
			out = append(out, clusterFrom(region, &page.DBClusters[i]))
		}
	}
	c.mu.Lock()
	c.inv.Clusters = append(c.inv.Clusters, out...)
	c.mu.Unlock()
}

func (c *collector) snapshots(ctx context.Context, api API, region string) {
	ctx, _ = withCause(ctx)
	// Without a type RDS lists only automated and manual snapshots; the filter adds
	// AWS Backup's in the same pages.
	in := &rds.DescribeDBSnapshotsInput{
		MaxRecords: aws.Int32(PageSize),
		Filters:    []types.Filter{{Name: aws.String("snapshot-type"), Values: policy.SnapshotTypes()}},
	}
	p := rds.NewDescribeDBSnapshotsPaginator(api, in,
		func(o *rds.DescribeDBSnapshotsPaginatorOptions) { o.Limit = PageSize; o.StopOnDuplicateToken = true })
	var out []Snapshot
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, region, OpDescribeDBSnapshots, "", err)
			return
		}
		for i := range page.DBSnapshots {
			out = append(out, snapshotFrom(region, &page.DBSnapshots[i]))
		}
	}
	c.attributes(ctx, api, region, out)
	c.mu.Lock()
	c.inv.Snapshots = append(c.inv.Snapshots, out...)
	c.mu.Unlock()
}

func (c *collector) clusterSnapshots(ctx context.Context, api API, region string) {
	ctx, _ = withCause(ctx)
	p := rds.NewDescribeDBClusterSnapshotsPaginator(api, &rds.DescribeDBClusterSnapshotsInput{MaxRecords: aws.Int32(PageSize)},
		func(o *rds.DescribeDBClusterSnapshotsPaginatorOptions) {
			o.Limit = PageSize
			o.StopOnDuplicateToken = true
		})
	var out []Snapshot
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, region, OpDescribeDBClusterSnapshots, "", err)
			return
		}
		for i := range page.DBClusterSnapshots {
			out = append(out, clusterSnapshotFrom(region, &page.DBClusterSnapshots[i]))
		}
	}
	c.attributes(ctx, api, region, out)
	c.mu.Lock()
	c.inv.Snapshots = append(c.inv.Snapshots, out...)
	c.mu.Unlock()
}

// attributes reads who may restore each manual snapshot, a bounded number at a time
// (the per-snapshot fan-out is what gets accounts throttled).
func (c *collector) attributes(ctx context.Context, api API, region string, snaps []Snapshot) {
	var wg sync.WaitGroup
	for i := range snaps {
		s := &snaps[i]
		if !strings.EqualFold(s.Type, SnapshotManual) || excludedEngine(s.Engine) {
			continue
		}
		if err := c.attrSem.Acquire(ctx, 1); err != nil {
			s.Attributes = AttributesFailed
			c.fail(ctx, region, attributeOp(s), s.ID, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.attrSem.Release(1)
			c.attribute(ctx, api, region, s)
		}()
	}
	wg.Wait()
}

func attributeOp(s *Snapshot) string {
	if s.Cluster {
		return OpDescribeDBClusterSnapshotAttributes
	}
	return OpDescribeDBSnapshotAttributes
}

func (c *collector) attribute(ctx context.Context, api API, region string, s *Snapshot) {
	ctx, _ = withCause(ctx)
	var attrs []struct {
		name   string
		values []string
	}
	var err error
	if s.Cluster {
		var out *rds.DescribeDBClusterSnapshotAttributesOutput
		out, err = api.DescribeDBClusterSnapshotAttributes(ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: aws.String(s.ID)})
		if err == nil && out.DBClusterSnapshotAttributesResult != nil {
			for _, a := range out.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes {
				attrs = append(attrs, struct {
					name   string
					values []string
				}{aws.ToString(a.AttributeName), a.AttributeValues})
			}
		}
	} else {
		var out *rds.DescribeDBSnapshotAttributesOutput
		out, err = api.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: aws.String(s.ID)})
		if err == nil && out.DBSnapshotAttributesResult != nil {
			for _, a := range out.DBSnapshotAttributesResult.DBSnapshotAttributes {
				attrs = append(attrs, struct {
					name   string
					values []string
				}{aws.ToString(a.AttributeName), a.AttributeValues})
			}
		}
	}
	if err != nil {
		if snapshotGone(err) {
			s.Attributes = AttributesGone
			return
		}
		s.Attributes = AttributesFailed
		c.fail(ctx, region, attributeOp(s), s.ID, err)
		return
	}
	s.Attributes = AttributesRead
	for _, a := range attrs {
		if strings.EqualFold(a.name, "restore") {
			for _, v := range a.values {
				s.Restore = append(s.Restore, untrusted.Line(v))
			}
		}
	}
}

// snapshotGone reports the "deleted between list and look-up" answer.
func snapshotGone(err error) bool {
	var nf *types.DBSnapshotNotFoundFault
	var cnf *types.DBClusterSnapshotNotFoundFault
	if errors.As(err, &nf) || errors.As(err, &cnf) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "DBSnapshotNotFound", "DBSnapshotNotFoundFault", "DBClusterSnapshotNotFoundFault", "DBClusterSnapshotNotFound":
			return true
		}
	}
	return false
}

func (c *collector) automatedBackups(ctx context.Context, api API, region string) {
	ctx, _ = withCause(ctx)
	p := rds.NewDescribeDBInstanceAutomatedBackupsPaginator(api, &rds.DescribeDBInstanceAutomatedBackupsInput{MaxRecords: aws.Int32(PageSize)},
		func(o *rds.DescribeDBInstanceAutomatedBackupsPaginatorOptions) {
			o.Limit = PageSize
			o.StopOnDuplicateToken = true
		})
	var out []AutomatedBackup
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, region, OpDescribeDBInstanceAutomatedBackups, "", err)
			return
		}
		for i := range page.DBInstanceAutomatedBackups {
			out = append(out, automatedBackupFrom(region, &page.DBInstanceAutomatedBackups[i]))
		}
	}
	c.mu.Lock()
	c.inv.AutomatedBackups = append(c.inv.AutomatedBackups, out...)
	c.mu.Unlock()
}

func (c *collector) subscriptions(ctx context.Context, api API, region string) {
	ctx, _ = withCause(ctx)
	p := rds.NewDescribeEventSubscriptionsPaginator(api, &rds.DescribeEventSubscriptionsInput{MaxRecords: aws.Int32(PageSize)},
		func(o *rds.DescribeEventSubscriptionsPaginatorOptions) {
			o.Limit = PageSize
			o.StopOnDuplicateToken = true
		})
	var out []Subscription
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			c.fail(ctx, region, OpDescribeEventSubscriptions, "", err)
			return
		}
		for _, s := range page.EventSubscriptionsList {
			out = append(out, Subscription{
				Region: region, Name: line(s.CustSubscriptionId), SourceType: line(s.SourceType),
				Status: line(s.Status), Enabled: aws.ToBool(s.Enabled),
				SourceIDs: lines(s.SourceIdsList), Categories: lines(s.EventCategoriesList),
			})
		}
	}
	c.mu.Lock()
	c.inv.Subscriptions = append(c.inv.Subscriptions, out...)
	c.mu.Unlock()
}

// sort makes the inventory independent of the order goroutines finished in.
func (c *collector) sort() {
	inv := &c.inv
	slices.SortStableFunc(inv.Instances, func(a, b Instance) int { return strings.Compare(a.Region+"\x00"+a.ID, b.Region+"\x00"+b.ID) })
	slices.SortStableFunc(inv.Clusters, func(a, b Cluster) int { return strings.Compare(a.Region+"\x00"+a.ID, b.Region+"\x00"+b.ID) })
	slices.SortStableFunc(inv.Snapshots, func(a, b Snapshot) int {
		return strings.Compare(a.Region+"\x00"+kindKey(a.Cluster)+a.ID, b.Region+"\x00"+kindKey(b.Cluster)+b.ID)
	})
	slices.SortStableFunc(inv.AutomatedBackups, func(a, b AutomatedBackup) int {
		return strings.Compare(a.Region+"\x00"+a.ARN+a.InstanceID, b.Region+"\x00"+b.ARN+b.InstanceID)
	})
	slices.SortStableFunc(inv.Subscriptions, func(a, b Subscription) int { return strings.Compare(a.Region+"\x00"+a.Name, b.Region+"\x00"+b.Name) })
	slices.SortStableFunc(inv.Errors, func(a, b InventoryError) int {
		return strings.Compare(a.Region+"\x00"+a.Operation+"\x00"+a.Target, b.Region+"\x00"+b.Operation+"\x00"+b.Target)
	})
}

// inventoryError explains a failed call: AccessDenied with the IAM action it needs,
// throttling after the retries ran out, a refused connection, a timeout with the cause
// it was retrying (last, the error of the call's latest attempt, may be nil).
func inventoryError(region, op, target string, err, last error) InventoryError {
	ie := InventoryError{Region: region, Operation: op, Target: target, Action: "rds:" + op}
	attempts := ""
	var mae *retry.MaxAttemptsError
	if errors.As(err, &mae) {
		attempts = fmt.Sprintf(" (gave up after %d attempts)", mae.Attempt)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		ie.Code, ie.Message = "timeout", "the run's time limit ran out before RDS answered (raise --timeout)"
		if last != nil && !errors.Is(last, context.DeadlineExceeded) && !errors.Is(last, context.Canceled) {
			ie.Message = "the run's time limit ran out while retrying after " + describeCause(last) + " (raise --timeout)"
		}
	case errors.Is(err, context.Canceled):
		ie.Code, ie.Message = "canceled", "the run was canceled"
	default:
		classify(&ie, err)
	}
	if ie.Message == "" {
		ie.Message = err.Error()
	}
	ie.Message = clip(untrusted.Line(ie.Message+attempts), 400)
	ie.Code = clip(untrusted.Line(ie.Code), 80)
	return ie
}

// classify sets the code and message of a failed attempt that was not cut short.
func classify(ie *InventoryError, err error) {
	var ae smithy.APIError
	var de *smithy.DeserializationError
	status := awserr.Status(err)
	if code, msg, ok := awserr.Unfixable(err); ok {
		ie.Code, ie.Message = code, msg
		return
	}
	switch {
	case errors.As(err, &ae) && ae.ErrorCode() != "" && ae.ErrorCode() != "UnknownError":
		ie.Code, ie.Message = ae.ErrorCode(), ae.ErrorMessage()
	case status == 403:
		// A proxy, a WAF or an SCP page: the body is no AWS error, the status says it.
		ie.Code, ie.Message = "AccessDenied", "HTTP 403 Forbidden, with an error body that is not an AWS error"
	case errors.As(err, &de):
		ie.Code, ie.Message = "unreadable-response", "RDS's answer could not be read: "+de.Err.Error()
	case status > 0:
		ie.Code, ie.Message = fmt.Sprintf("HTTP %d", status), err.Error()
	case errors.As(err, &ae):
		ie.Code, ie.Message = ae.ErrorCode(), ae.ErrorMessage()
	default:
		ie.Code, ie.Message = "request-failed", err.Error()
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func line(p *string) string { return untrusted.Line(aws.ToString(p)) }

func lines(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = untrusted.Line(s)
	}
	return out
}

func intp(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func boolp(p *bool) *bool {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func tags(in []types.Tag) map[string]string {
	if len(in) == 0 {
		return nil
	}
	m := make(map[string]string, len(in))
	for _, t := range in {
		m[line(t.Key)] = line(t.Value)
	}
	return m
}

func instanceFrom(region string, d *types.DBInstance) Instance {
	in := Instance{
		Region: region, ID: line(d.DBInstanceIdentifier), ARN: line(d.DBInstanceArn),
		ResourceID: line(d.DbiResourceId), Engine: line(d.Engine), Status: line(d.DBInstanceStatus),
		ClusterID: line(d.DBClusterIdentifier), Retention: intp(d.BackupRetentionPeriod),
		LatestRestorable: aws.ToTime(d.LatestRestorableTime), Created: aws.ToTime(d.InstanceCreateTime),
		StorageEncrypted: boolp(d.StorageEncrypted), EncryptionType: untrusted.Line(string(d.StorageEncryptionType)),
		KMSKeyID: line(d.KmsKeyId), Tags: tags(d.TagList),
	}
	in.ReplicaOf = line(d.ReadReplicaSourceDBInstanceIdentifier)
	if in.ReplicaOf == "" {
		in.ReplicaOf = line(d.ReadReplicaSourceDBClusterIdentifier)
	}
	for _, r := range d.DBInstanceAutomatedBackupsReplications {
		if a := line(r.DBInstanceAutomatedBackupsArn); a != "" {
			in.Replications = append(in.Replications, a)
		}
	}
	return in
}

func clusterFrom(region string, d *types.DBCluster) Cluster {
	c := Cluster{
		Region: region, ID: line(d.DBClusterIdentifier), ARN: line(d.DBClusterArn),
		ResourceID: line(d.DbClusterResourceId), Engine: line(d.Engine), Status: line(d.Status),
		ReplicaOf: line(d.ReplicationSourceIdentifier), GlobalClusterID: line(d.GlobalClusterIdentifier),
		Retention:          intp(d.BackupRetentionPeriod),
		EarliestRestorable: aws.ToTime(d.EarliestRestorableTime), LatestRestorable: aws.ToTime(d.LatestRestorableTime),
		Created: aws.ToTime(d.ClusterCreateTime), StorageEncrypted: boolp(d.StorageEncrypted),
		EncryptionType: untrusted.Line(string(d.StorageEncryptionType)), KMSKeyID: line(d.KmsKeyId), Tags: tags(d.TagList),
	}
	for _, m := range d.DBClusterMembers {
		if id := line(m.DBInstanceIdentifier); id != "" {
			c.Members = append(c.Members, id)
		}
	}
	return c
}

func snapshotFrom(region string, d *types.DBSnapshot) Snapshot {
	s := Snapshot{
		Region: region, ID: line(d.DBSnapshotIdentifier), ARN: line(d.DBSnapshotArn),
		SourceID: line(d.DBInstanceIdentifier), ResourceID: line(d.DbiResourceId),
		SourceCreated: aws.ToTime(d.InstanceCreateTime), Engine: line(d.Engine), Type: line(d.SnapshotType),
		Status: line(d.Status), Created: aws.ToTime(d.SnapshotCreateTime), OriginalCreated: aws.ToTime(d.OriginalSnapshotCreateTime),
		Encrypted: boolp(d.Encrypted), EncryptionType: untrusted.Line(string(d.StorageEncryptionType)),
		KMSKeyID: line(d.KmsKeyId), SourceRegion: line(d.SourceRegion), SourceSnapshot: line(d.SourceDBSnapshotIdentifier),
		PercentProgress: intp(d.PercentProgress),
	}
	return s
}

func clusterSnapshotFrom(region string, d *types.DBClusterSnapshot) Snapshot {
	return Snapshot{
		Region: region, Cluster: true, ID: line(d.DBClusterSnapshotIdentifier), ARN: line(d.DBClusterSnapshotArn),
		SourceID: line(d.DBClusterIdentifier), ResourceID: line(d.DbClusterResourceId),
		SourceCreated: aws.ToTime(d.ClusterCreateTime), Engine: line(d.Engine), Type: line(d.SnapshotType),
		Status: line(d.Status), Created: aws.ToTime(d.SnapshotCreateTime),
		Encrypted: boolp(d.StorageEncrypted), EncryptionType: untrusted.Line(string(d.StorageEncryptionType)),
		KMSKeyID: line(d.KmsKeyId), SourceSnapshot: line(d.SourceDBClusterSnapshotArn),
		PercentProgress: intp(d.PercentProgress),
	}
}

func automatedBackupFrom(region string, d *types.DBInstanceAutomatedBackup) AutomatedBackup {
	a := AutomatedBackup{
		Region: region, ARN: line(d.DBInstanceAutomatedBackupsArn), InstanceID: line(d.DBInstanceIdentifier),
		ResourceID: line(d.DbiResourceId), SourceARN: line(d.DBInstanceArn), Status: line(d.Status),
		Retention: intp(d.BackupRetentionPeriod), Encrypted: boolp(d.Encrypted),
	}
	if d.RestoreWindow != nil {
		a.Earliest = aws.ToTime(d.RestoreWindow.EarliestTime)
		a.Latest = aws.ToTime(d.RestoreWindow.LatestTime)
	}
	return a
}
