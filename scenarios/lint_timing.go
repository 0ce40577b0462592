package scenarios

import (
	"slices"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// never is the earliest time of an inject whose timing lint cannot tell (broken, in
// a cycle, or waiting for something that never fires).
const never = time.Duration(-1)

// earliestTimes is, per inject, the earliest drill time it can fire: at; an anchor
// inject's earliest plus the delay; a runbook step or phase at 0 plus the delay (the
// team may act at once); a branch target at the earliest of its decisions plus the
// option's delay.
func (l *linter) earliestTimes(f *fileScenario) []time.Duration {
	n := len(f.Injects)
	out := make([]time.Duration, n)
	state := make([]int8, n) // 0 unknown, 1 computing, 2 done
	var at func(i int) time.Duration
	at = func(i int) time.Duration {
		switch state[i] {
		case 1:
			return never // a cycle, reported by graph
		case 2:
			return out[i]
		}
		state[i] = 1
		in := &f.Injects[i]
		t := never
		switch {
		case l.broken[i]:
		case in.At.Set:
			t = in.At.D
		case in.After != nil:
			a := in.After
			switch {
			case a.Inject != "":
				if j, ok := l.injects[a.Inject]; ok && j != i {
					if base := at(j); base != never {
						t = base + a.Delay.D
					}
				}
			case a.Step != "" || a.Phase != "":
				t = a.Delay.D
			}
		default:
			for _, src := range l.gotoFrom[in.ID] {
				base := at(src)
				if base == never {
					continue
				}
				for _, o := range f.Injects[src].Decision.Options {
					if o.Goto == in.ID && (t == never || base+o.Delay.D < t) {
						t = base + o.Delay.D
					}
				}
			}
		}
		out[i], state[i] = t, 2
		return t
	}
	for i := range f.Injects {
		at(i)
	}
	return out
}

// timing reports everything that can only happen at or after the planned end: an
// inject (whatever its timing), a decision's branch or its default, an expectation's
// deadline. Each is reported once, where the author fixes it; an inject that cannot
// fire in time is not reported again for its decision or expectations.
func (l *linter) timing(f *fileScenario) {
	end := time.Duration(f.PlannedDuration)
	if end <= 0 {
		return
	}
	earliest := l.earliestTimes(f)
	planned := clockText(end)
	for i, in := range f.Injects {
		t := earliest[i]
		if t == never {
			continue
		}
		at := p("injects", i)
		if t >= end {
			if in.After != nil { // a timed inject is reported by inject()
				ap := with(at, "after")
				if l.doc.Has(with(ap, "delay")...) {
					ap = with(ap, "delay")
				}
				l.add(ap, "%s: inject %s would fire at %s at the earliest (%s), at or after the planned end (%s)", dotted(ap), in.ID, formatOffset(t), in.describeAfter(), planned)
			}
			continue
		}
		if d := in.Decision; d != nil {
			dp := with(at, "decision")
			for j, o := range d.Options {
				if o.Goto == "" {
					continue
				}
				if bt := t + o.Delay.D; bt >= end {
					op := with(dp, "options", j)
					if l.doc.Has(with(op, "delay")...) {
						op = with(op, "delay")
					}
					l.add(op, "%s: the branch to inject %s would fire at %s at the earliest, at or after the planned end (%s)", dotted(op), o.Goto, formatOffset(bt), planned)
				}
			}
			if d.Timeout > 0 {
				if dt := t + time.Duration(d.Timeout); dt >= end {
					l.add(with(dp, "timeout"), "%s: the default would be taken at %s at the earliest, at or after the planned end (%s): the decision could never time out", dotted(with(dp, "timeout")), formatOffset(dt), planned)
				}
			}
		}
		for j, e := range in.Expectations {
			if e.Within <= 0 {
				continue
			}
			if due := t + time.Duration(e.Within); due > end {
				ep := with(at, "expectations", j, "within")
				l.add(ep, "%s: expectation %s would be due at %s at the earliest, after the planned end (%s)", dotted(ep), e.ID, formatOffset(due), planned)
			}
		}
	}
}

func (in *fileInject) describeAfter() string {
	a := in.After
	var anchor string
	switch {
	case a.Inject != "":
		anchor = "inject " + a.Inject
	case a.Step != "":
		anchor = "step " + a.Step + " done at T+0m"
	default:
		anchor = "phase " + a.Phase + " entered at T+0m"
	}
	return clockText(a.Delay.D) + " after " + anchor
}

// poolSiblings reports a pool member that can fire only after another member of its
// own pool: a drill draws one member, so it never fires.
func (l *linter) poolSiblings(f *fileScenario) {
	requires := func(i int) []int { // injects that must fire before i can
		var out []int
		seen := map[int]bool{i: true}
		for cur := i; ; {
			in := &f.Injects[cur]
			next := -1
			switch {
			case in.At.Set:
			case in.After != nil && in.After.Inject != "":
				if j, ok := l.injects[in.After.Inject]; ok {
					next = j
				}
			case in.After == nil:
				if src := l.gotoFrom[in.ID]; len(src) == 1 {
					next = src[0]
				}
			}
			if next < 0 || seen[next] {
				return out
			}
			seen[next] = true
			out = append(out, next)
			cur = next
		}
	}
	for i, in := range f.Injects {
		pool := l.pooled[in.ID]
		if pool == "" || l.broken[i] {
			continue
		}
		for _, j := range requires(i) {
			other := f.Injects[j].ID
			if l.pooled[other] != pool {
				continue
			}
			at := p("injects", i)
			if in.After != nil && in.After.Inject != "" {
				at = with(at, "after", "inject")
			}
			l.add(at, "inject %s waits for inject %s, but both are in pool %s, which draws only one of them: %s can never fire", in.ID, other, pool, in.ID)
			break
		}
	}
}

// escalationTargets are who a team can escalate to: the policy's escalation lists
// of every level, the runbook's owner and step roles, and the scenario's roles.
func (l *linter) escalationTargets(f *fileScenario) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, lv := range l.pol.Levels {
		for _, t := range lv.EscalateTo {
			add(t)
		}
	}
	if l.rb != nil {
		add(l.rb.Owner)
		for _, st := range l.rb.Steps() {
			add(st.Role)
		}
	}
	for _, r := range f.Roles {
		add(r.Name)
	}
	return out
}

