package incident

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/muster-ir/muster/runbook/journal"
)

// forgeLine replaces line n of an incident's journal with edit's version of it and
// recomputes every hash and link from there (a forger's rewrite, or a bug's), so that
// only the checks beyond the chain can catch the edit. journal.head is moved along.
func forgeLine(t *testing.T, dir string, n int, edit func([]byte) []byte) {
	t.Helper()
	p := filepath.Join(dir, journal.FileName)
	b, err := os.ReadFile(p)
	must(t, err)
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines = lines[:len(lines)-1]
	lines[n-1] = edit(bytes.Clone(lines[n-1]))
	// The byte layout of journal/doc.go: prev at 9..73, hash at 83..147.
	prev := journal.Genesis
	for _, l := range lines[n-1:] {
		if n > 1 && prev == journal.Genesis {
			prev = string(lines[n-2][83:147])
		}
		copy(l[9:73], prev)
		sum := sha256.Sum256(append(bytes.Clone(l[:83]), l[147:]...))
		copy(l[83:147], hex.EncodeToString(sum[:]))
		prev = string(l[83:147])
	}
	must(t, os.WriteFile(p, bytes.Join(lines, nil), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, journal.HeadName), fmt.Appendf(nil, "%d %s\n", len(lines), prev), 0o600))
}

// The first open of a large incident reads and folds its journal as it goes (the
// events are never all held, each line's data is checked as JSON by its decode): it
// refuses a damaged journal with ReadAll's error, word for word, and otherwise folds
// the state ReadAll's events fold to.
func TestFirstOpenChecksEveryLineAsReadAllDoes(t *testing.T) {
	st, id := bigIncident(t, 900) // 300 KB: more than one piece of journal.Scan's buffer
	dir := st.Dir(id)
	pristine, err := os.ReadFile(filepath.Join(dir, journal.FileName))
	must(t, err)
	if len(pristine) <= 256<<10 {
		t.Fatalf("a %d-byte journal is read in one piece", len(pristine))
	}
	head, err := os.ReadFile(filepath.Join(dir, journal.HeadName))
	must(t, err)
	inc, err := st.Open(id, "erin@ops")
	must(t, err)
	inc.Close()
	sameState(t, inc.State, wholeFold(t, st, id))

	lines := bytes.SplitAfter(pristine, []byte("\n"))
	lineOf := func(from int, typ string) int { // the first line from line from of type typ
		for n := from; n <= len(lines); n++ {
			if bytes.Contains(lines[n-1], []byte(`,"type":"`+typ+`","data"`)) {
				return n
			}
		}
		t.Fatalf("no %s line after line %d", typ, from)
		return 0
	}
	for _, tc := range []struct {
		name string
		line int
		edit func([]byte) []byte
	}{
		{"a note's data cut short", lineOf(300, EvNote), func(l []byte) []byte {
			return bytes.Replace(l, []byte(`%"}}`), []byte(`%}}`), 1)
		}},
		{"a step's data with a trailing comma", lineOf(795, EvStepDone), func(l []byte) []byte {
			return bytes.Replace(l, []byte(`"}}`), []byte(`",}}`), 1)
		}},
		{"an unknown type's data not JSON", lineOf(820, EvStepDone), func(l []byte) []byte {
			l = bytes.Replace(l, []byte(`"type":"step.done"`), []byte(`"type":"pager.ack"`), 1)
			return bytes.Replace(l, []byte(`"}}`), []byte(`"]}}`), 1)
		}},
		{"a notice's data with a second object", lineOf(850, EvNotified), func(l []byte) []byte {
			return bytes.Replace(l, []byte(`"}}`), []byte(`"}{}}`), 1)
		}},
		{"a key not quoted", lineOf(870, EvNote), func(l []byte) []byte {
			return bytes.Replace(l, []byte(`{"text"`), []byte(`{text`), 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			must(t, os.WriteFile(filepath.Join(dir, journal.FileName), pristine, 0o600))
			must(t, os.WriteFile(filepath.Join(dir, journal.HeadName), head, 0o600))
			forgeLine(t, dir, tc.line, tc.edit)
			for _, name := range []string{StateCacheName, ListsCacheName} {
				os.Remove(filepath.Join(dir, name))
			}
			_, want := journal.ReadAll(dir)
			var ce *journal.CorruptError
			if !errors.As(want, &ce) || ce.Line != tc.line {
				t.Fatalf("ReadAll of the forged journal: %v", want)
			}
			_, err := st.Open(id, "erin@ops")
			if err == nil || err.Error() != want.Error() {
				t.Fatalf("open: %v\nReadAll: %v", err, want)
			}
		})
	}
	must(t, os.WriteFile(filepath.Join(dir, journal.FileName), pristine, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, journal.HeadName), head, 0o600))
	// An event whose data is valid JSON of the wrong shape is read, and listed as
	// undecodable, as the fold of ReadAll's events lists it.
	wrong := lineOf(810, EvStepDone)
	forgeLine(t, dir, wrong, func(l []byte) []byte { return bytes.Replace(l, []byte(`{"step":"`), []byte(`{"step":5,"x":"`), 1) })
	for _, name := range []string{StateCacheName, ListsCacheName} {
		os.Remove(filepath.Join(dir, name))
	}
	inc, err = st.Open(id, "erin@ops")
	must(t, err)
	inc.Close()
	if len(inc.State.Undecodable) != 1 || inc.State.Undecodable[0].Line != wrong {
		t.Fatalf("undecodable: %+v", inc.State.Undecodable)
	}
	sameState(t, inc.State, wholeFold(t, st, id))
}

