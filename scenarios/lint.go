package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/tomldoc"
)

var slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) })

// linter runs the semantic checks of a scenario after decoding: ids, references
// between sections and to the runbook, reachability and cycles of the injects.
// It tests decoded values first and asks the document for positions only when a value
// is wrong, so a clean file never pays for the position scan.
type linter struct {
	doc      *tomldoc.Doc
	env      Env
	pol      *runbook.Policy
	rb       *runbook.Runbook // nil when the runbook is unknown
	decoded  map[tomldoc.Pos]bool
	problems Problems

	injects    map[string]int // id → index of its first use
	objectives map[string]bool
	tasks      map[string]map[string]bool // objective → its critical tasks
	roles      map[string]bool
	modules    map[string]bool
	pooled     map[string]string // inject → pool
	usedObj    map[string]bool
	usedModule map[string]bool
	gotoFrom   map[string][]int // target → injects whose decision branches to it
	broken     map[int]bool     // injects already reported for their timing
}

func lint(doc *tomldoc.Doc, f *fileScenario, env Env, decoded Problems) Problems {
	l := &linter{doc: doc, env: env, pol: env.policy(), decoded: map[tomldoc.Pos]bool{}}
	for _, d := range decoded {
		if strings.HasPrefix(d.Msg, "missing required key") || strings.HasPrefix(d.Msg, "unknown key") {
			continue
		}
		l.decoded[tomldoc.Pos{Line: d.Line, Col: d.Col}] = true
	}
	l.run(f)
	return l.problems
}

func (l *linter) add(path []any, format string, a ...any) {
	if len(l.decoded) > 0 && l.decoded[l.doc.At(path...)] {
		return
	}
	l.problems = append(l.problems, l.doc.Problem(fmt.Sprintf(format, a...), path...))
}

// failed reports whether the value at path did not decode (its problem is reported
// already, so checks that need the value stay quiet).
func (l *linter) failed(path []any) bool {
	return len(l.decoded) > 0 && l.decoded[l.doc.At(path...)]
}

func p(path ...any) []any { return path }

func with(path []any, elems ...any) []any {
	out := make([]any, 0, len(path)+len(elems))
	return append(append(out, path...), elems...)
}

func dotted(path []any) string { return tomldoc.DottedPath(path) }

func (l *linter) run(f *fileScenario) {
	if f.Schema != SchemaVersion && f.Schema != 0 {
		l.add(p("schema"), "schema %d is not supported (this muster reads scenario schema %d)", f.Schema, SchemaVersion)
	}
	l.slug(p("id"), f.ID)
	l.nonEmpty(p("title"), f.Title)
	l.nonEmpty(p("summary"), f.Summary)
	l.enum(p("exercise_type"), f.ExerciseType, ExerciseTypes)
	for i, m := range f.MissionAreas {
		l.enum(p("mission_areas", i), m, MissionAreas)
	}
	l.stringList(p("tags"), f.Tags)
	l.stringList(p("authors"), f.Authors)
	if loc := f.StoryStart.Location().String(); strings.HasSuffix(loc, "-local") {
		l.add(p("story_start"), "story_start needs a UTC offset (like 2026-03-03T09:30:00+01:00): a local time means a different instant on every machine")
	}
	l.runbook(f)
	if f.Severity != "" {
		if _, ok := l.pol.Level(f.Severity); !ok {
			l.add(p("severity"), "severity: unknown level %q%s; policy %s has %s", f.Severity, tomldoc.DidYouMean(f.Severity, l.pol.LevelNames()), l.pol.Name, strings.Join(l.pol.LevelNames(), ", "))
		} else if l.rb != nil && !l.rb.AppliesTo(f.Severity) {
			l.add(p("severity"), "severity: runbook %s is for %s incidents, not %s", l.rb.ID, strings.Join(l.rb.Severities, ", "), f.Severity)
		}
	}
	if f.Source != nil {
		l.enum(p("source", "kind"), f.Source.Kind, SourceKinds)
		if f.Source.Kind == "recorded" && strings.TrimSpace(f.Source.Incident) == "" {
			l.add(p("source", "incident"), "source.incident: a recorded scenario names the incident it was made from")
		}
		for i, e := range f.Source.Timeline {
			l.nonEmpty(p("source", "timeline", i, "what"), e.What)
		}
	}
	l.rolesAndObjectives(f)
	l.modulesCheck(f)
	l.poolsCheck(f)
	l.injectsCheck(f)
	for i, o := range f.Objectives {
		if o.ID != "" && !l.usedObj[o.ID] {
			l.add(p("objectives", i), "objective %s has no expectation: nothing in the drill can rate it (name it in an expectation's objective)", o.ID)
		}
	}
	for i, m := range f.Modules {
		if m.ID != "" && !l.usedModule[m.ID] {
			l.add(p("modules", i), "module %s has no inject: give an inject module = %q or remove the module", m.ID, m.ID)
		}
	}
	l.graph(f)
	l.poolSiblings(f)
	l.timing(f)
}

