package runbook

import (
	"fmt"
	"slices"
	"strings"
)

// Unfit says why the runbook cannot be used under pol, or "" when it can: the severity
// levels it names (in severities, a step's when or a rule's severities) that the policy
// does not define. It is what starting an incident would refuse, known before anyone
// fills in a title, and it does not parse the file again.
func (r *Runbook) Unfit(pol *Policy) string {
	if pol == nil {
		return ""
	}
	var missing []string
	need := func(names []string) {
		for _, n := range names {
			if _, ok := pol.Level(n); !ok && !slices.Contains(missing, n) {
				missing = append(missing, n)
			}
		}
	}
	need(r.Severities)
	for _, st := range r.Steps() {
		need(st.When)
	}
	for _, c := range r.Communication {
		need(c.Severities)
	}
	if len(missing) == 0 {
		return ""
	}
	level := "level"
	if len(missing) > 1 {
		level = "levels"
	}
	return fmt.Sprintf("names %s %s, which policy %s lacks", level, strings.Join(missing, ", "), pol.Name)
}
