package backup

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// clockSkew is how far in the future a restore point may be and still count: AWS's
// clock and ours differ by a little.
const clockSkew = 5 * time.Minute

// excludedEngines share the RDS control plane but are not RDS databases (DocumentDB,
// Neptune). A denylist, so new RDS engines (db2-*, custom-*) are never silently dropped.
var excludedEngines = []string{"docdb", "neptune"}

func excludedEngine(engine string) bool {
	e := strings.ToLower(engine)
	for _, x := range excludedEngines {
		if e == x || strings.HasPrefix(e, x+"-") {
			return true
		}
	}
	return false
}

// unit is one thing whose backups are judged: an instance, or a cluster with its
// members.
type unit struct {
	kind                      string
	region, id, arn, resource string
	engine, status            string
	cluster                   bool
	retention                 *int
	latest, earliest, created time.Time
	storageEncrypted          *bool
	encType, kmsKey           string
	replications              []string
	replicaOf                 string
	globalCluster             string
	members                   []string
	tags                      map[string]string

	service     *Service // nil: no service owns it
	serviceIdx  int      // its index in the policy
	alsoMatched []string
	rules       Rules
}

// Evaluate judges every backup unit of inv against p at the instant now. It is pure:
// it reads nothing but its arguments, so any instant can be audited again.
func Evaluate(inv Inventory, p Policy, now time.Time) Report {
	return EvaluateAccounts([]Inventory{inv}, p, now)
}

// EvaluateAccounts judges the inventories of several accounts (one Inventory each,
// Account set) as one report: every unit carries its account, and a service fails
// only when it matches no database in any account.
func EvaluateAccounts(invs []Inventory, p Policy, now time.Time) Report {
	now = now.UTC()
	rep := Report{
		Schema:      ReportSchema,
		AsOf:        now,
		Policy:      p.Source,
		Regions:     []string{},
		Units:       []UnitResult{},
		Errors:      []InventoryError{},
		NotVerified: append([]string{}, NotVerified...),
	}
	if rep.Policy == "" {
		rep.Policy = "built-in defaults"
	}
	matched := make([]int, len(p.Services))
	evals := make([]*evaluator, 0, len(invs))
	for i := range invs {
		inv := &invs[i]
		for _, r := range inv.Regions {
			if !slices.Contains(rep.Regions, r) {
				rep.Regions = append(rep.Regions, r)
			}
		}
		for _, er := range inv.Errors {
			if er.Account == "" {
				er.Account = inv.Account
			}
			rep.Errors = append(rep.Errors, er)
		}
		e := newEvaluator(inv, &p, now)
		evals = append(evals, e)
		first := len(rep.Units)
		for _, u := range e.classify() {
			if u.service != nil {
				matched[u.serviceIdx]++
			}
			rep.Units = append(rep.Units, e.judge(u))
		}
		rep.Units = append(rep.Units, e.regionEntries()...)
		rep.Units = append(rep.Units, e.orphanEntries()...)
		for j := first; j < len(rep.Units); j++ {
			rep.Units[j].Account, rep.Units[j].AccountName = inv.Account, inv.AccountName
		}
	}
	for i := range p.Services {
		if r, ok := serviceEntry(evals, &p.Services[i], matched[i]); ok {
			rep.Units = append(rep.Units, r)
		}
	}
	slices.SortStableFunc(rep.Units, func(a, b UnitResult) int {
		// Owned databases by service, then the unowned, then regions that failed.
		if c := cmp.Compare(kindOrder(a), kindOrder(b)); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.ID, b.ID), cmp.Compare(a.Kind, b.Kind))
	})
	rep.finish()
	return rep
}

func kindOrder(u UnitResult) int {
	switch {
	case u.Kind == KindRegion || u.Kind == KindAccount:
		return 3
	case u.Service == "":
		return 2
	}
	return 1
}

