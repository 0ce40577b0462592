package journal

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

type schemaProp struct {
	Const     any    `json:"const"`
	Pattern   string `json:"pattern"`
	MaxLength int    `json:"maxLength"`
}

type schemaObject struct {
	Required   []string              `json:"required"`
	Properties map[string]schemaProp `json:"properties"`
	order      []string              // the order of the properties in the file
}

// loadSchema reads journal-line.schema.json, keeping the order of each object's
// properties, which encoding/json maps lose.
func loadSchema(t *testing.T) (line schemaObject, defs map[string]schemaObject) {
	t.Helper()
	raw, err := os.ReadFile("journal-line.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		schemaObject
		Properties json.RawMessage            `json:"properties"`
		Defs       map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	object := func(props json.RawMessage, required []string) schemaObject {
		o := schemaObject{Required: required, order: keyOrder(t, props)}
		if err := json.Unmarshal(props, &o.Properties); err != nil {
			t.Fatal(err)
		}
		return o
	}
	line = object(doc.Properties, doc.Required)
	defs = map[string]schemaObject{}
	for name, def := range doc.Defs {
		var d struct {
			Required   []string        `json:"required"`
			Properties json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(def, &d); err != nil {
			t.Fatal(err)
		}
		defs[name] = object(d.Properties, d.Required)
	}
	return line, defs
}

// keyOrder lists the keys of a JSON object in the order they appear.
func keyOrder(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// jsonFields lists a struct's JSON names in field order and the ones without
// omitempty.
func jsonFields(typ reflect.Type) (names, always []string) {
	for i := 0; i < typ.NumField(); i++ {
		tag := typ.Field(i).Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || name == "" {
			continue
		}
		names = append(names, name)
		if !strings.Contains(opts, "omitempty") {
			always = append(always, name)
		}
	}
	return names, always
}

func TestSchemaMatchesTheLineAndTheGoTypes(t *testing.T) {
	line, defs := loadSchema(t)
	j, dir := newIncident(t)
	appendN(t, j, 1)
	j.Append(`bob "ops" \ Ünïcödé`, "step.done:x-1", map[string]int{"a": 1})
	if _, _, err := j.Attach("carol@x", writeEvidence(t, "f.txt", []byte("x"), time.Now()), map[string]any{"why": "test"}); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(readJournal(t, dir), []byte("\n"))
	lines = lines[:len(lines)-1]

	t.Run("line keys are the properties, in order, all required", func(t *testing.T) {
		for _, l := range lines {
			if got := keyOrder(t, l); !slices.Equal(got, line.order) {
				t.Errorf("line keys %v, schema properties %v", got, line.order)
			}
		}
		if !slices.Equal(line.Required, line.order) {
			t.Errorf("required %v, properties %v", line.Required, line.order)
		}
		if names, _ := jsonFields(reflect.TypeOf(Event{})); !slices.Equal(names, line.order) {
			t.Errorf("Event fields %v, schema properties %v", names, line.order)
		}
		if c, ok := line.Properties["schema"].Const.(float64); !ok || int(c) != Schema {
			t.Errorf("schema const %v, Schema = %d", line.Properties["schema"].Const, Schema)
		}
	})
	t.Run("data of attached and recovered events", func(t *testing.T) {
		for name, typ := range map[string]reflect.Type{"attached": reflect.TypeOf(Attachment{}), "recovered": reflect.TypeOf(Recovery{})} {
			names, always := jsonFields(typ)
			if !slices.Equal(names, defs[name].order) {
				t.Errorf("%s: Go fields %v, schema properties %v", name, names, defs[name].order)
			}
			if !slices.Equal(always, defs[name].Required) {
				t.Errorf("%s: Go fields without omitempty %v, schema required %v", name, always, defs[name].Required)
			}
		}
		var ev struct {
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(lines[2], &ev)
		for k, v := range ev.Data {
			p, ok := defs["attached"].Properties[k]
			if !ok {
				t.Errorf("attached data has %s, not in the schema", k)
			}
			if s, isStr := v.(string); isStr && p.Pattern != "" && !regexp.MustCompile(p.Pattern).MatchString(s) {
				t.Errorf("attached %s = %q does not match %s", k, s, p.Pattern)
			}
		}
	})
	t.Run("patterns accept what is written", func(t *testing.T) {
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatal(err)
			}
			for k, p := range line.Properties {
				s, ok := m[k].(string)
				if p.Pattern == "" || !ok {
					continue
				}
				if !regexp.MustCompile(p.Pattern).MatchString(s) {
					t.Errorf("%s = %q does not match its pattern %s", k, s, p.Pattern)
				}
			}
		}
	})
	t.Run("patterns refuse what the reader refuses", func(t *testing.T) {
		re := func(k string) *regexp.Regexp { return regexp.MustCompile(line.Properties[k].Pattern) }
		for _, s := range []string{"note", "step.done", "a:b-c_d", "", "step done", "nöte", "a/b", strings.Repeat("x", 65)} {
			if got, want := re("type").MatchString(s), checkType(s) == nil; got != want {
				t.Errorf("type %q: pattern says %v, the writer %v", s, got, want)
			}
		}
		for _, s := range []string{"alice@laptop", `bob "x"`, "Ünï", "", "a\tb", "a\x7fb", "a\u0085b", "a\x1b[31m"} {
			if got, want := re("actor").MatchString(s), checkActor(s) == nil; got != want {
				t.Errorf("actor %q: pattern says %v, the writer %v", s, got, want)
			}
		}
		for _, s := range []string{"+01:00", "-05:00", "+05:45", "+24:00", "+01:60", "+0100", "Z"} {
			_, ok := parseTZ([]byte(s))
			if got := re("tz").MatchString(s); got != ok {
				t.Errorf("tz %q: pattern says %v, the reader %v", s, got, ok)
			}
		}
		for _, s := range []string{"2026-11-23T11:03:04.123456789Z", "2026-11-23T11:03:04.123456789+01:00", "2026-11-23T11:03:04.1234Z", "2026-11-23 11:03:04.123456789Z"} {
			if got, want := re("time").MatchString(s), validTime([]byte(s)); got != want {
				t.Errorf("time %q: pattern says %v, the reader %v", s, got, want)
			}
		}
	})
}
