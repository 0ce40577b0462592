package backup

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// orphanEntries reports the shared manual snapshots of databases that no longer exist:
// no database's snapshot-not-public check sees them, and a snapshot restorable by all
// must fail somewhere. Private orphans are no exposure and are left out. Nothing is
// called orphaned in a region whose databases could not all be listed.
func (e *evaluator) orphanEntries() []UnitResult {
	var out []UnitResult
	for i := range e.inv.Snapshots {
		s := &e.inv.Snapshots[i]
		if e.covered[s] || !strings.EqualFold(s.Type, SnapshotManual) || excludedEngine(s.Engine) {
			continue
		}
		src := s.Region // where the snapshot's database lived
		if r := cmp.Or(s.SourceRegion, arnRegion(s.SourceSnapshot)); r != "" {
			src = r
		}
		if !e.checked[src] || e.unlisted(s.Region) || e.unlisted(src) {
			// A database this run does not list (a copy region's own, a region that
			// could not be listed) may well exist.
			continue
		}
		if res, live := e.live[key(src, kindKey(s.Cluster), s.SourceID)]; live && (s.ResourceID == "" || res == "" || res == s.ResourceID) {
			continue // its database exists (a copy the policy does not ask for, say)
		}
		if s.Attributes == AttributesGone || (s.Attributes == AttributesRead && len(s.Restore) == 0) {
			continue
		}
		out = append(out, e.orphan(s))
	}
	return out
}

// unlisted reports a region whose instances or clusters could not be listed (or were
// not read at all).
func (e *evaluator) unlisted(region string) bool {
	if !e.checked[region] && !slices.Contains(e.inv.CopyRegions, region) {
		return true
	}
	return e.failed(region, OpDescribeDBInstances) != nil || e.failed(region, OpDescribeDBClusters) != nil
}

func (e *evaluator) orphan(s *Snapshot) UnitResult {
	rules := e.policy.Defaults
	res := UnitResult{ID: s.ID, Kind: KindOrphanedSnapshot, Region: s.Region, ResourceID: s.ResourceID, Engine: s.Engine, State: s.Status}
	for i := range e.policy.Services {
		svc := &e.policy.Services[i]
		if len(svc.Match.Identifiers) > 0 && svc.Matches(s.SourceID, s.Region, svc.Match.Tags) {
			res.Service, rules = svc.Name, svc.Rules
			break
		}
	}
	kind := "DB"
	if s.Cluster {
		kind = "DB cluster"
	}
	what := fmt.Sprintf("manual snapshot of %s %s, which no longer exists here", kind, s.SourceID)
	if !s.Time().IsZero() {
		what += fmt.Sprintf(", taken %s", ts(s.Time()))
	}
	var public bool
	var foreign, allowed []string
	for _, v := range s.Restore {
		switch {
		case strings.EqualFold(v, "all"):
			public = true
		case slices.Contains(rules.AllowedAccounts, v):
			allowed = append(allowed, v)
		default:
			foreign = append(foreign, v)
		}
	}
	var c CheckResult
	switch {
	case s.Attributes != AttributesRead:
		c = CheckResult{Name: CheckSnapshotNotPublic, Status: Error, Detail: what + ": its sharing could not be read"}
		if er := e.attrErr[key(s.Region, kindKey(s.Cluster), s.ID)]; er != nil {
			c.Detail += ": " + er.String()
		}
	case public:
		c = result(CheckSnapshotNotPublic, Fail, "%s: public (restore=all): anyone can restore its data; delete it or make it private", what)
	case len(foreign) > 0:
		c = result(CheckSnapshotNotPublic, Warn, "%s: shared with accounts not in allowed_accounts: %s", what, listSome(foreign, 5))
	default:
		c = pass(CheckSnapshotNotPublic, "%s: shared only with allowed accounts (%s)", what, listSome(allowed, 5))
	}
	res.Checks = []CheckResult{c}
	res.Status = c.Status
	return res
}