// evaluator holds the inventory's indexes for one Evaluate call.
type evaluator struct {
	inv    *Inventory
	policy *Policy
	now    time.Time

	// past: the instant judged is before the inventory was read, so point-in-time
	// figures (read then) cannot show what held at the instant.
	past bool

	checked map[string]bool // regions whose databases are judged
	errs    map[ikey]*InventoryError
	attrErr map[ikey]*InventoryError // region, kind, snapshot id

	// Snapshots by region+kind+resource id, and those without a resource id by
	// region+kind+identifier; copies are found in these under the copy's region.
	snapsByRes map[ikey][]*Snapshot
	snapsByID  map[ikey][]*Snapshot
	// copiesBySource: snapshots by the ARN they were copied from.
	copiesBySource map[string][]*Snapshot

	autoByRes map[ikey][]*AutomatedBackup
	autoByID  map[ikey][]*AutomatedBackup
	autoByARN map[string]*AutomatedBackup

	live map[ikey]string // region \x00 kind \x00 identifier -> resource id, for live databases
	// ambiguous resource ids (region \x00 kind \x00 id) are reported by more than one
	// live database: RDS promises uniqueness per region, moto does not keep it. Such
	// an id only counts together with the identifier.
	ambiguous map[ikey]bool
	clusters  map[ikey]*Cluster
	subs      map[string][]*Subscription
	// accountErr: the account could not be read at all (its role not assumed); every
	// call of it counts as failed.
	accountErr *InventoryError
	// covered are the snapshots some unit's checks looked at; a manual one no unit
	// covers belongs to a database that no longer exists (see orphanEntries).
	covered map[*Snapshot]bool
}

// ikey is a map key of up to three parts; a struct, so building one allocates nothing.
type ikey struct{ a, b, c string }

func key(parts ...string) ikey {
	var k ikey
	switch len(parts) {
	case 3:
		k.c = parts[2]
		fallthrough
	case 2:
		k.b = parts[1]
		fallthrough
	case 1:
		k.a = parts[0]
	}
	return k
}

func kindKey(cluster bool) string {
	if cluster {
		return "c"
	}
	return "i"
}

func newEvaluator(inv *Inventory, p *Policy, now time.Time) *evaluator {
	e := &evaluator{
		inv: inv, policy: p, now: now,
		checked:        map[string]bool{},
		errs:           map[ikey]*InventoryError{},
		attrErr:        map[ikey]*InventoryError{},
		snapsByRes:     make(map[ikey][]*Snapshot, len(inv.Instances)+len(inv.Clusters)),
		snapsByID:      map[ikey][]*Snapshot{},
		copiesBySource: map[string][]*Snapshot{},
		autoByRes:      make(map[ikey][]*AutomatedBackup, len(inv.AutomatedBackups)),
		autoByID:       make(map[ikey][]*AutomatedBackup, len(inv.AutomatedBackups)),
		autoByARN:      map[string]*AutomatedBackup{},
		live:           make(map[ikey]string, len(inv.Instances)+len(inv.Clusters)),
		clusters:       map[ikey]*Cluster{},
		ambiguous:      map[ikey]bool{},
		subs:           map[string][]*Subscription{},
		covered:        map[*Snapshot]bool{},
	}
	e.past = !inv.ReadAt.IsZero() && now.Before(inv.ReadAt.Add(-clockSkew))
	for _, r := range inv.Regions {
		e.checked[r] = true
	}
	for i := range inv.Errors {
		er := &inv.Errors[i]
		switch er.Operation {
		case OpAssumeRole, OpListAccounts:
			e.accountErr = er
		case OpDescribeDBSnapshotAttributes, OpDescribeDBClusterSnapshotAttributes:
			e.attrErr[key(er.Region, kindKey(er.Operation == OpDescribeDBClusterSnapshotAttributes), er.Target)] = er
		default:
			if _, ok := e.errs[key(er.Region, er.Operation)]; !ok {
				e.errs[key(er.Region, er.Operation)] = er
			}
		}
	}
	for i := range inv.Snapshots {
		s := &inv.Snapshots[i]
		if excludedEngine(s.Engine) {
			continue
		}
		k := kindKey(s.Cluster)
		if s.ResourceID != "" {
			e.snapsByRes[key(s.Region, k, s.ResourceID)] = append(e.snapsByRes[key(s.Region, k, s.ResourceID)], s)
		} else {
			e.snapsByID[key(s.Region, k, s.SourceID)] = append(e.snapsByID[key(s.Region, k, s.SourceID)], s)
		}
		if s.SourceSnapshot != "" {
			e.copiesBySource[s.SourceSnapshot] = append(e.copiesBySource[s.SourceSnapshot], s)
		}
	}
	for i := range inv.AutomatedBackups {
		a := &inv.AutomatedBackups[i]
		if a.ResourceID != "" {
			e.autoByRes[key(a.Region, a.ResourceID)] = append(e.autoByRes[key(a.Region, a.ResourceID)], a)
		}
		e.autoByID[key(a.Region, a.InstanceID)] = append(e.autoByID[key(a.Region, a.InstanceID)], a)
		if a.ARN != "" {
			e.autoByARN[a.ARN] = a
		}
	}
	owners := make(map[ikey]int, len(inv.Instances)+len(inv.Clusters))
	for i := range inv.Instances {
		in := &inv.Instances[i]
		e.live[key(in.Region, "i", in.ID)] = in.ResourceID
		if in.ResourceID != "" {
			owners[key(in.Region, "i", in.ResourceID)]++
		}
	}
	for i := range inv.Clusters {
		c := &inv.Clusters[i]
		e.live[key(c.Region, "c", c.ID)] = c.ResourceID
		e.clusters[key(c.Region, c.ID)] = c
		if c.ResourceID != "" {
			owners[key(c.Region, "c", c.ResourceID)]++
		}
	}
	for k, n := range owners {
		if n > 1 {
			e.ambiguous[k] = true
		}
	}
	for i := range inv.Subscriptions {
		s := &inv.Subscriptions[i]
		e.subs[s.Region] = append(e.subs[s.Region], s)
	}
	return e
}

