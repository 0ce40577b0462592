package runbook

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

// linter runs the semantic checks of a runbook after decoding: the things a TOML
// decoder cannot know (slugs, unique step ids, phase and severity names, check names,
// references between sections).
type linter struct {
	doc      *tomldoc.Doc
	pol      *Policy
	decoded  map[tomldoc.Pos]bool // values the decoder already refused (wrong type): not judged again
	problems Problems
	// firstPhase is the earliest phase of the runbook, where a step the start does
	// belongs.
	firstPhase string
}

func lint(doc *tomldoc.Doc, f *fileRunbook, pol *Policy, decoded Problems) Problems {
	l := &linter{doc: doc, pol: pol, decoded: map[tomldoc.Pos]bool{}}
	for _, d := range decoded {
		if strings.HasPrefix(d.Msg, "missing required key") || strings.HasPrefix(d.Msg, "unknown key") {
			continue // at a table header or a key we never check: not a value we would judge again
		}
		l.decoded[tomldoc.Pos{Line: d.Line, Col: d.Col}] = true
	}
	return l.run(f)
}

// Lint reports every problem of a runbook file; it is Parse without the result.
func Lint(file string, data []byte, pol *Policy) Problems {
	_, ps := Parse(file, data, pol)
	return ps
}

func (l *linter) add(path []any, format string, a ...any) {
	if l.decoded[l.doc.At(path...)] {
		return
	}
	l.problems = append(l.problems, l.doc.Problem(fmt.Sprintf(format, a...), path...))
}

// The checks test the decoded value first and ask the document whether a key was
// written only when the value looks wrong: positions are then needed anyway, and a
// clean file never pays for them.

func (l *linter) run(f *fileRunbook) Problems {
	if f.Schema != SchemaVersion && l.doc.Has("schema") {
		l.add(p("schema"), "schema %d is not supported (this muster reads schema %d)", f.Schema, SchemaVersion)
	}
	l.slug(nil, "id", f.ID)
	l.nonEmpty(nil, "title", f.Title)
	l.nonEmpty(nil, "summary", f.Summary)
	l.nonEmpty(nil, "owner", f.Owner)
	if f.Severities != nil && len(f.Severities) == 0 { // written as [] (nil: missing or not an array, reported by the decoder)
		l.add(p("severities"), "severities is empty: name the levels this runbook is for (%s)", strings.Join(l.pol.LevelNames(), ", "))
	}
	l.severities(nil, "severities", f.Severities)
	l.stringList(nil, "tags", f.Tags)

	l.phases(f)

	for i, c := range f.Communication {
		at := p("communication", i)
		l.nonEmpty(at, "audience", c.Audience)
		l.nonEmpty(at, "channel", c.Channel)
		switch name := PhaseName(c.After); {
		case name.Valid() && hasPhase(f, name):
		case c.After == "" && !l.doc.Has(with(at, "after")...):
			// missing: the decoder reported it
		case !name.Valid():
			l.add(with(at, "after"), "%s: unknown phase %q%s; phases are %s", dotted(with(at, "after")), c.After, tomldoc.DidYouMean(c.After, phaseStrings()), phaseList())
		default:
			l.add(with(at, "after"), "%s: the runbook has no %s phase, so this notice would never fall due", dotted(with(at, "after")), name)
		}
		if c.Severities != nil && len(c.Severities) == 0 {
			l.add(with(at, "severities"), "%s is empty: leave it out to notify for every severity of the runbook", dotted(with(at, "severities")))
		}
		l.severities(at, "severities", c.Severities)
	}
	return l.problems
}

// stepRef is where a step is written: phases.<phase>.steps[<index>].
type stepRef struct {
	phase string
	index int
}

func (r stepRef) path(keys ...any) []any {
	return append([]any{"phases", r.phase, "steps", r.index}, keys...)
}