func (l *linter) runbook(f *fileScenario) {
	id := f.Runbook.ID
	if id == "" {
		l.nonEmpty(p("runbook", "id"), id)
		return
	}
	if l.env.Runbooks == nil {
		l.add(p("runbook", "id"), "runbook %q cannot be checked: no runbook library given", id)
		return
	}
	rb, ok := l.env.Runbooks.Get(id)
	if !ok {
		known := ""
		if lister, ok := l.env.Runbooks.(interface{ List() []*runbook.Runbook }); ok {
			var ids []string
			for _, r := range lister.List() {
				ids = append(ids, r.ID)
			}
			known = tomldoc.DidYouMean(id, ids) + "; known runbooks: " + strings.Join(ids, ", ")
		}
		l.add(p("runbook", "id"), "runbook.id: unknown runbook %q%s", id, known)
		return
	}
	l.rb = rb
	if r := f.Runbook.Version; r.text != "" && !r.Contains(rb.Version) {
		l.add(p("runbook", "version"), "runbook.version: runbook %s is version %s, outside %q", rb.ID, rb.Version, r.text)
	}
}

func (l *linter) rolesAndObjectives(f *fileScenario) {
	l.roles = map[string]bool{}
	for i, r := range f.Roles {
		at := p("roles", i)
		l.slug(with(at, "id"), r.ID)
		if l.roles[r.ID] && r.ID != "" {
			l.add(with(at, "id"), "%s: duplicate role id %q", dotted(with(at, "id")), r.ID)
		}
		l.roles[r.ID] = true
		l.nonEmpty(with(at, "name"), r.Name)
		l.enum(with(at, "kind"), r.Kind, RoleKinds)
		if r.Webhook != nil {
			l.webhook(with(at, "webhook"), r.Webhook)
		}
	}
	l.objectives = map[string]bool{}
	l.tasks = map[string]map[string]bool{}
	l.usedObj = map[string]bool{}
	if f.Objectives != nil && len(f.Objectives) == 0 {
		l.add(p("objectives"), "objectives is empty: a drill needs at least one objective to rate")
	}
	for i, o := range f.Objectives {
		at := p("objectives", i)
		l.slug(with(at, "id"), o.ID)
		if l.objectives[o.ID] && o.ID != "" {
			l.add(with(at, "id"), "%s: duplicate objective id %q", dotted(with(at, "id")), o.ID)
		}
		l.objectives[o.ID] = true
		l.nonEmpty(with(at, "text"), o.Text)
		l.nonEmpty(with(at, "capability"), o.Capability)
		l.stringList(with(at, "targets"), o.Targets)
		tasks := map[string]bool{}
		for j, t := range o.Tasks {
			tp := with(at, "tasks", j)
			l.slug(with(tp, "id"), t.ID)
			if tasks[t.ID] && t.ID != "" {
				l.add(with(tp, "id"), "%s: duplicate critical task id %q in objective %s", dotted(with(tp, "id")), t.ID, o.ID)
			}
			tasks[t.ID] = true
			l.nonEmpty(with(tp, "text"), t.Text)
		}
		l.tasks[o.ID] = tasks
	}
	l.stringList(p("hot_wash"), f.HotWash)
	if x := f.Exercise; x != nil {
		l.stringList(p("exercise", "organisations"), x.Organisations)
	}
}