// readAt is when the inventory was read, else the instant judged.
func (e *evaluator) readAt() time.Time {
	if e.inv.ReadAt.IsZero() {
		return e.now
	}
	return e.inv.ReadAt
}

// failed returns the error of op in region, if that call failed.
func (e *evaluator) failed(region, op string) *InventoryError {
	if e.accountErr != nil {
		return e.accountErr
	}
	return e.errs[key(region, op)]
}

// classify turns instances and clusters into backup units: DocumentDB and Neptune are
// dropped, cluster members are judged with their cluster, and each unit gets its
// service and rules.
func (e *evaluator) classify() []*unit {
	// One backing array for every unit: the classification of a large account is
	// a few allocations, not one per database.
	store := make([]unit, 0, len(e.inv.Clusters)+len(e.inv.Instances))
	var units []*unit
	for i := range e.inv.Clusters {
		c := &e.inv.Clusters[i]
		if !e.checked[c.Region] || excludedEngine(c.Engine) {
			continue
		}
		kind := KindMultiAZCluster
		if strings.HasPrefix(strings.ToLower(c.Engine), "aurora") {
			kind = KindAuroraCluster
		}
		store = append(store, unit{
			kind: kind, cluster: true, region: c.Region, id: c.ID, arn: c.ARN, resource: c.ResourceID,
			engine: c.Engine, status: c.Status, retention: c.Retention,
			latest: c.LatestRestorable, earliest: c.EarliestRestorable, created: c.Created,
			storageEncrypted: c.StorageEncrypted, encType: c.EncryptionType, kmsKey: c.KMSKeyID,
			replicaOf: c.ReplicaOf, globalCluster: c.GlobalClusterID, members: c.Members, tags: c.Tags,
		})
	}
	for i := range e.inv.Instances {
		in := &e.inv.Instances[i]
		if !e.checked[in.Region] || excludedEngine(in.Engine) {
			continue
		}
		if in.ClusterID != "" {
			// Judged at cluster level; a member whose cluster was not listed is
			// covered by the region's inventory error.
			continue
		}
		store = append(store, unit{
			kind: KindInstance, region: in.Region, id: in.ID, arn: in.ARN, resource: in.ResourceID,
			engine: in.Engine, status: in.Status, retention: in.Retention,
			latest: in.LatestRestorable, created: in.Created,
			storageEncrypted: in.StorageEncrypted, encType: in.EncryptionType, kmsKey: in.KMSKeyID,
			replications: in.Replications, replicaOf: in.ReplicaOf, tags: in.Tags,
		})
	}
	units = make([]*unit, len(store))
	for i := range store {
		units[i] = &store[i]
	}
	for _, u := range units {
		u.rules = e.policy.Defaults
		for i := range e.policy.Services {
			s := &e.policy.Services[i]
			if !s.Matches(u.id, u.region, u.tags) || !s.InAccount(e.inv.Account, e.inv.AccountName) {
				continue
			}
			if u.service == nil {
				u.service, u.serviceIdx = s, i
				u.rules = s.Rules
			} else {
				u.alsoMatched = append(u.alsoMatched, s.Name)
			}
		}
	}
	return units
}

// facts are what the checks of one unit share.
type facts struct {
	own        []*Snapshot // the unit's snapshots in its region, any status
	candidates []*Snapshot // available, of a counted type, with a time not after now
	newest     *Snapshot   // newest candidate
	copies     map[string][]*Snapshot
	pitrAge    time.Duration
	hasPITR    bool
	// pitrUnknown: LatestRestorableTime was reported but says nothing about the
	// instant judged (it is after it, or the instant is before the inventory was read).
	pitrUnknown bool
	stopped     bool
}

