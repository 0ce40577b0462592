package incident

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Most events of a long incident are notes, step actions, notices, escalations and
// role changes: payloads of a few string fields, written by json.Marshal as one
// compact object. stringFields reads such a payload in one pass over its bytes, the
// pass that also checks them as JSON, and takes all its strings from one allocation,
// where json.Unmarshal checks the bytes, then decodes them by reflection with an
// allocation per string and more per object. It takes only what it decodes exactly
// as json.Unmarshal does; anything else (an escape, a key that is not a field's exact
// name, a value that is not a string, invalid UTF-8, a syntax error) is left to
// json.Unmarshal, which stays the decoder of record (FuzzDecode holds the two to the
// same results).

// stringField is a field of a payload decoded by stringFields: its JSON name and its
// offset in the struct.
type stringField struct {
	name string
	off  uintptr
}

// maxStringFields bounds the fields of a payload stringFields decodes (the spans of
// their values are kept on the stack).
const maxStringFields = 8

// stringFieldsOf returns the fields of T when every field json.Unmarshal would fill
// is a plain string under an explicit, unique name; ok is false otherwise (a struct
// with other fields, an embedded field, a custom unmarshaler, a ",string" option).
func stringFieldsOf[T any]() (fields []stringField, ok bool) {
	t := reflect.TypeFor[T]()
	pt := reflect.PointerTo(t)
	if t.Kind() != reflect.Struct || t.NumField() > maxStringFields ||
		pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous || f.Type != reflect.TypeFor[string]() {
			return nil, false
		}
		if !f.IsExported() {
			continue // json.Unmarshal leaves it alone too
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !plainName(name) || (opts != "" && opts != "omitempty") {
			return nil, false
		}
		for _, g := range fields {
			if strings.EqualFold(g.name, name) {
				return nil, false // json.Unmarshal's rules for names that fold alike are not copied here
			}
		}
		fields = append(fields, stringField{name: name, off: f.Offset})
	}
	return fields, true
}

// plainName reports whether a JSON field name is lowercase letters, digits and
// underscores, which json.Unmarshal uses as it is.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// stringFields decodes data into the fields of *p (a T of stringFieldsOf, zero) and
// reports true, or reports false, with *p untouched, when it leaves data to
// json.Unmarshal. Its strings share one allocation holding just their bytes.
func stringFields(data []byte, fields []stringField, p unsafe.Pointer) bool {
	var spans [maxStringFields]struct{ from, to int }
	var set [maxStringFields]bool
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			from, to, ok := plainString(data, i)
			if !ok {
				return false
			}
			k := -1
			for j, f := range fields {
				if f.name == string(data[from:to]) {
					k = j
					break
				}
			}
			if k < 0 {
				return false // not a field's exact name: json.Unmarshal matches it or skips it
			}
			i = skipSpace(data, to+1)
			if i == len(data) || data[i] != ':' {
				return false
			}
			i = skipSpace(data, i+1)
			if from, to, ok = plainString(data, i); !ok {
				return false
			}
			spans[k], set[k] = struct{ from, to int }{from, to}, true // a repeated key: the last one wins, as in json.Unmarshal
			i = skipSpace(data, to+1)
			if i == len(data) {
				return false
			}
			if data[i] == '}' {
				i++
				break
			}
			if data[i] != ',' {
				return false
			}
			i = skipSpace(data, i+1)
		}
	}
	if skipSpace(data, i) != len(data) {
		return false
	}
	n := 0
	for k := range fields {
		if set[k] {
			n += spans[k].to - spans[k].from
		}
	}
	var b strings.Builder
	b.Grow(n)
	for k := range fields {
		if set[k] {
			b.Write(data[spans[k].from:spans[k].to])
		}
	}
	all, at := b.String(), 0
	for k, f := range fields {
		if set[k] {
			n := spans[k].to - spans[k].from
			*(*string)(unsafe.Add(p, f.off)) = all[at : at+n]
			at += n
		}
	}
	return true
}

// skipSpace skips JSON whitespace from data[i].
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// plainString finds the JSON string starting at data[i] and returns where its content
// is, data[from:to], the closing quote at data[to]. ok is false when there is no
// string there or it holds an escape, a control character or invalid UTF-8 (which
// json.Unmarshal refuses, or decodes to other bytes).
func plainString(data []byte, i int) (from, to int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, 0, false
	}
	high := false
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			if high && !utf8.Valid(data[i+1:j]) {
				return 0, 0, false
			}
			return i + 1, j, true
		case c == '\\' || c < 0x20:
			return 0, 0, false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return 0, 0, false
}
