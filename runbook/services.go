package runbook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// UnknownServices reports every step whose built-in check names a backup policy
// service that is not among services, at the step's service key (file:line:col). The
// runbook is well formed: a step check against a policy without that service cannot
// run, so lint warns about it. policy names the backup policy in the messages ("built-in
// defaults", a file name).
func UnknownServices(r *Runbook, services []string, policy string) Problems {
	var steps []stepRef
	var names []string
	for _, ph := range r.Phases {
		for i, s := range ph.Steps {
			if s.Service != "" && !slices.Contains(services, s.Service) {
				steps = append(steps, stepRef{phase: string(ph.Name), index: i})
				names = append(names, s.Service)
			}
		}
	}
	if len(steps) == 0 {
		return nil
	}
	// Positions only when there is something to say: decode the file again for them.
	var f fileRunbook
	doc, _ := tomldoc.Decode(r.Source, r.Raw, &f)
	known := "no services"
	if len(services) > 0 {
		known = strings.Join(services, ", ")
	}
	var ps Problems
	for i, ref := range steps {
		msg := fmt.Sprintf("warning: service %q%s is not in the backup policy in force, %s, which has %s: the step's check cannot run",
			names[i], tomldoc.DidYouMean(names[i], services), policy, known)
		p := doc.Problem(msg, ref.path("service")...)
		p.File = r.Source
		ps = append(ps, p)
	}
	return ps
}