func (e *evaluator) judge(u *unit) UnitResult {
	res := UnitResult{
		ID: u.id, Kind: u.kind, Region: u.region, ResourceID: u.resource, Engine: u.engine,
		State: u.status, Members: u.members, RPOSeconds: int64(u.rules.RPO / time.Second),
		RTOSeconds: int64(u.rules.RTO / time.Second), RetentionDays: u.retention,
		PolicyRetention: u.rules.RetentionDays,
	}
	if u.service != nil {
		res.Service = u.service.Name
	}
	f := e.facts(u)
	for _, s := range f.own {
		e.covered[s] = true
	}
	for _, cs := range f.copies {
		for _, s := range cs {
			e.covered[s] = true
		}
	}
	if !u.created.IsZero() && u.created.After(e.now.Add(clockSkew)) {
		detail := fmt.Sprintf("the database was created %s, after the instant judged (%s): it had no backups to judge then", ts(u.created), ts(e.now))
		for _, name := range UnitChecks {
			res.Checks = append(res.Checks, CheckResult{Name: name, Status: Skip, Detail: detail})
		}
		res.Status = Skip
		return res
	}
	if u.replicaOf != "" && !u.rules.IncludeReplicas {
		detail := fmt.Sprintf("read replica of %s: covered by its source's backups (check it with --include-replicas or include_replicas = true)", u.replicaOf)
		for _, name := range UnitChecks {
			res.Checks = append(res.Checks, CheckResult{Name: name, Status: Skip, Detail: detail})
		}
		res.Status = Skip
		return res
	}

	newest, kind := e.newestRestorePoint(u, &f)
	if !newest.IsZero() {
		t := newest
		res.NewestRestorePoint = &t
		res.NewestRestoreKind = kind
		secs := int64(e.now.Sub(newest) / time.Second)
		res.EffectiveRPOSeconds = &secs
	}

	res.Checks = make([]CheckResult, 0, len(UnitChecks)+1)
	if len(e.policy.Services) > 0 {
		res.Checks = append(res.Checks, e.checkOwner(u))
	}
	res.Checks = append(res.Checks,
		e.checkRPO(u, &f, newest, kind),
		e.checkAutomatedBackups(u),
		e.checkRetention(u),
		e.checkPITRFreshness(u, &f),
		e.checkPITRWindow(u, &f),
		e.checkSnapshotFreshness(u, &f),
		e.checkSnapshotHistory(u, &f),
		e.checkSnapshotEncrypted(u, &f),
		e.checkStorageEncrypted(u),
		e.checkSnapshotNotPublic(u, &f),
		e.checkCrossRegionCopy(u, &f),
		e.checkBackupHealth(u, &f),
		e.checkFailureNotification(u),
	)
	res.Status = worst(res.Checks)
	return res
}

// worst is a unit's status: fail over error over warn over pass; all skip is skip.
func worst(checks []CheckResult) Status {
	s := Skip
	for _, c := range checks {
		if rank(c.Status) > rank(s) {
			s = c.Status
		}
	}
	return s
}

func (e *evaluator) facts(u *unit) facts {
	f := facts{stopped: strings.EqualFold(u.status, "stopped")}
	k := kindKey(u.cluster)
	var pool []*Snapshot
	byID := e.snapsByID[key(u.region, k, u.id)]
	if u.resource != "" {
		byRes := e.snapsByRes[key(u.region, k, u.resource)]
		if e.ambiguous[key(u.region, k, u.resource)] {
			for _, s := range byRes {
				if s.SourceID == u.id {
					pool = append(pool, s)
				}
			}
		} else if len(byID) == 0 {
			pool = byRes // the index's own slice: read only
		} else {
			pool = append(make([]*Snapshot, 0, len(byRes)+len(byID)), byRes...)
		}
	}
	for _, s := range byID {
		if sameIncarnation(s.SourceCreated, u.created) {
			pool = append(pool, s)
		}
	}
	f.candidates = make([]*Snapshot, 0, len(pool))
	f.own = pool
	for _, s := range pool {
		if !strings.EqualFold(s.Status, "available") || !countsType(u.rules.SnapshotTypes, s.Type) {
			continue
		}
		t := s.Time()
		if t.IsZero() || t.After(e.now.Add(clockSkew)) {
			continue
		}
		f.candidates = append(f.candidates, s)
		if f.newest == nil || t.After(f.newest.Time()) {
			f.newest = s
		}
	}
	switch {
	case u.latest.IsZero():
	case e.past || u.latest.After(e.now.Add(clockSkew)):
		// A restore point after the instant is not one at the instant, and today's
		// LatestRestorableTime cannot show how far logs reached then.
		f.pitrUnknown = true
	default:
		f.hasPITR = true
		f.pitrAge = max(e.now.Sub(u.latest), 0)
	}
	if len(u.rules.CopyRegions) > 0 {
		f.copies = make(map[string][]*Snapshot, len(u.rules.CopyRegions))
	}
	for _, r := range u.rules.CopyRegions {
		if r != u.region {
			f.copies[r] = e.copiesIn(u, r, pool)
		}
	}
	return f
}

