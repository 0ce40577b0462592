// Package tomldoc decodes muster's TOML files (runbooks, severity policies, scenarios,
// backup policies) and reports every problem at once, each with file:line:col: the
// syntax error, every unknown key, every value of the wrong type, every missing
// required key, every value its type refuses. It also keeps the position of every key
// so a format's own semantic checks can point at the line the author must fix.
//
// Struct fields are matched by their `toml:"name"` tag; the tag option `required`
// makes a key mandatory (`toml:"id,required"`). Supported field types: string, bool,
// ints, floats, time.Time (TOML date-times and dates), slices and arrays of those,
// structs, pointers to structs, maps from string, and any type implementing
// encoding.TextUnmarshaler (given the TOML string; its error becomes a problem at the
// value's position). A field tagged `toml:"-"` is never decoded.
//
// Unknown keys are found by walking the decoded data against the struct, which gives
// the same answer as BurntSushi/toml's MetaData.Undecoded but with a position for each
// occurrence.
package tomldoc

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
)

// Problem is one thing wrong in a file, at a position. Line and Col start at 1; 0
// means the position is unknown (the whole file).
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"message"`
}

func (p Problem) String() string {
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
	case p.File != "":
		return p.File + ": " + p.Msg
	}
	return p.Msg
}

// Problems is every problem found, in file order once sorted. As an error it prints one
// problem per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders problems by file, line and column, keeping the order of equal positions.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Err returns ps as an error, or nil when there is none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Pos is a position in the file.
type Pos struct{ Line, Col int }

// Doc is a decoded file with the positions of its keys. Positions are found on the
// first call of At, Has or Problem: a clean file that nobody asks about never pays
// for the scan.
type Doc struct {
	File string
	src  string // the parsed text, until positions are scanned
	once sync.Once
	pos  map[string]Pos
}

func (d *Doc) positions() map[string]Pos {
	d.once.Do(func() {
		if d.src != "" {
			d.pos = scanPositions(d.src)
			d.src = ""
		}
	})
	return d.pos
}

// Decode parses data (named file in messages) and decodes it into v, which must be a
// pointer to a struct. It returns the document, for positions, and every problem found.
// A syntax error stops decoding (TOML cannot be resynchronised), so it is the only
// problem reported then. Decode never panics.
func Decode(file string, data []byte, v any) (doc *Doc, problems Problems) {
	doc = &Doc{File: file, pos: map[string]Pos{}}
	defer func() {
		if r := recover(); r != nil {
			problems = append(problems, Problem{File: file, Msg: fmt.Sprintf("cannot decode: %v", r)})
		}
	}()
	var raw map[string]any
	src := string(data)
	if _, err := toml.Decode(src, &raw); err != nil {
		return doc, Problems{syntaxProblem(file, err)}
	}
	doc.src = src
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("tomldoc.Decode: v must be a pointer to a struct")
	}
	d := decoder{doc: doc}
	d.decodeTable(raw, rv.Elem(), nil)
	d.problems.Sort()
	return doc, d.problems
}

func syntaxProblem(file string, err error) Problem {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line, col := pe.Position.Line, pe.Position.Col
		if line == 0 {
			line = pe.Line
		}
		if col == 0 && line > 0 {
			col = 1
		}
		return Problem{File: file, Line: line, Col: col, Msg: "TOML syntax: " + pe.Message}
	}
	return Problem{File: file, Msg: "TOML syntax: " + err.Error()}
}

// Path elements are strings (keys) and ints (indices into arrays).
func pathKey(path []any) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 {
			b.WriteByte(0)
		}
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case int:
			b.WriteByte('#')
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// At returns the position of the key at path (strings for keys, ints for indices into
// arrays of tables or arrays). When the path itself was not written in the file (a
// missing key), it returns the position of its nearest ancestor that was, so a
// "missing title" points at the step's table header.
func (d *Doc) At(path ...any) Pos {
	for n := len(path); n > 0; n-- {
		if p, ok := d.positions()[pathKey(path[:n])]; ok {
			return p
		}
	}
	return Pos{Line: 1, Col: 1}
}

// Has reports whether the key at path was written in the file.
func (d *Doc) Has(path ...any) bool {
	_, ok := d.positions()[pathKey(path)]
	return ok
}

// Problem returns a problem with message msg at the key at path.
func (d *Doc) Problem(msg string, path ...any) Problem {
	p := d.At(path...)
	return Problem{File: d.File, Line: p.Line, Col: p.Col, Msg: msg}
}

// Problemf is Problem with formatting; the path comes first.
func (d *Doc) Problemf(path []any, format string, a ...any) Problem {
	return d.Problem(fmt.Sprintf(format, a...), path...)
}

// DottedPath renders a path the way an author writes it: phases.contain.steps[2].title.
func DottedPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if isBareKey(p) {
				b.WriteString(p)
			} else {
				b.WriteString(strconv.Quote(p))
			}
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		}
	}
	return b.String()
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

type decoder struct {
	doc      *Doc
	problems Problems
}

func (d *decoder) add(path []any, format string, a ...any) {
	d.problems = append(d.problems, d.doc.Problemf(path, format, a...))
}

func appendPath(path []any, elem any) []any {
	out := make([]any, len(path), len(path)+1)
	copy(out, path)
	return append(out, elem)
}

type fieldInfo struct {
	index    int
	required bool
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
var timeType = reflect.TypeFor[time.Time]()

type structInfo struct {
	fields map[string]fieldInfo
	order  []string
}

var structCache sync.Map // reflect.Type -> structInfo: every table of a file is the same few types

// structFields maps the toml names of a struct's fields to their index, in field order.
// The caller must not modify the result.
func structFields(t reflect.Type) (map[string]fieldInfo, []string) {
	if si, ok := structCache.Load(t); ok {
		return si.(structInfo).fields, si.(structInfo).order
	}
	fields, order := scanStructFields(t)
	structCache.Store(t, structInfo{fields, order})
	return fields, order
}

func scanStructFields(t reflect.Type) (map[string]fieldInfo, []string) {
	fields := map[string]fieldInfo{}
	var order []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("toml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = fieldInfo{index: i, required: strings.Contains(","+opts+",", ",required,")}
		order = append(order, name)
	}
	return fields, order
}

func (d *decoder) decodeTable(raw map[string]any, rv reflect.Value, path []any) {
	fields, order := structFields(rv.Type())
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kp := appendPath(path, k)
		fi, ok := fields[k]
		if !ok {
			d.add(kp, "unknown key %q%s", DottedPath(kp), suggest(k, order))
			continue
		}
		d.decodeValue(raw[k], rv.Field(fi.index), kp)
	}
	for _, name := range order {
		if fields[name].required {
			if _, ok := raw[name]; !ok {
				d.add(path, "missing required key %q", DottedPath(appendPath(path, name)))
			}
		}
	}
}

// suggest offers the closest known key for a misspelt one.
func suggest(k string, known []string) string {
	best, bestDist := "", 3
	for _, c := range known {
		if dist := editDistance(strings.ToLower(k), strings.ToLower(c)); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

func (d *decoder) wrongType(path []any, want string, v any) {
	d.add(path, "%s must be %s, not %s", DottedPath(path), want, tomlType(v))
}

func (d *decoder) decodeValue(v any, rv reflect.Value, path []any) {
	t := rv.Type()
	if t.Kind() == reflect.Pointer && !t.Implements(textUnmarshaler) {
		nv := reflect.New(t.Elem())
		d.decodeValue(v, nv.Elem(), path)
		rv.Set(nv)
		return
	}
	if t == timeType {
		tv, ok := v.(time.Time)
		if !ok {
			d.wrongType(path, "a date or date-time", v)
			return
		}
		rv.Set(reflect.ValueOf(tv))
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		s, ok := v.(string)
		if !ok {
			d.wrongType(path, "a string", v)
			return
		}
		if err := rv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.add(path, "%s: %v", DottedPath(path), err)
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.wrongType(path, "a string", v)
			return
		}
		rv.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.wrongType(path, "true or false", v)
			return
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			d.wrongType(path, "an integer", v)
			return
		}
		if rv.OverflowInt(n) {
			d.add(path, "%s: %d is out of range", DottedPath(path), n)
			return
		}
		rv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(int64)
		if !ok {
			d.wrongType(path, "an integer", v)
			return
		}
		if n < 0 || rv.OverflowUint(uint64(n)) {
			d.add(path, "%s: %d is out of range", DottedPath(path), n)
			return
		}
		rv.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch n := v.(type) {
		case float64:
			rv.SetFloat(n)
		case int64:
			rv.SetFloat(float64(n))
		default:
			d.wrongType(path, "a number", v)
		}
		if f := rv.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			d.add(path, "%s must be a finite number", DottedPath(path))
		}
	case reflect.Slice:
		var items []any
		switch a := v.(type) {
		case []any:
			items = a
		case []map[string]any:
			items = make([]any, len(a))
			for i := range a {
				items[i] = a[i]
			}
		default:
			d.wrongType(path, "an array", v)
			return
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			d.decodeValue(item, s.Index(i), appendPath(path, i))
		}
		rv.Set(s)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			d.wrongType(path, "a table", v)
			return
		}
		d.decodeTable(m, rv, path)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			d.wrongType(path, "a table", v)
			return
		}
		if t.Key().Kind() != reflect.String {
			panic("tomldoc: map keys must be strings")
		}
		out := reflect.MakeMapWithSize(t, len(m))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ev := reflect.New(t.Elem()).Elem()
			d.decodeValue(m[k], ev, appendPath(path, k))
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		rv.Set(out)
	case reflect.Interface:
		rv.Set(reflect.ValueOf(v))
	default:
		panic(fmt.Sprintf("tomldoc: unsupported field type %s", t))
	}
}
