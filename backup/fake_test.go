package backup

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRDS is an RDS query-protocol endpoint for tests: one server for every region
// (routed on the SigV4 credential scope), pages honouring Marker and MaxRecords, nil
// fields omitted, and faults injected per region and action.
type fakeRDS struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	regions map[string]*fakeRegion
	calls   map[string]int      // region \x00 action -> requests
	firsts  map[string]int      // region \x00 action -> requests that are not the SDK's retries
	bodies  map[string][]string // region \x00 action -> request bodies
	fault   func(region, action string, n int, form map[string]string) fault
	// gone names snapshots whose attribute look-up answers NotFound.
	gone map[string]bool
	// dupMarker makes DescribeDBSnapshots answer the same marker forever.
	dupMarker bool
}

type fakeRegion struct {
	instances     []Instance
	clusters      []Cluster
	snapshots     []Snapshot
	autoBackups   []AutomatedBackup
	subscriptions []Subscription
}

// fault is what a request gets instead of its answer.
type fault int

const (
	noFault fault = iota
	faultThrottle
	faultServerError
	faultAccessDenied
	faultHang
	faultMalformed
	faultEmptyTime
	faultForbiddenHTML // 403 with a body no AWS error parser reads (a proxy or WAF page)
)

var scopeRegion = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([a-z0-9-]+)/rds/aws4_request`)

func newFakeRDS(t *testing.T) *fakeRDS {
	f := &fakeRDS{t: t, regions: map[string]*fakeRegion{}, calls: map[string]int{}, firsts: map[string]int{}, bodies: map[string][]string{}, gone: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRDS) region(r string) *fakeRegion {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.regions[r] == nil {
		f.regions[r] = &fakeRegion{}
	}
	return f.regions[r]
}

func (f *fakeRDS) count(region, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[region+"\x00"+action]
}

// firstAttempts counts an action's requests in a region leaving out the SDK's retries
// (its amz-sdk-request header says which attempt a request is): a loop's requests, not
// the connections a loaded machine made it retry.
func (f *fakeRDS) firstAttempts(region, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.firsts[region+"\x00"+action]
}

// pages counts distinct requests of an action in a region.
func (f *fakeRDS) pages(region, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, b := range f.bodies[region+"\x00"+action] {
		seen[b] = true
	}
	return len(seen)
}

func (f *fakeRDS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	m := scopeRegion.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		writeError(w, 403, "MissingAuthenticationToken", "no SigV4 signature")
		return
	}
	region, action := m[1], r.PostForm.Get("Action")
	form := map[string]string{}
	for k, v := range r.PostForm {
		form[k] = v[0]
	}
	f.mu.Lock()
	k := region + "\x00" + action
	f.calls[k]++
	n := f.calls[k]
	if strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") {
		f.firsts[k]++
	}
	f.bodies[k] = append(f.bodies[k], r.PostForm.Encode())
	faultFn := f.fault
	f.mu.Unlock()
	if faultFn != nil {
		switch faultFn(region, action, n, form) {
		case faultThrottle:
			writeError(w, 400, "Throttling", "Rate exceeded")
			return
		case faultServerError:
			w.WriteHeader(500)
			fmt.Fprint(w, "<html><body>Internal Server Error</body></html>")
			return
		case faultAccessDenied:
			writeError(w, 403, "AccessDenied", fmt.Sprintf("User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: rds:%s", action))
			return
		case faultHang:
			<-r.Context().Done()
			return
		case faultForbiddenHTML:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			fmt.Fprint(w, "<html><body><h1>403 Forbidden</h1></body></html>")
			return
		case faultMalformed:
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, "<%sResponse><%sResult><Broken", action, action)
			return
		case faultEmptyTime:
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<%[1]sResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><%[1]sResult><DBSnapshots><DBSnapshot><DBSnapshotIdentifier>x</DBSnapshotIdentifier><Status>available</Status><SnapshotCreateTime/></DBSnapshot></DBSnapshots></%[1]sResult></%[1]sResponse>`, action)
			return
		}
	}
	max := 100
	if v := form["MaxRecords"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20 || n > 100 {
			writeError(w, 400, "InvalidParameterValue", "MaxRecords must be between 20 and 100")
			return
		}
		max = n
	}
	start := 0
	if v := form["Marker"]; v != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(v, "tok"))
	}
	reg := f.region(region)
	f.mu.Lock()
	defer f.mu.Unlock()
	var items []string
	var listName string
	switch action {
	case "DescribeDBInstances":
		listName = "DBInstances"
		for _, in := range reg.instances {
			items = append(items, instanceXML(in))
		}
	case "DescribeDBClusters":
		listName = "DBClusters"
		for _, c := range reg.clusters {
			items = append(items, clusterXML(c))
		}
	case "DescribeDBSnapshots":
		listName = "DBSnapshots"
		for _, s := range reg.snapshots {
			if !s.Cluster {
				items = append(items, snapshotXML(s))
			}
		}
	case "DescribeDBClusterSnapshots":
		listName = "DBClusterSnapshots"
		for _, s := range reg.snapshots {
			if s.Cluster {
				items = append(items, snapshotXML(s))
			}
		}
	case "DescribeDBInstanceAutomatedBackups":
		listName = "DBInstanceAutomatedBackups"
		for _, a := range reg.autoBackups {
			items = append(items, autoBackupXML(a))
		}
	case "DescribeEventSubscriptions":
		listName = "EventSubscriptionsList"
		for _, s := range reg.subscriptions {
			items = append(items, subscriptionXML(s))
		}
	case "DescribeDBSnapshotAttributes", "DescribeDBClusterSnapshotAttributes":
		f.attributes(w, reg, action, form)
		return
	default:
		writeError(w, 400, "InvalidAction", action)
		return
	}
	end := min(start+max, len(items))
	if start > len(items) {
		start = end
	}
	marker := ""
	if end < len(items) {
		marker = fmt.Sprintf("tok%d", end)
	}
	if f.dupMarker && action == "DescribeDBSnapshots" {
		marker = "tok0"
		end = min(max, len(items))
		start = 0
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<%sResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><%sResult><%s>%s</%s>%s</%sResult><ResponseMetadata><RequestId>r-%d</RequestId></ResponseMetadata></%sResponse>`,
		action, action, listName, strings.Join(items[start:end], ""), listName, el("Marker", marker), action, n, action)
}

func (f *fakeRDS) attributes(w http.ResponseWriter, reg *fakeRegion, action string, form map[string]string) {
	cluster := action == "DescribeDBClusterSnapshotAttributes"
	idKey, prefix := "DBSnapshotIdentifier", "DBSnapshot"
	if cluster {
		idKey, prefix = "DBClusterSnapshotIdentifier", "DBClusterSnapshot"
	}
	id := form[idKey]
	for _, s := range reg.snapshots {
		if s.Cluster != cluster || s.ID != id || f.gone[id] {
			continue
		}
		var vals []string
		for _, v := range s.Restore {
			vals = append(vals, el("AttributeValue", v))
		}
		fmt.Fprintf(w, `<%[1]sResponse><%[1]sResult><%[2]sAttributesResult>%[3]s<%[2]sAttributes><%[2]sAttribute><AttributeName>restore</AttributeName><AttributeValues>%[4]s</AttributeValues></%[2]sAttribute></%[2]sAttributes></%[2]sAttributesResult></%[1]sResult></%[1]sResponse>`,
			action, prefix, el(idKey, id), strings.Join(vals, ""))
		return
	}
	if cluster {
		writeError(w, 404, "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot "+id+" not found.")
	} else {
		writeError(w, 404, "DBSnapshotNotFound", "DBSnapshot "+id+" not found.")
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>d0c477ac-f267-11e8-9d2b-93e3aa6368c5</RequestId></ErrorResponse>`, esc(code), esc(msg))
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// el renders <name>value</name>, or nothing for an empty value (RDS omits nil fields;
// an empty time element would break the SDK's decoder).
func el(name, value string) string {
	if value == "" {
		return ""
	}
	return "<" + name + ">" + esc(value) + "</" + name + ">"
}