// stringFields decodes exactly what json.Unmarshal decodes, or leaves the payload to
// it; decodeChecked says whether data is JSON as json.Valid says.
func TestStringFieldsDecodeAsJSONDoes(t *testing.T) {
	for _, data := range []string{
		`{}`, ` { } `, `{"text":"a","step":"b"}`, `{"step":"b","text":"a"}`, `{"text":"a","text":"b"}`,
		`{"text":"Ünïcödé ✓ €"}`, "{\"text\":\"\xff\"}", `{"text":"a\"b"}`, `{"text":"a\u0041"}`, `{"Text":"a"}`,
		`{"text":null}`, `{"text":5}`, `{"other":"x"}`, `{"text":"a",}`, `{"text":"a"}x`, `{"text":"a"} `,
		"{\"text\":\"a\tb\"}", `{"text" : "a" , "step" : "b"}`, `{"text":"a"`, `{"text"}`, `{,}`, `{"text":"a"}{}`,
		"\t{\"text\":\"a\"}\r\n", `{"text":"` + "\x7f" + `"}`, `[]`, `"x"`, ``, `{"text":"\ud800"}`,
	} {
		var want Note
		werr := json.Unmarshal([]byte(data), &want)
		var got Note
		fields, ok := stringFieldsOf[Note]()
		if !ok {
			t.Fatal("Note is not read by stringFields")
		}
		if stringFields([]byte(data), fields, unsafe.Pointer(&got)) {
			if werr != nil || got != want {
				t.Errorf("%q: stringFields read %+v, json.Unmarshal %+v, %v", data, got, want, werr)
			}
		}
		_, valid, _ := decodeChecked(journal.Event{Seq: 1, Type: EvNote, Data: []byte(data)})
		if valid != json.Valid([]byte(data)) {
			t.Errorf("%q: decodeChecked says valid %v", data, valid)
		}
	}
	// Payloads with other than string fields, or a custom decoder, are json.Unmarshal's.
	if _, ok := stringFieldsOf[Started](); ok {
		t.Error("Started read by stringFields")
	}
	if _, ok := stringFieldsOf[Attached](); ok {
		t.Error("Attached (embedded) read by stringFields")
	}
	if _, ok := stringFieldsOf[Notice](); !ok {
		t.Error("Notice not read by stringFields")
	}
}

// writeCache passes a large cache file through a small buffer; the file is the
// encoding encodeCache lays out in memory, byte for byte.
func TestCacheWrittenInPiecesIsItsEncoding(t *testing.T) {
	var l stateLists
	for i := range 3000 {
		l.Notes = append(l.Notes, NoteEntry{Entry{Seq: uint64(i + 1), At: t0, Actor: "carol@oncall"},
			Note{Text: fmt.Sprintf("observation %d: replica lag rose after failover", i)}})
	}
	l.Escalations = []EscalationEntry{{Entry{Seq: 3001, At: t0, Actor: "alice@ops"}, Escalation{To: "lead", Reason: "impact grew"}}}
	h := cacheHeader{Build: "b", Runbook: "r", Mark: journal.Mark{Seq: 3001, Hash: journal.Genesis, Start: 1, End: 2}}
	want, err := encodeCache(listsCacheMagic, h, &l)
	must(t, err)
	if len(want) < 3*cacheSpill {
		t.Fatalf("a %d-byte cache is written in one piece", len(want))
	}
	dir := t.TempDir()
	must(t, writeCache(dir, ListsCacheName, listsCacheMagic, h, &l))
	got, err := os.ReadFile(filepath.Join(dir, ListsCacheName))
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("written %d bytes, encoded %d", len(got), len(want))
	}
}
