package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// Drafts on disk: what a responder types in a dialog is kept in the data directory as
// they type (one file per incident and dialog, 0600, replaced atomically), so a dropped
// ssh session or a SIGKILL loses no half-written note; resuming the incident offers it
// back. A dialog whose text reaches the journal deletes its draft. The files are
// written by commands, one batch at a time in order, never from Update.

// draftSchema is the version of the draft file's layout.
const draftSchema = 1

// draftFile is one dialog's text: <data dir>/drafts/<incident id>/<dialog>.json.
type draftFile struct {
	Schema   int          `json:"schema"`
	Incident string       `json:"incident"`
	Key      string       `json:"key"` // the dialog: its kind, and ":step" for step dialogs
	SavedAt  time.Time    `json:"saved_at"`
	Fields   []draftField `json:"fields"`
}

type draftField struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Choice bool   `json:"choice,omitempty"` // Value is the chosen item of a list
}

// hasText reports whether the draft holds anything typed (a choice alone is not).
func (f draftFile) hasText() bool {
	for _, fl := range f.Fields {
		if !fl.Choice && strings.TrimSpace(fl.Value) != "" {
			return true
		}
	}
	return false
}

// draftKinds are the dialogs whose text is kept on disk: the incident's. A drill's
// facilitator dialogs are not (the drill's clock has moved on when it resumes).
var draftKinds = []dialogKind{dlgNote, dlgSkip, dlgUndo, dlgAttach, dlgEscalate, dlgNotify, dlgSeverity, dlgAssign, dlgFollowUp, dlgClose}

// snapshot is the dialog's text as a draft file.
func (d *dialog) snapshot(id string, now time.Time) draftFile {
	f := draftFile{Schema: draftSchema, Incident: id, Key: d.draft, SavedAt: now.UTC()}
	for _, fl := range d.fields {
		f.Fields = append(f.Fields, draftField{Label: fl.label, Value: fl.value(), Choice: fl.kind == fieldChoice})
	}
	return f
}

// restore puts a draft's text back into a freshly built dialog, field by field (by
// label, so a dialog that gained a field keeps what matches). The text is cleaned as
// typed text is: the file could have been edited.
func (d *dialog) restore(f draftFile) {
	for i := range d.fields {
		fl := &d.fields[i]
		j := slices.IndexFunc(f.Fields, func(x draftField) bool { return x.Label == fl.label })
		if j < 0 {
			continue
		}
		v := f.Fields[j].Value
		switch fl.kind {
		case fieldChoice:
			if c := slices.Index(fl.choices, v); c >= 0 {
				fl.choice = c
			}
		case fieldText:
			fl.area.SetValue(untrusted.Clean(v))
		default:
			fl.input.SetValue(untrusted.Line(v))
		}
	}
}

// draftPath is where the draft of dialog key of incident id is kept.
func draftPath(dataDir, id, key string) string {
	return filepath.Join(dataDir, "drafts", id, url.PathEscape(strings.ReplaceAll(key, ":", "--"))+".json")
}