func timeEl(name string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return el(name, t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

func intEl(name string, p *int) string {
	if p == nil {
		return ""
	}
	return el(name, strconv.Itoa(*p))
}

func boolEl(name string, p *bool) string {
	if p == nil {
		return ""
	}
	return el(name, strconv.FormatBool(*p))
}

func tagsXML(tags map[string]string) string {
	if len(tags) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<TagList>")
	for k, v := range tags {
		b.WriteString("<Tag>" + el("Key", k) + el("Value", v) + "</Tag>")
	}
	b.WriteString("</TagList>")
	return b.String()
}

func instanceXML(in Instance) string {
	var b strings.Builder
	b.WriteString("<DBInstance>")
	b.WriteString(el("DBInstanceIdentifier", in.ID) + el("DBInstanceArn", in.ARN) + el("DbiResourceId", in.ResourceID) +
		el("Engine", in.Engine) + el("DBInstanceStatus", in.Status) + el("DBClusterIdentifier", in.ClusterID) +
		el("ReadReplicaSourceDBInstanceIdentifier", in.ReplicaOf) + intEl("BackupRetentionPeriod", in.Retention) +
		timeEl("LatestRestorableTime", in.LatestRestorable) + timeEl("InstanceCreateTime", in.Created) +
		boolEl("StorageEncrypted", in.StorageEncrypted) + el("StorageEncryptionType", in.EncryptionType) + el("KmsKeyId", in.KMSKeyID))
	if len(in.Replications) > 0 {
		b.WriteString("<DBInstanceAutomatedBackupsReplications>")
		for _, a := range in.Replications {
			b.WriteString("<DBInstanceAutomatedBackupsReplication>" + el("DBInstanceAutomatedBackupsArn", a) + "</DBInstanceAutomatedBackupsReplication>")
		}
		b.WriteString("</DBInstanceAutomatedBackupsReplications>")
	}
	b.WriteString(tagsXML(in.Tags) + "</DBInstance>")
	return b.String()
}

func clusterXML(c Cluster) string {
	var b strings.Builder
	b.WriteString("<DBCluster>")
	b.WriteString(el("DBClusterIdentifier", c.ID) + el("DBClusterArn", c.ARN) + el("DbClusterResourceId", c.ResourceID) +
		el("Engine", c.Engine) + el("Status", c.Status) + el("ReplicationSourceIdentifier", c.ReplicaOf) +
		el("GlobalClusterIdentifier", c.GlobalClusterID) + intEl("BackupRetentionPeriod", c.Retention) +
		timeEl("EarliestRestorableTime", c.EarliestRestorable) + timeEl("LatestRestorableTime", c.LatestRestorable) +
		timeEl("ClusterCreateTime", c.Created) + boolEl("StorageEncrypted", c.StorageEncrypted) +
		el("StorageEncryptionType", c.EncryptionType) + el("KmsKeyId", c.KMSKeyID))
	if len(c.Members) > 0 {
		b.WriteString("<DBClusterMembers>")
		for i, m := range c.Members {
			fmt.Fprintf(&b, "<DBClusterMember>%s<IsClusterWriter>%t</IsClusterWriter></DBClusterMember>", el("DBInstanceIdentifier", m), i == 0)
		}
		b.WriteString("</DBClusterMembers>")
	}
	b.WriteString(tagsXML(c.Tags) + "</DBCluster>")
	return b.String()
}

func snapshotXML(s Snapshot) string {
	if s.Cluster {
		return "<DBClusterSnapshot>" + el("DBClusterSnapshotIdentifier", s.ID) + el("DBClusterSnapshotArn", s.ARN) +
			el("DBClusterIdentifier", s.SourceID) + el("DbClusterResourceId", s.ResourceID) + timeEl("ClusterCreateTime", s.SourceCreated) +
			el("Engine", s.Engine) + el("SnapshotType", s.Type) + el("Status", s.Status) + timeEl("SnapshotCreateTime", s.Created) +
			boolEl("StorageEncrypted", s.Encrypted) + el("StorageEncryptionType", s.EncryptionType) + el("KmsKeyId", s.KMSKeyID) +
			el("SourceDBClusterSnapshotArn", s.SourceSnapshot) + intEl("PercentProgress", s.PercentProgress) + "</DBClusterSnapshot>"
	}
	return "<DBSnapshot>" + el("DBSnapshotIdentifier", s.ID) + el("DBSnapshotArn", s.ARN) + el("DBInstanceIdentifier", s.SourceID) +
		el("DbiResourceId", s.ResourceID) + timeEl("InstanceCreateTime", s.SourceCreated) + el("Engine", s.Engine) +
		el("SnapshotType", s.Type) + el("Status", s.Status) + timeEl("SnapshotCreateTime", s.Created) +
		timeEl("OriginalSnapshotCreateTime", s.OriginalCreated) + boolEl("Encrypted", s.Encrypted) +
		el("StorageEncryptionType", s.EncryptionType) + el("KmsKeyId", s.KMSKeyID) + el("SourceRegion", s.SourceRegion) +
		el("SourceDBSnapshotIdentifier", s.SourceSnapshot) + intEl("PercentProgress", s.PercentProgress) + "</DBSnapshot>"
}

func autoBackupXML(a AutomatedBackup) string {
	window := ""
	if !a.Earliest.IsZero() || !a.Latest.IsZero() {
		window = "<RestoreWindow>" + timeEl("EarliestTime", a.Earliest) + timeEl("LatestTime", a.Latest) + "</RestoreWindow>"
	} else {
		window = "<RestoreWindow/>" // as in the AWS sample: a window without times
	}
	return "<DBInstanceAutomatedBackup>" + el("DBInstanceAutomatedBackupsArn", a.ARN) + el("DBInstanceIdentifier", a.InstanceID) +
		el("DbiResourceId", a.ResourceID) + el("DBInstanceArn", a.SourceARN) + el("Status", a.Status) + window +
		intEl("BackupRetentionPeriod", a.Retention) + boolEl("Encrypted", a.Encrypted) + "</DBInstanceAutomatedBackup>"
}

func subscriptionXML(s Subscription) string {
	var ids, cats strings.Builder
	for _, id := range s.SourceIDs {
		ids.WriteString(el("SourceId", id))
	}
	for _, c := range s.Categories {
		cats.WriteString(el("EventCategory", c))
	}
	out := "<EventSubscription>" + el("CustSubscriptionId", s.Name) + el("SourceType", s.SourceType) + el("Status", s.Status) +
		fmt.Sprintf("<Enabled>%t</Enabled>", s.Enabled)
	if ids.Len() > 0 {
		out += "<SourceIdsList>" + ids.String() + "</SourceIdsList>"
	}
	if cats.Len() > 0 {
		out += "<EventCategoriesList>" + cats.String() + "</EventCategoriesList>"
	}
	return out + "</EventSubscription>"
}
