package backup

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// CleanupOptions select the leftovers `restore-test cleanup` deletes.
type CleanupOptions struct {
	Profile    string
	Region     string
	OlderThan  time.Duration // only resources created longer ago than this
	RunID      string        // only this run's resources (also when kept)
	Client     RestoreAPI
	HTTPClient aws.HTTPClient
	Poll       time.Duration // between retries of a deletion refused for the state; default 15 s
	Now        func() time.Time
}

// Leftover is a resource tagged muster:restore-test found by cleanup.
type Leftover struct {
	Resource  string     `json:"resource"`
	Kind      string     `json:"kind"`
	RunID     string     `json:"run_id"`
	Created   *time.Time `json:"created,omitempty"`
	KeptUntil *time.Time `json:"kept_until,omitempty"`
	Action    string     `json:"action"` // deleted, skipped (too young or kept), failed
	Reason    string     `json:"reason,omitempty"`
}

// CleanupReport is what cleanup found and did; Orphans are the deletions that failed.
type CleanupReport struct {
	Region    string         `json:"region"`
	Leftovers []Leftover     `json:"leftovers"`
	Cleanup   RestoreCleanup `json:"cleanup"`
}

// CleanupRestoreTests finds every instance and cluster tagged muster:restore-test in
// the region and deletes those older than OlderThan whose keep-until has passed (or
// all of RunID's). Instances go first: a cluster is deleted after its members.
func CleanupRestoreTests(ctx context.Context, o CleanupOptions) (*CleanupReport, error) {
	if err := CheckRegion(o.Region); o.Region != "" && err != nil {
		return nil, restoreCannot("--region %s", err)
	}
	if o.OlderThan < 0 {
		return nil, restoreCannot("--older-than must not be negative")
	}
	if o.Poll <= 0 {
		o.Poll = 15 * time.Second
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	ro := RestoreTestOptions{Profile: o.Profile, Region: o.Region, Client: o.Client, HTTPClient: o.HTTPClient}
	api, region, err := ro.client(ctx, &Policy{})
	if err != nil {
		return nil, err
	}
	rep := &CleanupReport{Region: region}
	at := now()
	judge := func(id, kind string, tags map[string]string, created *time.Time) (Leftover, bool) {
		l := Leftover{Resource: id, Kind: kind, RunID: tags[RestoreTestTag], Created: created}
		if v, ok := tags[RestoreKeepTag]; ok {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				l.KeptUntil = &t
			}
		}
		switch {
		case o.RunID != "":
			if l.RunID != o.RunID {
				return l, false
			}
		case l.KeptUntil != nil && at.Before(*l.KeptUntil):
			l.Action, l.Reason = "skipped", "kept until "+l.KeptUntil.UTC().Format(time.RFC3339)
			return l, true
		case created != nil && at.Sub(*created) < o.OlderThan:
			l.Action, l.Reason = "skipped", "younger than --older-than "+o.OlderThan.String()
			return l, true
		}
		l.Action = "delete"
		return l, true
	}
	var instances, clusters []Leftover
	pi := rds.NewDescribeDBInstancesPaginator(api, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(PageSize)})
	for pi.HasMorePages() {
		page, err := pi.NextPage(ctx)
		if err != nil {
			return nil, (&restoreRun{region: region}).apiError("DescribeDBInstances", err)
		}
		for _, inst := range page.DBInstances {
			if !isRestoreTest(inst.TagList) {
				continue
			}
			if l, ok := judge(aws.ToString(inst.DBInstanceIdentifier), KindInstance, tagMap(inst.TagList), inst.InstanceCreateTime); ok {
				instances = append(instances, l)
			}
		}
	}
	pc := rds.NewDescribeDBClustersPaginator(api, &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(PageSize)})
	for pc.HasMorePages() {
		page, err := pc.NextPage(ctx)
		if err != nil {
			return nil, (&restoreRun{region: region}).apiError("DescribeDBClusters", err)
		}
		for _, c := range page.DBClusters {
			if !isRestoreTest(c.TagList) {
				continue
			}
			if l, ok := judge(aws.ToString(c.DBClusterIdentifier), KindAuroraCluster, tagMap(c.TagList), c.ClusterCreateTime); ok {
				clusters = append(clusters, l)
			}
		}
	}
	for _, l := range slices.Concat(instances, clusters) {
		if l.Action == "delete" {
			before := len(rep.Cleanup.Orphans)
			deleteResource(ctx, api, region, createdResource{ID: l.Resource, Cluster: l.Kind == KindAuroraCluster}, o.Poll, &rep.Cleanup)
			l.Action = "deleted"
			if len(rep.Cleanup.Orphans) > before {
				l.Action, l.Reason = "failed", rep.Cleanup.Orphans[before].Error
			}
		}
		rep.Leftovers = append(rep.Leftovers, l)
	}
	return rep, nil
}