// webhook checks a role's webhook: a URL (http or https, with a host) or the name of
// an environment variable, and a known format.
func (l *linter) webhook(at []any, w *fileWebhook) {
	if w.URL == "" && w.Env == "" {
		l.add(at, "%s: give url = \"https://...\" or env = \"VARIABLE\" (the variable holding the URL, better for a secret)", dotted(at))
	}
	if w.URL != "" {
		if err := checkWebhookURL(w.URL); err != nil {
			l.add(with(at, "url"), "%s: %v", dotted(with(at, "url")), err)
		}
	}
	if w.Env != "" && !envName().MatchString(w.Env) {
		l.add(with(at, "env"), "%s: %q is not an environment variable name (letters, digits and _, not starting with a digit)", dotted(with(at, "env")), w.Env)
	}
	l.enum(with(at, "format"), w.Format, WebhookFormats)
}

func (l *linter) modulesCheck(f *fileScenario) {
	l.modules = map[string]bool{}
	l.usedModule = map[string]bool{}
	for i, m := range f.Modules {
		at := p("modules", i)
		l.slug(with(at, "id"), m.ID)
		if l.modules[m.ID] && m.ID != "" {
			l.add(with(at, "id"), "%s: duplicate module id %q", dotted(with(at, "id")), m.ID)
		}
		l.modules[m.ID] = true
		l.nonEmpty(with(at, "title"), m.Title)
		if m.Phase != "" {
			l.phase(with(at, "phase"), runbook.PhaseName(m.Phase))
		}
		l.stringList(with(at, "questions"), m.Questions)
	}
}

func (l *linter) poolsCheck(f *fileScenario) {
	ids := map[string]bool{}
	for _, in := range f.Injects {
		ids[in.ID] = true
	}
	l.pooled = map[string]string{}
	seen := map[string]bool{}
	for i, pl := range f.Pools {
		at := p("pools", i)
		l.slug(with(at, "id"), pl.ID)
		if seen[pl.ID] && pl.ID != "" {
			l.add(with(at, "id"), "%s: duplicate pool id %q", dotted(with(at, "id")), pl.ID)
		}
		seen[pl.ID] = true
		if len(pl.Members) < 2 && l.doc.Has(with(at, "members")...) && !l.failed(with(at, "members")) {
			l.add(with(at, "members"), "%s: a pool draws one of several injects; list at least two", dotted(with(at, "members")))
		}
		for j, m := range pl.Members {
			mp := with(at, "members", j)
			switch {
			case !ids[m]:
				l.add(mp, "%s: unknown inject %q%s", dotted(mp), m, tomldoc.DidYouMean(m, keys(ids)))
			case l.pooled[m] != "":
				l.add(mp, "%s: inject %s is already in pool %s", dotted(mp), m, l.pooled[m])
			default:
				l.pooled[m] = pl.ID
			}
		}
		if pl.Weights != nil {
			if len(pl.Weights) != len(pl.Members) {
				l.add(with(at, "weights"), "%s: %d weights for %d members", dotted(with(at, "weights")), len(pl.Weights), len(pl.Members))
			}
			for j, w := range pl.Weights {
				if w < 1 {
					l.add(with(at, "weights", j), "%s: a weight is a whole number of 1 or more", dotted(with(at, "weights", j)))
				}
			}
		}
	}
}

