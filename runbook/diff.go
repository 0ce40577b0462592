package runbook

import (
	"fmt"
	"slices"
)

// RunbookDiff is what changed between two versions of a runbook, step by step, and
// whether the version number tells the truth about it.
type RunbookDiff struct {
	Old, New      *Runbook
	Fields        []string     // runbook-level fields that changed: title, summary, owner, severities, tags
	Phases        []PhaseDiff  // phases with a change, in PhaseOrder
	Communication []CommChange // communication rules added, removed or changed
	Warnings      []string     // version not bumped, version went down, different runbooks
}

// PhaseDiff is the change inside one phase.
type PhaseDiff struct {
	Phase        PhaseName
	PhaseAdded   bool // the old runbook has no such phase
	PhaseRemoved bool // the new runbook has no such phase
	Goal         bool // the goal changed (in a phase both have)
	Added        []Step
	Removed      []Step
	Changed      []StepChange
}

// StepChange is a step present in both versions whose content changed. A step that
// moved to another phase is listed under its new phase with the field "phase".
type StepChange struct {
	Old, New Step
	Fields   []string // title, role, body, evidence, commands, timebox, optional, when, check, service, phase, order
}

// CommChange is a communication rule added (Old nil), removed (New nil) or changed.
// Rules are matched by audience and phase, then by audience alone.
type CommChange struct {
	Old, New *CommRule
	Fields   []string // after, channel, severities, update_every, template (changed rules only)
}

// Identical reports whether both files have the same bytes.
func (d RunbookDiff) Identical() bool { return d.Old.Digest == d.New.Digest }

// Empty reports whether no step, phase, rule or runbook field changed (the files may
// still differ in comments or layout).
func (d RunbookDiff) Empty() bool {
	return len(d.Fields) == 0 && len(d.Phases) == 0 && len(d.Communication) == 0
}

// Diff compares two runbooks. Steps are matched by id across the whole runbook.
func Diff(old, new *Runbook) RunbookDiff {
	d := RunbookDiff{Old: old, New: new}
	if old.ID != new.ID {
		d.Warnings = append(d.Warnings, fmt.Sprintf("comparing two different runbooks: %s and %s", old.ID, new.ID))
	}
	switch c := new.Version.Compare(old.Version); {
	case old.Digest != new.Digest && c == 0:
		d.Warnings = append(d.Warnings, fmt.Sprintf("the content changed but the version is still %s: bump it, so every incident records which text it followed", new.Version))
	case c < 0:
		d.Warnings = append(d.Warnings, fmt.Sprintf("the version went down from %s to %s", old.Version, new.Version))
	}

	for _, f := range []struct {
		name string
		same bool
	}{
		{"title", old.Title == new.Title},
		{"summary", old.Summary == new.Summary},
		{"owner", old.Owner == new.Owner},
		{"severities", slices.Equal(old.Severities, new.Severities)},
		{"tags", slices.Equal(old.Tags, new.Tags)},
	} {
		if !f.same {
			d.Fields = append(d.Fields, f.name)
		}
	}

	oldSteps := map[string]Step{}
	for _, s := range old.Steps() {
		oldSteps[s.ID] = s
	}
	newSteps := map[string]bool{}
	for _, s := range new.Steps() {
		newSteps[s.ID] = true
	}
	for _, name := range PhaseOrder {
		op, inOld := old.Phase(name)
		np, inNew := new.Phase(name)
		pd := PhaseDiff{Phase: name, PhaseAdded: inNew && !inOld, PhaseRemoved: inOld && !inNew, Goal: inOld && inNew && op.Goal != np.Goal}
		moved := movedInPhase(op, np)
		for _, s := range np.Steps {
			o, ok := oldSteps[s.ID]
			if !ok {
				pd.Added = append(pd.Added, s)
				continue
			}
			fields := stepFields(o, s)
			if o.Phase == s.Phase && moved[s.ID] {
				fields = append(fields, "order")
			}
			if len(fields) > 0 {
				pd.Changed = append(pd.Changed, StepChange{Old: o, New: s, Fields: fields})
			}
		}
		for _, s := range op.Steps {
			if !newSteps[s.ID] {
				pd.Removed = append(pd.Removed, s)
			}
		}
		if pd.Goal || pd.PhaseAdded || pd.PhaseRemoved || len(pd.Added)+len(pd.Removed)+len(pd.Changed) > 0 {
			d.Phases = append(d.Phases, pd)
		}
	}
	d.Communication = diffComm(old.Communication, new.Communication)
	return d
}

