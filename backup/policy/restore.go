package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// RestoreRules are the policy keys of restore tests (`muster backup restore-test` and
// the restore-tested check of `muster backup check`).
type RestoreRules struct {
	// Probe is the freshness query: one row, one column, the newest row's time (for
	// example SELECT max(created_at) FROM orders). Empty: only SELECT 1 is run.
	Probe string
	// Database is the database the probe connects to; default the source's DBName, else
	// postgres (PostgreSQL) or none (MySQL).
	Database string
	// InstanceClass is the class of the restored instance; default a smaller one of the
	// source's family (see RestoreClass).
	InstanceClass string
	// MaxAge: backup check wants a successful restore test at most this old; 0 means no
	// restore-tested check.
	MaxAge time.Duration
	// Missed is what the restore-tested check yields when no test is young enough or
	// the last one missed the RTO or RPO: warn (default) or fail.
	Missed Status
}

var restoreMissedValues = []string{string(Warn), string(Fail)}

// restoreKeys are the restore-test keys a [defaults] or [[service]] table may carry.
type restoreKeys struct {
	MaxAge        duration
	Missed        string
	Probe         string
	Database      string
	InstanceClass string
}

// restoreRules applies the restore-test keys found under path to r.
func (v *validator) restoreRules(k restoreKeys, r *RestoreRules, path ...any) {
	at := func(key string) []any { return append(append([]any{}, path...), key) }
	if v.doc.Has(at("restore_test_max_age")...) {
		r.MaxAge = v.positive(k.MaxAge, "restore_test_max_age", at("restore_test_max_age")...)
	}
	if v.doc.Has(at("restore_test_missed")...) {
		v.oneOf(k.Missed, restoreMissedValues, at("restore_test_missed")...)
		r.Missed = Status(k.Missed)
	}
	if v.doc.Has(at("restore_probe")...) {
		q := strings.TrimSpace(k.Probe)
		if q == "" || untrusted.Clean(q) != q {
			v.add("restore_probe must be one SQL query without control characters", at("restore_probe")...)
		}
		r.Probe = q
	}
	if v.doc.Has(at("restore_database")...) {
		if k.Database == "" || untrusted.Line(k.Database) != k.Database || len(k.Database) > 63 {
			v.add("restore_database must be a database name on one line (at most 63 characters)", at("restore_database")...)
		}
		r.Database = k.Database
	}
	if v.doc.Has(at("restore_instance_class")...) {
		if !strings.HasPrefix(k.InstanceClass, "db.") || untrusted.Line(k.InstanceClass) != k.InstanceClass {
			v.add(fmt.Sprintf("restore_instance_class %q is not a DB instance class (like db.t4g.medium)", k.InstanceClass), at("restore_instance_class")...)
		}
		r.InstanceClass = k.InstanceClass
	}
}
