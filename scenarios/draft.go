package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// DraftFile is the after-action report's editable draft, in the drill incident's
// directory: the facilitator writes the executive summary and adjusts each
// improvement plan item (action, POETE element, organisation, point of contact,
// owner, start and completion) before finalising; the report reads it, and
// finalising makes the edited items follow-ups.
const DraftFile = "aar-draft.toml"

// Draft is the facilitator's edits to the after-action report.
type Draft struct {
	Summary string
	Items   map[string]DraftItem // by plan item id (IP1, ...)
}

// DraftItem is one improvement plan item as the facilitator edited it; empty fields
// keep muster's values.
type DraftItem struct {
	Action, Element, Organisation, Contact, Owner string
	Start, Due                                    time.Time
}

type fileDraft struct {
	Schema  int             `toml:"schema,required"`
	Summary string          `toml:"executive_summary"`
	Plan    []fileDraftItem `toml:"plan"`
}

type fileDraftItem struct {
	ID           string    `toml:"id,required"`
	Action       string    `toml:"action"`
	Element      string    `toml:"element"`
	Organisation string    `toml:"organisation"`
	Contact      string    `toml:"point_of_contact"`
	Owner        string    `toml:"owner"`
	Start        time.Time `toml:"start"`
	Due          time.Time `toml:"completion"`
}

// ParseDraft decodes an after-action draft, reporting every problem with its
// position; plan item ids are checked against the report's plan.
func ParseDraft(file string, data []byte, plan []PlanItem) (*Draft, Problems) {
	var f fileDraft
	doc, ps := tomldoc.Decode(file, data, &f)
	if len(ps) > 0 && (isSyntaxOnly(ps) || isDecodePanic(ps)) {
		return nil, ps
	}
	if f.Schema != 1 && f.Schema != 0 {
		ps = append(ps, doc.Problem(fmt.Sprintf("schema %d is not supported (this muster reads draft schema 1)", f.Schema), "schema"))
	}
	ids := map[string]bool{}
	for _, it := range plan {
		ids[it.ID] = true
	}
	d := &Draft{Summary: untrusted.Block(f.Summary), Items: map[string]DraftItem{}}
	for i, it := range f.Plan {
		at := []any{"plan", i}
		switch {
		case !ids[it.ID]:
			ps = append(ps, doc.Problem(fmt.Sprintf("plan[%d].id: the report has no plan item %q%s", i, it.ID, tomldoc.DidYouMean(it.ID, keys(ids))), append(at, "id")...))
			continue
		case it.Element != "" && !inList(Elements, it.Element):
			ps = append(ps, doc.Problem(fmt.Sprintf("plan[%d].element: %q is not one of %s", i, it.Element, strings.Join(Elements, ", ")), append(at, "element")...))
		case !it.Start.IsZero() && !it.Due.IsZero() && it.Due.Before(it.Start):
			ps = append(ps, doc.Problem(fmt.Sprintf("plan[%d].completion: %s is before the start %s", i, it.Due.Format("2006-01-02"), it.Start.Format("2006-01-02")), append(at, "completion")...))
		}
		if _, dup := d.Items[it.ID]; dup {
			ps = append(ps, doc.Problem(fmt.Sprintf("plan[%d].id: plan item %s is edited twice", i, it.ID), append(at, "id")...))
		}
		d.Items[it.ID] = DraftItem{Action: untrusted.Field(it.Action), Element: untrusted.Field(it.Element), Organisation: untrusted.Field(it.Organisation),
			Contact: untrusted.Field(it.Contact), Owner: untrusted.Field(it.Owner), Start: it.Start, Due: it.Due}
	}
	if len(ps) > 0 {
		ps.Sort()
		return nil, ps
	}
	return d, nil
}

// apply puts the draft's edits on a plan item.
func (d *Draft) apply(it *PlanItem) {
	if d == nil {
		return
	}
	e, ok := d.Items[it.ID]
	if !ok {
		return
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&it.Action, e.Action)
	set(&it.Element, e.Element)
	set(&it.Organisation, e.Organisation)
	set(&it.Contact, e.Contact)
	set(&it.Owner, e.Owner)
	if !e.Start.IsZero() {
		it.Start = e.Start.UTC()
	}
	if !e.Due.IsZero() {
		y, m, dd := e.Due.Date()
		it.Due = time.Date(y, m, dd, 23, 59, 59, 0, time.UTC)
	}
}

// loadDraft reads the draft in a drill incident's directory; none is no draft.
func (e *Engine) loadDraft(dir string) error {
	path := filepath.Join(dir, DraftFile)
	data, err := tomldoc.ReadFile(path, "draft", 1<<20)
	if err != nil {
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	d, ps := ParseDraft(path, data, e.ImprovementPlan())
	if len(ps) > 0 {
		return fmt.Errorf("the after-action draft has problems:\n%v", ps)
	}
	e.draft = d
	return nil
}

// DraftTOML is a draft to start from: the executive summary to write and every plan
// item with muster's values, to edit.
func DraftTOML(a *AAR) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# The after-action report's draft for %s: edit, then muster incident report %s reads it;\n", a.Overview.Incident, a.Overview.Incident)
	b.WriteString("# muster drill act ID finalise turns the edited plan items into follow-ups. Empty values keep muster's.\n")
	b.WriteString("schema = 1\n\nexecutive_summary = \"\"\"\n")
	if a.Summary.Text != "" {
		b.WriteString(strings.ReplaceAll(a.Summary.Text, `"""`, `""\"`) + "\n")
	}
	b.WriteString("\"\"\"\n")
	for _, p := range a.Plan {
		fmt.Fprintf(&b, "\n[[plan]]\nid = %s\n# issue: %s\naction = %s\nelement = %s                # planning, organization, equipment, training, exercise\norganisation = %s\npoint_of_contact = %s\nowner = %s\nstart = %s\ncompletion = %s\n",
			tq(p.ID), untrusted.Line(p.Issue), tq(p.Action), tq(p.Element), tq(p.Organisation), tq(p.Contact), tq(p.Owner),
			p.Start.UTC().Format("2006-01-02T15:04:05Z"), p.Due.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return []byte(b.String())
}