func stepFields(o, n Step) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"title", o.Title == n.Title},
		{"role", o.Role == n.Role},
		{"body", o.Body == n.Body},
		{"evidence", slices.Equal(o.Evidence, n.Evidence)},
		{"commands", slices.Equal(o.Commands, n.Commands)},
		{"timebox", o.Timebox == n.Timebox},
		{"optional", o.Optional == n.Optional},
		{"when", slices.Equal(o.When, n.When)},
		{"check", o.Check == n.Check},
		{"done_by", o.DoneBy == n.DoneBy},
		{"service", o.Service == n.Service},
		{"phase", o.Phase == n.Phase},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

// movedInPhase finds the steps kept in a phase whose position relative to the other
// kept steps changed: those outside a longest run that kept its order.
func movedInPhase(op, np Phase) map[string]bool {
	oldIndex := map[string]int{}
	for i, s := range op.Steps {
		oldIndex[s.ID] = i
	}
	var ids []string
	var seq []int
	for _, s := range np.Steps {
		if i, ok := oldIndex[s.ID]; ok {
			ids = append(ids, s.ID)
			seq = append(seq, i)
		}
	}
	keep := longestIncreasing(seq)
	moved := map[string]bool{}
	for i, id := range ids {
		if !keep[i] {
			moved[id] = true
		}
	}
	return moved
}

// longestIncreasing marks the elements of one longest increasing subsequence of seq.
func longestIncreasing(seq []int) []bool {
	n := len(seq)
	length := make([]int, n)
	prev := make([]int, n)
	best := -1
	for i := range seq {
		length[i], prev[i] = 1, -1
		for j := 0; j < i; j++ {
			if seq[j] < seq[i] && length[j]+1 > length[i] {
				length[i], prev[i] = length[j]+1, j
			}
		}
		if best < 0 || length[i] > length[best] {
			best = i
		}
	}
	keep := make([]bool, n)
	for i := best; i >= 0; i = prev[i] {
		keep[i] = true
	}
	return keep
}

func diffComm(old, new []CommRule) []CommChange {
	used := make([]bool, len(old))
	match := make([]int, len(new))
	for i := range match {
		match[i] = -1
	}
	for _, sameAfter := range []bool{true, false} {
		for i := range new {
			if match[i] >= 0 {
				continue
			}
			for j := range old {
				if !used[j] && old[j].Audience == new[i].Audience && (!sameAfter || old[j].After == new[i].After) {
					match[i], used[j] = j, true
					break
				}
			}
		}
	}
	var out []CommChange
	for i := range new {
		n := &new[i]
		if match[i] < 0 {
			out = append(out, CommChange{New: n})
			continue
		}
		o := &old[match[i]]
		var fields []string
		for _, f := range []struct {
			name string
			same bool
		}{
			{"after", o.After == n.After},
			{"channel", o.Channel == n.Channel},
			{"severities", slices.Equal(o.Severities, n.Severities)},
			{"update_every", o.UpdateEvery == n.UpdateEvery},
			{"template", o.Template == n.Template},
		} {
			if !f.same {
				fields = append(fields, f.name)
			}
		}
		if len(fields) > 0 {
			out = append(out, CommChange{Old: o, New: n, Fields: fields})
		}
	}
	for j := range old {
		if !used[j] {
			out = append(out, CommChange{Old: &old[j]})
		}
	}
	return out
}