// sameIncarnation tells whether a snapshot without a resource id was taken of this
// database rather than of an earlier one with the same identifier.
func sameIncarnation(snapSource, created time.Time) bool {
	if snapSource.IsZero() || created.IsZero() {
		return true
	}
	d := snapSource.Sub(created)
	return d > -time.Second && d < time.Second
}

func countsType(types []string, t string) bool {
	for _, x := range types {
		if strings.EqualFold(x, t) {
			return true
		}
	}
	return false
}

// copiesIn finds the unit's snapshots held in region r: same resource id, copied from
// one of its snapshots, or (when the copy carries neither) its identifier with the
// unit's region as source and no live database of that name in r.
func (e *evaluator) copiesIn(u *unit, r string, own []*Snapshot) []*Snapshot {
	k := kindKey(u.cluster)
	var out []*Snapshot
	add := func(s *Snapshot) {
		if s.Region == r && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	var ownARN map[string]bool
	if len(e.copiesBySource) > 0 {
		ownARN = make(map[string]bool, len(own))
		for _, s := range own {
			if s.ARN != "" {
				ownARN[s.ARN] = true
			}
		}
	}
	if u.resource != "" {
		// Resource ids are unique only within a region: a copy must also name the
		// database, its region or one of its snapshots.
		for _, s := range e.snapsByRes[key(r, k, u.resource)] {
			if s.SourceID == u.id || s.SourceRegion == u.region || ownARN[s.SourceSnapshot] {
				add(s)
			}
		}
	}
	for arn := range ownARN {
		for _, s := range e.copiesBySource[arn] {
			add(s)
		}
	}
	for _, s := range e.snapsByID[key(r, k, u.id)] {
		if !sameIncarnation(s.SourceCreated, u.created) {
			continue
		}
		if s.SourceSnapshot != "" {
			if ownARN[s.SourceSnapshot] {
				add(s)
			}
			continue
		}
		if s.SourceRegion != "" && s.SourceRegion != u.region {
			continue
		}
		if _, liveThere := e.live[key(r, k, u.id)]; liveThere {
			continue // a database of that name lives there: the snapshot is its own
		}
		add(s)
	}
	slices.SortFunc(out, func(a, b *Snapshot) int { return a.Time().Compare(b.Time()) })
	return out
}

// newestRestorePoint is max(LatestRestorableTime, newest counted snapshot), never after
// now.
func (e *evaluator) newestRestorePoint(u *unit, f *facts) (time.Time, string) {
	var t time.Time
	kind := ""
	if f.hasPITR {
		t, kind = minTime(u.latest, e.now), "pitr"
	}
	if f.newest != nil {
		if st := minTime(f.newest.Time(), e.now); st.After(t) {
			t, kind = st, "snapshot"
		}
	}
	return t, kind
}

func minTime(a, b time.Time) time.Time {
	if a.After(b) {
		return b
	}
	return a
}

// serviceEntry reports a service that matched no database: fail, because a deleted
// database must never look green; error when a region it covers could not be listed.
func serviceEntry(evals []*evaluator, s *Service, matched int) (UnitResult, bool) {
	if matched > 0 {
		return UnitResult{}, false
	}
	res := UnitResult{
		ID: s.Name, Kind: KindService, Service: s.Name, Region: strings.Join(s.Regions, ","),
		RPOSeconds: int64(s.Rules.RPO / time.Second), RTOSeconds: int64(s.Rules.RTO / time.Second),
		PolicyRetention: s.Rules.RetentionDays,
	}
	var where, errs, hints []string
	for _, e := range evals {
		if !s.InAccount(e.inv.Account, e.inv.AccountName) {
			continue
		}
		var regions []string
		for _, r := range e.inv.Regions {
			if s.CoversRegion(r) {
				regions = append(regions, r)
			}
		}
		for _, r := range regions {
			label := r
			if e.inv.Account != "" {
				label = accountLabel(e.inv.Account, e.inv.AccountName) + " " + r
			}
			where = append(where, label)
			for _, op := range []string{OpDescribeDBInstances, OpDescribeDBClusters} {
				if er := e.failed(r, op); er != nil && !slices.Contains(errs, er.String()) {
					errs = append(errs, er.String())
				}
			}
		}
		if hint := e.retainedHint(s, regions); hint != "" {
			hints = append(hints, hint)
		}
	}
	check := CheckResult{Name: CheckServiceMatch}
	switch {
	case len(where) == 0:
		check.Status = Skip
		check.Detail = fmt.Sprintf("the service's regions (%s) are not checked in this run", strings.Join(s.Regions, ", "))
		if len(s.Match.Accounts) > 0 {
			check.Detail = fmt.Sprintf("the service's accounts (%s) and regions (%s) are not checked in this run", strings.Join(s.Match.Accounts, ", "), strings.Join(s.Regions, ", "))
		}
	case len(errs) > 0:
		check.Status = Error
		check.Detail = "no database found, but the databases could not all be listed: " + strings.Join(errs, "; ")
	default:
		check.Status = Fail
		check.Detail = fmt.Sprintf("no database matches %s in %s: a deleted or renamed database must not look green", describeMatch(s.Match), strings.Join(where, ", "))
		if len(hints) > 0 {
			check.Detail += "; " + strings.Join(hints, "; ")
		}
	}
	res.Checks = []CheckResult{check}
	res.Status = check.Status
	return res, true
}

// accountLabel names an account for people: "prod (111111111111)", else the id.
func accountLabel(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

func describeMatch(m Match) string {
	var parts []string
	if len(m.Identifiers) > 0 {
		parts = append(parts, "identifiers "+strings.Join(m.Identifiers, ", "))
	}
	if len(m.Tags) > 0 {
		keys := make([]string, 0, len(m.Tags))
		for k := range m.Tags {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var tags []string
		for _, k := range keys {
			tags = append(tags, k+"="+m.Tags[k])
		}
		parts = append(parts, "tags "+strings.Join(tags, ", "))
	}
	if len(m.Accounts) > 0 {
		parts = append(parts, "accounts "+strings.Join(m.Accounts, ", "))
	}
	return strings.Join(parts, " and ")
}

// retainedHint names retained automated backups of deleted instances the service's
// identifiers match: the data may still be restorable.
func (e *evaluator) retainedHint(s *Service, regions []string) string {
	var found []string
	for _, a := range e.inv.AutomatedBackups {
		if !strings.EqualFold(a.Status, "retained") || !slices.Contains(regions, a.Region) {
			continue
		}
		for _, g := range s.Match.Identifiers {
			if ok, _ := path.Match(g, a.InstanceID); ok {
				found = append(found, a.InstanceID+" ("+a.Region+")")
				break
			}
		}
	}
	if len(found) == 0 {
		return ""
	}
	return "retained automated backups of deleted instances exist: " + strings.Join(found, ", ")
}

// regionEntries reports each checked region whose databases could not be listed.
func (e *evaluator) regionEntries() []UnitResult {
	if er := e.accountErr; er != nil {
		return []UnitResult{{
			ID: cmp.Or(e.inv.Account, e.inv.AccountName, er.Target), Kind: KindAccount, Region: strings.Join(e.inv.Regions, ","), Status: Error,
			Checks: []CheckResult{{Name: CheckInventory, Status: Error,
				Detail: "the account could not be read, so none of its databases is judged: " + er.String()}},
		}}
	}
	var out []UnitResult
	for _, r := range e.inv.Regions {
		var errs []string
		for _, op := range []string{OpDescribeDBInstances, OpDescribeDBClusters} {
			if er := e.failed(r, op); er != nil {
				errs = append(errs, er.String())
			}
		}
		if len(errs) == 0 {
			continue
		}
		out = append(out, UnitResult{
			ID: r, Kind: KindRegion, Region: r, Status: Error,
			Checks: []CheckResult{{Name: CheckInventory, Status: Error,
				Detail: "databases could not be listed, so none of them is judged: " + strings.Join(errs, "; ")}},
		})
	}
	return out
}