func (l *linter) injectsCheck(f *fileScenario) {
	l.injects = map[string]int{}
	l.gotoFrom = map[string][]int{}
	l.broken = map[int]bool{}
	if f.Injects != nil && len(f.Injects) == 0 {
		l.add(p("injects"), "injects is empty: a scenario needs at least one inject")
	}
	for i, in := range f.Injects {
		if in.ID == "" {
			continue
		}
		if first, dup := l.injects[in.ID]; dup {
			l.add(p("injects", i, "id"), "injects[%d].id: duplicate inject id %q (first used by injects[%d])", i, in.ID, first)
			continue
		}
		l.injects[in.ID] = i
	}
	for i, in := range f.Injects {
		if in.Decision == nil {
			continue
		}
		for _, o := range in.Decision.Options {
			if o.Goto != "" {
				l.gotoFrom[o.Goto] = append(l.gotoFrom[o.Goto], i)
			}
		}
	}
	for i := range f.Injects {
		l.inject(f, i)
	}
}

func (l *linter) inject(f *fileScenario, i int) {
	in := &f.Injects[i]
	at := p("injects", i)
	l.slug(with(at, "id"), in.ID)
	l.nonEmpty(with(at, "from"), in.From)
	l.nonEmpty(with(at, "title"), in.Title)
	l.enum(with(at, "channel"), in.Channel, Channels)
	for j, r := range in.To {
		if !l.roles[r] {
			l.add(with(at, "to", j), "%s: unknown role %q%s", dotted(with(at, "to", j)), r, tomldoc.DidYouMean(r, keys(l.roles)))
		}
	}
	switch {
	case in.Module != "" && !l.modules[in.Module]:
		l.add(with(at, "module"), "%s: unknown module %q%s", dotted(with(at, "module")), in.Module, tomldoc.DidYouMean(in.Module, keys(l.modules)))
	case in.Module == "" && len(f.Modules) > 0:
		l.add(at, "inject %s has no module; the scenario's modules are %s", in.ID, strings.Join(keys(l.modules), ", "))
	}
	l.usedModule[in.Module] = true

	// When it fires.
	sources := l.gotoFrom[in.ID]
	switch {
	case in.At.Set && in.After != nil:
		l.add(with(at, "after"), "inject %s has both at and after: give one", in.ID)
		l.broken[i] = true
	case (in.At.Set || in.After != nil) && len(sources) > 0:
		src := f.Injects[sources[0]].ID
		l.add(at, "inject %s is a branch target of the decision of inject %s: remove its at/after (the option's delay says when it fires)", in.ID, src)
		l.broken[i] = true
	case !in.At.Set && in.After == nil && len(sources) == 0:
		if !l.doc.Has(with(at, "at")...) { // an at that did not decode is reported where it is
			l.add(at, "inject %s is unreachable: it has no at, no after, and no decision branches to it", in.ID)
		}
		l.broken[i] = true
	}
	if in.At.Set && f.PlannedDuration > 0 && in.At.D >= time.Duration(f.PlannedDuration) {
		l.add(with(at, "at"), "%s: the inject would fire at %s, at or after the planned end (%s)", dotted(with(at, "at")), formatOffset(in.At.D), clockText(time.Duration(f.PlannedDuration)))
	}
	if a := in.After; a != nil {
		ap := with(at, "after")
		n := 0
		for _, s := range []string{a.Inject, a.Step, a.Phase} {
			if s != "" {
				n++
			}
		}
		if n != 1 {
			l.add(ap, "%s: name exactly one of inject, step or phase (it has %d)", dotted(ap), n)
			l.broken[i] = true
		}
		if a.Inject != "" {
			if _, ok := l.injects[a.Inject]; !ok {
				l.add(with(ap, "inject"), "%s: unknown inject %q%s", dotted(with(ap, "inject")), a.Inject, tomldoc.DidYouMean(a.Inject, keys(l.injects)))
				l.broken[i] = true
			} else if a.Inject == in.ID {
				l.add(with(ap, "inject"), "%s: an inject cannot fire after itself", dotted(with(ap, "inject")))
				l.broken[i] = true
			}
		}
		if a.Step != "" {
			l.step(with(ap, "step"), a.Step)
		}
		if a.Phase != "" {
			l.phase(with(ap, "phase"), runbook.PhaseName(a.Phase))
		}
	}
	if d := in.Decision; d != nil {
		l.decision(with(at, "decision"), in.ID, d)
	}
	seen := map[string]bool{}
	for j := range in.Expectations {
		e := &in.Expectations[j]
		ep := with(at, "expectations", j)
		if seen[e.ID] && e.ID != "" {
			l.add(with(ep, "id"), "%s: duplicate expectation id %q in inject %s", dotted(with(ep, "id")), e.ID, in.ID)
		}
		seen[e.ID] = true
		l.expectation(ep, f, e)
	}
}