// writeDraft replaces the draft file at path atomically (a temporary file, fsync,
// rename), or removes it when f is nil.
func writeDraft(path string, f *draftFile) error {
	if f == nil {
		err := os.Remove(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		os.Remove(filepath.Dir(path)) // the incident's last draft: its directory goes too (fails while others remain)
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".draft-*") // 0600
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// readDrafts lists the drafts kept for incident id, newest first. A file that does
// not read as a draft of this incident is left alone and named in the error.
func readDrafts(dataDir, id string) ([]draftFile, error) {
	dir := filepath.Join(dataDir, "drafts", id)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []draftFile
	var problems []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		var f draftFile
		if err := json.Unmarshal(b, &f); err != nil || f.Schema != draftSchema || f.Incident != id || f.Key == "" || path != draftPath(dataDir, id, f.Key) {
			problems = append(problems, fmt.Errorf("%s: not a draft of this incident; left as it is", filepath.Join("drafts", id, e.Name())))
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b draftFile) int { return b.SavedAt.Compare(a.SavedAt) })
	return out, errors.Join(problems...)
}

// draftsSavedMsg answers a batch of draft writes.
type draftsSavedMsg struct {
	req int
	err error
}

// saveDrafts writes a batch of drafts (nil removes one), by path.
func saveDrafts(req int, batch map[string]*draftFile) tea.Cmd {
	return func() tea.Msg {
		var errs []error
		for path, f := range batch {
			errs = append(errs, writeDraft(path, f))
		}
		return draftsSavedMsg{req: req, err: errors.Join(errs...)}
	}
}

// draftDisk is the model's side of the drafts on disk: what changed since the last
// write, one write in flight at a time (so an older text never lands after a newer
// one), and the drafts read when the incident was resumed.
type draftDisk struct {
	pending map[string]*draftFile // by path; nil removes the file
	sig     map[string]string     // by path: the text last queued, to write only changes
	saving  bool
	req     int
	err     string
	onDisk  map[string]draftFile // by incident id + "/" + key: read at resume, not reopened yet
}

// persistent reports whether drafts go to disk: only with a data directory.
func (m *Model) persistent() bool { return m.deps.Store != nil && m.deps.Store.DataDir != "" }

// keepDraft queues the open dialog's text for the disk when it changed, and starts a
// write unless one is in flight.
func (m *Model) keepDraft() tea.Cmd {
	d := m.inc.dialog
	if d == nil || !m.persistent() || !slices.Contains(draftKinds, d.kind) || m.inc.id == "" || m.inc.readOnly {
		return nil
	}
	f := d.snapshot(m.inc.id, m.deps.now())
	path := draftPath(m.deps.Store.DataDir, m.inc.id, d.draft)
	var sig strings.Builder
	for _, fl := range f.Fields {
		sig.WriteString(fl.Value)
		sig.WriteByte(0)
	}
	dd := &m.diskDrafts
	if dd.sig == nil {
		dd.sig, dd.pending = map[string]string{}, map[string]*draftFile{}
	}
	if old, ok := dd.sig[path]; ok && old == sig.String() {
		return nil
	}
	dd.sig[path] = sig.String()
	if f.hasText() {
		dd.pending[path] = &f
	} else {
		dd.pending[path] = nil // emptied: nothing to keep
	}
	return m.flushDrafts()
}

// dropDraft removes the draft of dialog key of the incident on screen: its text is in
// the journal.
func (m *Model) dropDraft(key string) tea.Cmd {
	if !m.persistent() || key == "" {
		return nil
	}
	delete(m.diskDrafts.onDisk, m.inc.id+"/"+key)
	path := draftPath(m.deps.Store.DataDir, m.inc.id, key)
	dd := &m.diskDrafts
	if dd.sig == nil {
		dd.sig, dd.pending = map[string]string{}, map[string]*draftFile{}
	}
	dd.sig[path] = ""
	dd.pending[path] = nil
	return m.flushDrafts()
}

// flushDrafts starts writing what is pending, unless a write is in flight: its answer
// starts the next.
func (m *Model) flushDrafts() tea.Cmd {
	dd := &m.diskDrafts
	if dd.saving || len(dd.pending) == 0 {
		return nil
	}
	batch := dd.pending
	dd.pending = map[string]*draftFile{}
	dd.saving = true
	dd.req = m.req()
	return saveDrafts(dd.req, batch)
}

func (m *Model) onDraftsSaved(msg draftsSavedMsg) tea.Cmd {
	dd := &m.diskDrafts
	if msg.req != dd.req {
		return nil
	}
	dd.saving = false
	dd.err = ""
	if msg.err != nil {
		// Said once, on the message line: the dialog still has the text.
		dd.err = errText(msg.err)
		m.flash = flash{text: "✗ the draft could not be kept on disk: " + dd.err, err: true}
	}
	if cmd := m.flushDrafts(); cmd != nil {
		return cmd
	}
	if m.quitting && m.readyToQuit() {
		return tea.Quit
	}
	return nil
}

// textKeptOnDisk reports whether every dialog with text (open or cancelled) is of a
// kind kept on disk: a drill's facilitator dialogs are not.
func (m *Model) textKeptOnDisk() bool {
	kept := func(d *dialog) bool { return d == nil || slices.Contains(draftKinds, d.kind) }
	if !kept(m.inc.dialog) {
		return false
	}
	for _, d := range m.drafts {
		if !kept(d) {
			return false
		}
	}
	return true
}

// draftsBusy reports whether draft text is still on its way to the disk.
func (m *Model) draftsBusy() bool { return m.diskDrafts.saving || len(m.diskDrafts.pending) > 0 }

// offerDrafts takes the drafts read as the incident was resumed: the newest one's
// dialog opens again with its text (its step selected), the others come back when
// their dialogs open.
func (m *Model) offerDrafts(drafts []draftFile, readErr error) tea.Cmd {
	if readErr != nil {
		m.flash = flash{text: "✗ " + errText(readErr), err: true}
	}
	if len(drafts) == 0 {
		return nil
	}
	dd := &m.diskDrafts
	dd.onDisk = map[string]draftFile{}
	for _, f := range drafts {
		dd.onDisk[m.inc.id+"/"+f.Key] = f
	}
	if m.inc.state != nil && m.inc.state.Closed {
		// Nothing can be sent to a closed incident: "ctrl+s sends it" would be false.
		// The text stays on disk, where the responder can still read it.
		var names []string
		for _, f := range drafts {
			names = append(names, draftName(f.Key))
		}
		m.flash = flash{text: "✎ the incident closed before these drafts were sent; they are kept, not sendable: " +
			strings.Join(names, ", ") + " — in " + filepath.Dir(draftPath(m.deps.Store.DataDir, m.inc.id, drafts[0].Key))}
		return nil
	}
	for i, f := range drafts {
		d := m.dialogFor(f.Key)
		if d == nil {
			continue
		}
		if d.step != "" {
			m.inc.selectStep(d.step)
		}
		cmd := m.openDialog(d)
		var rest []string
		for j, o := range drafts {
			if j != i {
				rest = append(rest, draftName(o.Key))
			}
		}
		text := fmt.Sprintf("✎ your draft %s from %s is back — ctrl+s sends it, esc keeps it", draftName(f.Key), clock(f.SavedAt, m.now))
		if len(rest) > 0 {
			text += " · also kept: " + strings.Join(rest, ", ")
		}
		m.flash = flash{text: text}
		return cmd
	}
	return nil
}

// draftName says which dialog a draft is for: "note on step confirm", "escalation".
func draftName(key string) string {
	kind, step, _ := strings.Cut(key, ":")
	names := map[dialogKind]string{dlgNote: "note", dlgSkip: "skip reason", dlgUndo: "undo reason", dlgAttach: "attachment",
		dlgEscalate: "escalation", dlgNotify: "notice", dlgSeverity: "severity change", dlgAssign: "role assignment",
		dlgFollowUp: "follow-up", dlgClose: "close"}
	name := names[dialogKind(kind)]
	if name == "" {
		name = kind
	}
	if step != "" {
		name += " on step " + step
	}
	return clean(name)
}

// dialogFor builds the dialog a draft key names, as its key would open it now; nil
// when it no longer applies (the step is gone).
func (m *Model) dialogFor(key string) *dialog {
	s := &m.inc
	if s.rb == nil || s.state == nil {
		return nil
	}
	kind, stepID, hasStep := strings.Cut(key, ":")
	st, ok := s.rb.Step(stepID)
	if hasStep && !ok {
		return nil
	}
	switch dialogKind(kind) {
	case dlgNote:
		return m.noteDialog(st, hasStep)
	case dlgSkip:
		if hasStep {
			return m.skipDialog(st)
		}
	case dlgUndo:
		if hasStep {
			return m.undoDialog(st)
		}
	case dlgAttach:
		return m.attachDialog(st, hasStep)
	case dlgEscalate:
		return m.escalateDialog()
	case dlgNotify:
		return m.notifyDialog()
	case dlgSeverity:
		return m.severityDialog()
	case dlgAssign:
		return m.assignDialog()
	case dlgFollowUp:
		return m.followUpDialog()
	case dlgClose:
		return m.closeDialog()
	}
	return nil
}