// phases checks the phase names, that each phase has steps, and every step.
func (l *linter) phases(f *fileRunbook) {
	if f.Phases == nil {
		return // missing (the decoder reported it) or not a table
	}
	if len(f.Phases) == 0 {
		l.add(p("phases"), "phases is empty: a runbook needs at least one phase with steps (%s)", phaseList())
		return
	}
	names := make([]string, 0, len(f.Phases))
	for name := range f.Phases {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic; problems are sorted by position at the end
	for _, name := range PhaseOrder {
		if _, ok := f.Phases[string(name)]; ok {
			l.firstPhase = string(name)
			break
		}
	}
	idAt := map[string][]stepRef{}
	for _, name := range names {
		ph := f.Phases[name]
		if !PhaseName(name).Valid() {
			l.add(p("phases", name), "unknown phase %q%s; phases are %s", name, tomldoc.DidYouMean(name, phaseStrings()), phaseList())
		}
		if len(ph.Steps) == 0 {
			l.add(p("phases", name), "phase %s has no steps: add [[phases.%s.steps]] or remove the phase", name, name)
		}
		for i := range ph.Steps {
			ref := stepRef{name, i}
			l.step(ref, &ph.Steps[i])
			if id := ph.Steps[i].ID; id != "" {
				idAt[id] = append(idAt[id], ref)
			}
		}
	}
	// Every use of an id after the first in the file is a duplicate.
	for _, id := range sortedKeys(idAt) {
		refs := idAt[id]
		if len(refs) < 2 {
			continue
		}
		sort.SliceStable(refs, func(i, j int) bool { return before(l.doc.At(refs[i].path("id")...), l.doc.At(refs[j].path("id")...)) })
		first := l.doc.At(refs[0].path("id")...)
		for _, dup := range refs[1:] {
			at := dup.path("id")
			l.add(at, "%s: duplicate step id %q (first used at line %d)", dotted(at), id, first.Line)
		}
	}
}

func (l *linter) step(ref stepRef, s *fileStep) {
	// Paths are built only for a step that has something to report.
	if !isSlug(s.ID) {
		l.slug(ref.path(), "id", s.ID)
	}
	for _, f := range [...]struct{ key, val string }{{"title", s.Title}, {"role", s.Role}, {"body", s.Body}} {
		if isBlank(f.val) {
			l.nonEmpty(ref.path(), f.key, f.val)
		}
	}
	if hasBlank(s.Evidence) {
		l.stringList(ref.path(), "evidence", s.Evidence)
	}
	if hasBlank(s.Commands) {
		l.stringList(ref.path(), "commands", s.Commands)
	}
	if s.When != nil && len(s.When) == 0 {
		at := ref.path("when")
		l.add(at, "%s is empty: leave it out to apply the step to every severity", dotted(at))
	}
	if len(s.When) > 0 {
		l.severities(ref.path(), "when", s.When)
	}
	if s.Check != "" && !slices.Contains(Checks, s.Check) {
		at := ref.path("check")
		l.add(at, "%s: unknown check %q%s; known checks: %s", dotted(at), s.Check, tomldoc.DidYouMean(s.Check, Checks), strings.Join(Checks, ", "))
	}
	if s.DoneBy != "" {
		at := ref.path("done_by")
		switch {
		case s.DoneBy != DoneByStart:
			l.add(at, "%s: unknown value %q; the one value is \"start\" (starting the incident does the step)", dotted(at), s.DoneBy)
		case ref.phase != l.firstPhase:
			l.add(at, "%s: a step the start does belongs to the first phase (%s), before anyone acts", dotted(at), l.firstPhase)
		case s.Check != "":
			l.add(at, "%s: a step with a check is done by running the check, not by the start", dotted(at))
		case s.When != nil:
			l.add(at, "%s: the start does the step at every severity: leave out when", dotted(at))
		}
	}
	switch {
	case s.Check == "rds-backup" || s.Check == "restore-test":
		l.nonEmpty(ref.path(), "service", s.Service)
	case s.Service != "":
		at := ref.path("service")
		l.add(at, `%s is only used with check = "rds-backup" or "restore-test"`, dotted(at))
	}
}

// severities checks that every name in the list at base.key is a level of the policy,
// once.
func (l *linter) severities(base []any, key string, names []string) {
	for i, name := range names {
		if _, ok := l.pol.Level(name); !ok {
			ep := with(base, key, i)
			l.add(ep, "%s: unknown severity %q%s; policy %s has %s", dotted(ep), name, tomldoc.DidYouMean(name, l.pol.LevelNames()), l.pol.Name, strings.Join(l.pol.LevelNames(), ", "))
		} else if slices.Contains(names[:i], name) {
			ep := with(base, key, i)
			l.add(ep, "%s: severity %q is listed twice", dotted(ep), name)
		}
	}
}

// stringList reports empty entries of the list of prompts, commands or tags at base.key.
func (l *linter) stringList(base []any, key string, items []string) {
	for i, s := range items {
		if isBlank(s) {
			at := with(base, key, i)
			l.add(at, "%s is empty", dotted(at))
		}
	}
}

// nonEmpty reports a text key that is present but blank (a missing one is the
// decoder's "missing required key").
func (l *linter) nonEmpty(base []any, key, s string) {
	if !isBlank(s) {
		return
	}
	if at := with(base, key); l.doc.Has(at...) {
		l.add(at, "%s is empty", dotted(at))
	}
}

// slug reports an id at base.key that is present and not a slug.
func (l *linter) slug(base []any, key, id string) {
	if isSlug(id) {
		return
	}
	if at := with(base, key); id != "" || l.doc.Has(at...) {
		l.add(at, "%s %q must be a slug: lower-case letters and digits, words joined by single dashes (like confirm-alert)", dotted(at), id)
	}
}

// isSlug reports whether s matches ^[a-z0-9]+(-[a-z0-9]+)*$ (slugRE, without its cost).
func isSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

func hasBlank(items []string) bool { return slices.ContainsFunc(items, isBlank) }

func before(a, b tomldoc.Pos) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hasPhase(f *fileRunbook, name PhaseName) bool {
	_, ok := f.Phases[string(name)]
	return ok
}

func p(path ...any) []any { return path }

func with(path []any, elems ...any) []any {
	out := make([]any, 0, len(path)+len(elems))
	return append(append(out, path...), elems...)
}

func dotted(path []any) string { return tomldoc.DottedPath(path) }

func phaseStrings() []string {
	out := make([]string, len(PhaseOrder))
	for i, ph := range PhaseOrder {
		out[i] = string(ph)
	}
	return out
}

func phaseList() string { return strings.Join(phaseStrings(), ", ") }