func (l *linter) decision(at []any, inject string, d *fileDecision) {
	l.nonEmpty(with(at, "prompt"), d.Prompt)
	if d.Role != "" && !l.roles[d.Role] {
		l.add(with(at, "role"), "%s: unknown role %q%s", dotted(with(at, "role")), d.Role, tomldoc.DidYouMean(d.Role, keys(l.roles)))
	}
	if d.Options != nil && len(d.Options) < 2 {
		l.add(with(at, "options"), "%s: a decision needs at least two options", dotted(with(at, "options")))
	}
	if d.Timeout == 0 && !l.doc.Has(with(at, "timeout")...) {
		l.add(at, "the decision of inject %s has no timeout: add timeout = \"5m\" so the drill goes on with the default when nobody answers", inject)
	}
	ids := map[string]bool{}
	for j, o := range d.Options {
		op := with(at, "options", j)
		l.slug(with(op, "id"), o.ID)
		if ids[o.ID] && o.ID != "" {
			l.add(with(op, "id"), "%s: duplicate option id %q", dotted(with(op, "id")), o.ID)
		}
		ids[o.ID] = true
		l.nonEmpty(with(op, "label"), o.Label)
		if o.Goto != "" {
			if _, ok := l.injects[o.Goto]; !ok {
				l.add(with(op, "goto"), "%s: unknown inject %q%s", dotted(with(op, "goto")), o.Goto, tomldoc.DidYouMean(o.Goto, keys(l.injects)))
			} else if o.Goto == inject {
				l.add(with(op, "goto"), "%s: an option cannot branch to its own inject", dotted(with(op, "goto")))
			}
		} else if o.Delay.Set {
			l.add(with(op, "delay"), "%s: delay is only used with goto", dotted(with(op, "delay")))
		}
		if o.Points < 0 {
			l.add(with(op, "points"), "%s must not be negative", dotted(with(op, "points")))
		}
	}
	switch {
	case d.Default == "" && d.Options != nil:
		l.add(at, "the decision of inject %s has no default: name the option taken when time runs out (default = %q)", inject, firstOption(d))
	case d.Default != "" && !ids[d.Default]:
		l.add(with(at, "default"), "%s: %q is not one of the options (%s)", dotted(with(at, "default")), d.Default, strings.Join(keys(ids), ", "))
	}
}

func firstOption(d *fileDecision) string {
	if len(d.Options) > 0 {
		return d.Options[0].ID
	}
	return "..."
}