// audiences are who the runbook's communication rules notify, and the scenario's
// roles (a simulation cell plays the regulator, the press, a customer).
func (l *linter) audiences(f *fileScenario) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, c := range l.rb.Communication {
		add(c.Audience)
	}
	for _, r := range f.Roles {
		add(r.Name)
	}
	return out
}

// anyContains reports whether some name contains part (case-insensitively): the
// engine meets an expectation when the recorded target contains its text.
func anyContains(names []string, part string) bool {
	for _, n := range names {
		if containsFold(n, part) {
			return true
		}
	}
	return false
}

// targetsCheck reports an escalation expectation's to, or a notice expectation's
// audience, that nobody in the policy, the runbook or the scenario answers to: a team
// following its runbook could never meet it.
func (l *linter) targetsCheck(at []any, f *fileScenario, e *fileExpectation) {
	if l.rb == nil {
		return // the unknown runbook is reported once
	}
	switch {
	case e.Kind == ExpectEscalation && e.To != "":
		known := l.escalationTargets(f)
		if !anyContains(known, e.To) {
			l.add(with(at, "to"), "%s: nobody to escalate to is called %q%s; policy %s, runbook %s and the scenario's roles name %s",
				dotted(with(at, "to")), e.To, tomldoc.DidYouMean(e.To, known), l.pol.Name, l.rb.ID, strings.Join(known, ", "))
		}
	case e.Kind == ExpectNotify && e.Audience != "":
		known := l.audiences(f)
		if !anyContains(known, e.Audience) {
			list := "no audience"
			if len(known) > 0 {
				list = strings.Join(known, ", ")
			}
			l.add(with(at, "audience"), "%s: nobody to notify is called %q%s; runbook %s's communication rules and the scenario's roles name %s",
				dotted(with(at, "audience")), e.Audience, tomldoc.DidYouMean(e.Audience, known), l.rb.ID, list)
		}
	}
}
