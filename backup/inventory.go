package backup

import (
	"fmt"
	"strings"
	"time"
)

// Inventory is what the RDS API said about the regions of one run, already cleaned of
// terminal control sequences. Absent timestamps are the zero time; absent booleans are
// nil ("not reported", never false).
type Inventory struct {
	// Account and AccountName say whose inventory it is, in a run over accounts.
	Account     string `json:"account,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	// Regions are the regions whose databases are checked.
	Regions []string `json:"regions"`
	// CopyRegions are read only to find cross-region copies.
	CopyRegions      []string          `json:"copy_regions,omitempty"`
	Instances        []Instance        `json:"instances"`
	Clusters         []Cluster         `json:"clusters"`
	Snapshots        []Snapshot        `json:"snapshots"`
	AutomatedBackups []AutomatedBackup `json:"automated_backups"`
	Subscriptions    []Subscription    `json:"subscriptions"`
	// Errors are the API calls that failed; what they cover is judged error, not pass.
	Errors []InventoryError `json:"errors"`
	// ReadAt is when the inventory was read (zero: unknown). Judged at an earlier
	// instant, what only describes the present (LatestRestorableTime, the restore
	// window) cannot show what held then.
	ReadAt time.Time `json:"read_at,omitzero"`
}

// Instance is a DB instance (DescribeDBInstances).
type Instance struct {
	Region           string            `json:"region"`
	ID               string            `json:"id"`          // DBInstanceIdentifier
	ARN              string            `json:"arn"`         // DBInstanceArn
	ResourceID       string            `json:"resource_id"` // DbiResourceId
	Engine           string            `json:"engine"`
	Status           string            `json:"status"` // DBInstanceStatus
	ClusterID        string            `json:"cluster_id,omitempty"`
	ReplicaOf        string            `json:"replica_of,omitempty"` // ReadReplicaSourceDBInstanceIdentifier or ...ClusterIdentifier
	Retention        *int              `json:"retention_days"`       // BackupRetentionPeriod
	LatestRestorable time.Time         `json:"latest_restorable"`
	Created          time.Time         `json:"created"` // InstanceCreateTime
	StorageEncrypted *bool             `json:"storage_encrypted"`
	EncryptionType   string            `json:"encryption_type,omitempty"` // StorageEncryptionType: none, sse-kms, sse-rds
	KMSKeyID         string            `json:"kms_key_id,omitempty"`
	Replications     []string          `json:"backup_replications,omitempty"` // DBInstanceAutomatedBackupsReplications ARNs
	Tags             map[string]string `json:"tags,omitempty"`
}

// Cluster is an Aurora or Multi-AZ DB cluster (DescribeDBClusters).
type Cluster struct {
	Region             string            `json:"region"`
	ID                 string            `json:"id"`          // DBClusterIdentifier
	ARN                string            `json:"arn"`         // DBClusterArn
	ResourceID         string            `json:"resource_id"` // DbClusterResourceId
	Engine             string            `json:"engine"`
	Status             string            `json:"status"`
	Members            []string          `json:"members,omitempty"`
	ReplicaOf          string            `json:"replica_of,omitempty"` // ReplicationSourceIdentifier
	GlobalClusterID    string            `json:"global_cluster_id,omitempty"`
	Retention          *int              `json:"retention_days"`
	EarliestRestorable time.Time         `json:"earliest_restorable"`
	LatestRestorable   time.Time         `json:"latest_restorable"`
	Created            time.Time         `json:"created"` // ClusterCreateTime
	StorageEncrypted   *bool             `json:"storage_encrypted"`
	EncryptionType     string            `json:"encryption_type,omitempty"`
	KMSKeyID           string            `json:"kms_key_id,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// Snapshot is a DB snapshot or, with Cluster set, a DB cluster snapshot.
type Snapshot struct {
	Region          string    `json:"region"`
	Cluster         bool      `json:"cluster,omitempty"`
	ID              string    `json:"id"` // DBSnapshotIdentifier / DBClusterSnapshotIdentifier
	ARN             string    `json:"arn"`
	SourceID        string    `json:"source_id"`      // DBInstanceIdentifier / DBClusterIdentifier
	ResourceID      string    `json:"resource_id"`    // DbiResourceId / DbClusterResourceId
	SourceCreated   time.Time `json:"source_created"` // InstanceCreateTime / ClusterCreateTime
	Engine          string    `json:"engine"`
	Type            string    `json:"type"`             // automated, manual, awsbackup, ...
	Status          string    `json:"status"`           // available, creating, copying, failed, ...
	Created         time.Time `json:"created"`          // SnapshotCreateTime: changes on copy
	OriginalCreated time.Time `json:"original_created"` // OriginalSnapshotCreateTime: does not
	Encrypted       *bool     `json:"encrypted"`        // Encrypted / StorageEncrypted
	EncryptionType  string    `json:"encryption_type,omitempty"`
	KMSKeyID        string    `json:"kms_key_id,omitempty"`
	SourceRegion    string    `json:"source_region,omitempty"`
	SourceSnapshot  string    `json:"source_snapshot,omitempty"` // SourceDBSnapshotIdentifier / SourceDBClusterSnapshotArn
	PercentProgress *int      `json:"percent_progress,omitempty"`
	// Attributes is what DescribeDB(Cluster)SnapshotAttributes said (manual snapshots only).
	Attributes AttributeLookup `json:"attributes"`
	// Restore is the "restore" attribute: account ids, or "all" for public.
	Restore []string `json:"restore,omitempty"`
}

// AttributeLookup says whether a snapshot's sharing attributes were read.
type AttributeLookup string

const (
	AttributesNotRead AttributeLookup = ""       // not looked up (not a manual snapshot)
	AttributesRead    AttributeLookup = "read"   // Restore holds the answer
	AttributesGone    AttributeLookup = "gone"   // deleted between list and look-up
	AttributesFailed  AttributeLookup = "failed" // the look-up failed: see Inventory.Errors
)

// Time is the instant the snapshot's data is from: OriginalSnapshotCreateTime, which
// a copy keeps, else SnapshotCreateTime. Zero when neither is reported.
func (s *Snapshot) Time() time.Time {
	if !s.OriginalCreated.IsZero() {
		return s.OriginalCreated
	}
	return s.Created
}

// AutomatedBackup is an entry of DescribeDBInstanceAutomatedBackups: the PITR window of
// a live instance, a retained backup of a deleted one, or a replicated backup.
type AutomatedBackup struct {
	Region     string    `json:"region"` // where the entry was listed
	ARN        string    `json:"arn"`    // DBInstanceAutomatedBackupsArn
	InstanceID string    `json:"instance_id"`
	ResourceID string    `json:"resource_id"`
	SourceARN  string    `json:"source_arn,omitempty"` // DBInstanceArn
	Status     string    `json:"status"`               // active, creating, retained, pending, replicating
	Earliest   time.Time `json:"earliest"`             // RestoreWindow.EarliestTime
	Latest     time.Time `json:"latest"`               // RestoreWindow.LatestTime
	Retention  *int      `json:"retention_days"`
	Encrypted  *bool     `json:"encrypted"`
}

// Subscription is an RDS event subscription (DescribeEventSubscriptions).
type Subscription struct {
	Region     string   `json:"region"`
	Name       string   `json:"name"`
	SourceType string   `json:"source_type"`
	Status     string   `json:"status"`
	Enabled    bool     `json:"enabled"`
	SourceIDs  []string `json:"source_ids,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// InventoryError is an API call that failed: in which region, which operation, why,
// and the IAM action it needs.
type InventoryError struct {
	Account   string `json:"account,omitempty"` // in a run over accounts
	Region    string `json:"region"`
	Operation string `json:"operation"`        // DescribeDBSnapshots
	Target    string `json:"target,omitempty"` // for per-snapshot look-ups: the snapshot
	Code      string `json:"code"`             // AccessDenied, Throttling, timeout, ...
	Message   string `json:"message"`
	Action    string `json:"iam_action"` // rds:DescribeDBSnapshots
}

func (e InventoryError) String() string {
	var b strings.Builder
	if e.Account != "" {
		b.WriteString(e.Account + " ")
	}
	if e.Region != "" {
		b.WriteString(e.Region + " ")
	}
	b.WriteString(e.Operation)
	if e.Target != "" {
		fmt.Fprintf(&b, " (%s)", e.Target)
	}
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code)
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	switch {
	case isAccessDenied(e.Code) && e.Operation == OpAssumeRole:
		fmt.Fprintf(&b, " (the role is missing, or its trust policy does not let these credentials %s it, or the external id differs)", e.Action)
	case isAccessDenied(e.Code):
		fmt.Fprintf(&b, " (the credentials lack %s)", e.Action)
	}
	return b.String()
}

func isAccessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized", "AuthFailure":
		return true
	}
	return false
}

// Operations the inventory calls; InventoryError.Operation is one of these.
const (
	OpDescribeDBInstances                 = "DescribeDBInstances"
	OpDescribeDBClusters                  = "DescribeDBClusters"
	OpDescribeDBSnapshots                 = "DescribeDBSnapshots"
	OpDescribeDBClusterSnapshots          = "DescribeDBClusterSnapshots"
	OpDescribeDBInstanceAutomatedBackups  = "DescribeDBInstanceAutomatedBackups"
	OpDescribeEventSubscriptions          = "DescribeEventSubscriptions"
	OpDescribeDBSnapshotAttributes        = "DescribeDBSnapshotAttributes"
	OpDescribeDBClusterSnapshotAttributes = "DescribeDBClusterSnapshotAttributes"
)

// Operations of a run over accounts: an error of these covers the whole account.
const (
	OpAssumeRole   = "AssumeRole"   // sts:AssumeRole into the account's role
	OpListAccounts = "ListAccounts" // organizations:ListAccounts, discovering accounts
)

// IAMActions are the read-only actions the check needs, for the least-privilege policy.
var IAMActions = []string{
	"rds:" + OpDescribeDBInstances,
	"rds:" + OpDescribeDBClusters,
	"rds:" + OpDescribeDBSnapshots,
	"rds:" + OpDescribeDBClusterSnapshots,
	"rds:" + OpDescribeDBInstanceAutomatedBackups,
	"rds:" + OpDescribeDBSnapshotAttributes,
	"rds:" + OpDescribeDBClusterSnapshotAttributes,
	"rds:" + OpDescribeEventSubscriptions,
}