func (l *linter) expectation(at []any, f *fileScenario, e *fileExpectation) {
	l.slug(with(at, "id"), e.ID)
	if e.Kind != "" && !inList(ExpectKinds, e.Kind) {
		l.add(with(at, "kind"), "%s: unknown kind %q%s; kinds are %s", dotted(with(at, "kind")), e.Kind, tomldoc.DidYouMean(e.Kind, ExpectKinds), strings.Join(ExpectKinds, ", "))
	}
	if e.Within == 0 && !l.doc.Has(with(at, "within")...) {
		l.add(at, "expectation %s has no deadline: add within = \"15m\" (drill time from the inject)", e.ID)
	}
	if e.Points < 0 {
		l.add(with(at, "points"), "%s must not be negative", dotted(with(at, "points")))
	}
	switch {
	case e.Objective == "" && len(f.Objectives) > 0:
		l.add(at, "expectation %s names no objective; it rates one of %s", e.ID, strings.Join(keys(l.objectives), ", "))
	case e.Objective != "" && !l.objectives[e.Objective]:
		l.add(with(at, "objective"), "%s: unknown objective %q%s", dotted(with(at, "objective")), e.Objective, tomldoc.DidYouMean(e.Objective, keys(l.objectives)))
	}
	l.usedObj[e.Objective] = true
	if e.Task != "" && l.objectives[e.Objective] {
		if ts := l.tasks[e.Objective]; !ts[e.Task] {
			l.add(with(at, "task"), "%s: objective %s has no critical task %q%s", dotted(with(at, "task")), e.Objective, e.Task, tomldoc.DidYouMean(e.Task, keys(ts)))
		}
	}
	if e.Element != "" {
		l.enum(with(at, "element"), e.Element, Elements)
	}
	if e.Step != "" {
		l.step(with(at, "step"), e.Step)
	}
	only := func(key, value, kind string) {
		if value != "" && e.Kind != kind && inList(ExpectKinds, e.Kind) {
			l.add(with(at, key), "%s is not used by a %s expectation (only by %s)", dotted(with(at, key)), e.Kind, kind)
		}
	}
	l.targetsCheck(at, f, e)
	only("to", e.To, ExpectEscalation)
	only("audience", e.Audience, ExpectNotify)
	only("level", e.Level, ExpectSeverity)
	only("check", e.Check, ExpectBackupCheck)
	only("match", e.Match, ExpectEvidence)
	switch e.Kind {
	case ExpectStep:
		if e.Step == "" {
			l.add(at, "expectation %s of kind step names no step (step = \"...\", a step id of runbook %s)", e.ID, f.Runbook.ID)
		} else if st, ok := l.stepOf(e.Step); ok && st.DoneByStart() {
			l.add(with(at, "step"), "%s: step %s is done by the start of the drill (done_by = \"start\"), so the expectation is met before anyone acts", dotted(with(at, "step")), e.Step)
		}
	case ExpectSeverity:
		switch {
		case e.Level == "":
			l.add(at, "expectation %s of kind severity names no level (level = %q)", e.ID, firstLevel(l.pol))
		case !levelKnown(l.pol, e.Level):
			l.add(with(at, "level"), "%s: unknown level %q%s; policy %s has %s", dotted(with(at, "level")), e.Level, tomldoc.DidYouMean(e.Level, l.pol.LevelNames()), l.pol.Name, strings.Join(l.pol.LevelNames(), ", "))
		case e.Level == f.Severity:
			l.add(with(at, "level"), "%s: %s is the drill's starting severity, so the expectation is met before anyone acts", dotted(with(at, "level")), e.Level)
		}
	case ExpectBackupCheck:
		if e.Check != "" && !inList(runbook.Checks, e.Check) {
			l.add(with(at, "check"), "%s: unknown check %q%s; known checks: %s", dotted(with(at, "check")), e.Check, tomldoc.DidYouMean(e.Check, runbook.Checks), strings.Join(runbook.Checks, ", "))
		}
	}
}

func firstLevel(pol *runbook.Policy) string {
	if names := pol.LevelNames(); len(names) > 0 {
		return names[0]
	}
	return "..."
}

func levelKnown(pol *runbook.Policy, name string) bool {
	_, ok := pol.Level(name)
	return ok
}

// step reports a step id the scenario's runbook does not have.
// stepOf is the runbook's step with this id, when the runbook loaded.
func (l *linter) stepOf(id string) (runbook.Step, bool) {
	if l.rb == nil {
		return runbook.Step{}, false
	}
	return l.rb.Step(id)
}

func (l *linter) step(at []any, id string) {
	if l.rb == nil {
		return // the unknown runbook is reported once
	}
	if _, ok := l.rb.Step(id); !ok {
		var ids []string
		for _, s := range l.rb.Steps() {
			ids = append(ids, s.ID)
		}
		l.add(at, "%s: runbook %s has no step %q%s", dotted(at), l.rb.ID, id, tomldoc.DidYouMean(id, ids))
	}
}

// phase reports a phase name that is not a phase, or that the runbook does not have.
func (l *linter) phase(at []any, name runbook.PhaseName) {
	if !name.Valid() {
		var names []string
		for _, ph := range runbook.PhaseOrder {
			names = append(names, string(ph))
		}
		l.add(at, "%s: unknown phase %q%s; phases are %s", dotted(at), name, tomldoc.DidYouMean(string(name), names), strings.Join(names, ", "))
		return
	}
	if l.rb != nil {
		if _, ok := l.rb.Phase(name); !ok {
			l.add(at, "%s: runbook %s has no %s phase", dotted(at), l.rb.ID, name)
		}
	}
}

// graph finds cycles among the injects (after = {inject} and decision branches) and
// injects no drill can reach.
func (l *linter) graph(f *fileScenario) {
	n := len(f.Injects)
	next := make([][]int, n) // edges: anchor → dependent
	for i, in := range f.Injects {
		if in.After != nil && in.After.Inject != "" {
			if a, ok := l.injects[in.After.Inject]; ok && a != i {
				next[a] = append(next[a], i)
			}
		}
		if in.Decision != nil {
			for _, o := range in.Decision.Options {
				if t, ok := l.injects[o.Goto]; ok && t != i {
					next[i] = append(next[i], t)
				}
			}
		}
	}
	// Cycles: colour DFS, each cycle reported once at its first inject.
	color := make([]int8, n)
	inCycle := make([]bool, n)
	var stack []int
	var visit func(int)
	visit = func(u int) {
		color[u] = 1
		stack = append(stack, u)
		for _, v := range next[u] {
			switch color[v] {
			case 0:
				visit(v)
			case 1:
				k := slices.Index(stack, v)
				cyc := slices.Clone(stack[k:])
				first := slices.Min(cyc)
				names := make([]string, 0, len(cyc)+1)
				for _, c := range cyc {
					names = append(names, f.Injects[c].ID)
					inCycle[c] = true
				}
				names = append(names, f.Injects[v].ID)
				l.add(p("injects", first), "injects form a cycle: %s; an inject in a cycle waits for itself", strings.Join(names, " → "))
			}
		}
		stack = stack[:len(stack)-1]
		color[u] = 2
	}
	for i := range f.Injects {
		if color[i] == 0 {
			visit(i)
		}
	}
	// Reachability from the injects that fire on their own: timed ones and those
	// waiting on the team's runbook work.
	reach := make([]bool, n)
	var queue []int
	for i, in := range f.Injects {
		// A broken inject's dependents are not reported: fixing the one fault fixes them.
		if l.broken[i] || in.At.Set || (in.After != nil && in.After.Inject == "" && (in.After.Step != "" || in.After.Phase != "")) {
			reach[i] = true
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range next[u] {
			if !reach[v] {
				reach[v] = true
				queue = append(queue, v)
			}
		}
	}
	for i, in := range f.Injects {
		if reach[i] || l.broken[i] || inCycle[i] || in.ID == "" {
			continue
		}
		l.add(p("injects", i), "inject %s is unreachable: what it waits for never fires", in.ID)
	}
}

func (l *linter) enum(at []any, v string, allowed []string) {
	if v != "" && !inList(allowed, v) {
		l.add(at, "%s: %q is not one of %s%s", dotted(at), v, strings.Join(allowed, ", "), tomldoc.DidYouMean(v, allowed))
	}
}

func (l *linter) stringList(at []any, items []string) {
	for i, s := range items {
		if strings.TrimSpace(s) == "" {
			l.add(with(at, i), "%s is empty", dotted(with(at, i)))
		}
	}
}

func (l *linter) nonEmpty(at []any, s string) {
	if strings.TrimSpace(s) == "" && l.doc.Has(at...) {
		l.add(at, "%s is empty", dotted(at))
	}
}

func (l *linter) slug(at []any, id string) {
	if !slugRE().MatchString(id) && (id != "" || l.doc.Has(at...)) {
		l.add(at, "%s %q must be a slug: lower-case letters and digits, words joined by single dashes (like customer-email)", dotted(at), id)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
