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
// The files are TOML 1.0, read strictly: the official suite toml-test passes whole
// (cmd/toml-test-decoder runs it). The syntax is read by go-toml's AST parser
// (github.com/pelletier/go-toml/v2/unstable) in one pass that builds the generic tree
// and notes where every key is written; TOML 1.0's rules for keys and tables defined
// twice are tables.go's, and every breach is refused with where the key was first
// defined, so no value is ever dropped or replaced. Numbers and date-times are read as
// BurntSushi/toml, muster's parser before, reads them (a differential test and fuzz
// target hold the two to the same values and positions).
//
// Unknown keys are found by walking the decoded data against the struct, which gives
// the same answer as BurntSushi/toml's MetaData.Undecoded but with a position for each
// occurrence.
package tomldoc

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
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

// Doc is a decoded file with the positions of its keys. The parse notes where each
// key is written; the index of those notes is built on the first call of At, Has or
// Problem, so a clean file that nobody asks about never pays for it.
type Doc struct {
	File string
	ps   *positions
}

// Decode parses data (named file in messages) and decodes it into v, which must be a
// pointer to a struct. It returns the document, for positions, and every problem found.
// A syntax error stops decoding (TOML cannot be resynchronised), so it is the only
// problem reported then. Decode never panics.
func Decode(file string, data []byte, v any) (doc *Doc, problems Problems) {
	doc = &Doc{File: file}
	defer func() {
		if r := recover(); r != nil {
			problems = append(problems, Problem{File: file, Msg: fmt.Sprintf("cannot decode: %v", r)})
		}
	}()
	src := stripBOM(string(data)) // positions count from after a byte order mark
	raw, ps, err := parse(src)
	if err != nil {
		return doc, Problems{syntaxProblem(file, src, err)}
	}
	doc.ps = ps
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("tomldoc.Decode: v must be a pointer to a struct")
	}
	d := decoder{doc: doc}
	d.decodeTable(raw, rv.Elem())
	d.problems.Sort()
	return doc, d.problems
}

// At returns the position of the key at path (strings for keys, ints for indices into
// arrays of tables or arrays). When the path itself was not written in the file (a
// missing key), it returns the position of its nearest ancestor that was, so a
// "missing title" points at the step's table header.
func (d *Doc) At(path ...any) Pos {
	if d.ps != nil {
		if off, depth, _ := d.ps.lookup(path); depth > 0 {
			return d.ps.pos(off)
		}
	}
	return Pos{Line: 1, Col: 1}
}

// Has reports whether the key at path was written in the file.
func (d *Doc) Has(path ...any) bool {
	if d.ps == nil {
		return false
	}
	_, _, whole := d.ps.lookup(path)
	return whole
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
	path     []pathElem // the key being decoded
	keys     []string   // the sorted keys of the tables being decoded, outermost first
}

// pathElem is a key (idx < 0) or an index into an array. The decoder keeps the path
// of the value it is at as a stack of these and makes a path of it only for a problem.
type pathElem struct {
	key string
	idx int
}

func (d *decoder) push(key string) { d.path = append(d.path, pathElem{key: key, idx: -1}) }
func (d *decoder) pushIndex(i int) { d.path = append(d.path, pathElem{idx: i}) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

// at is the path of the value being decoded, in At's form.
func (d *decoder) at() []any {
	out := make([]any, len(d.path))
	for i, e := range d.path {
		if e.idx >= 0 {
			out[i] = e.idx
		} else {
			out[i] = e.key
		}
	}
	return out
}

func (d *decoder) add(path []any, format string, a ...any) {
	d.problems = append(d.problems, d.doc.Problemf(path, format, a...))
}

type fieldInfo struct {
	index    int
	required bool
	ti       typeInfo
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
var timeType = reflect.TypeFor[time.Time]()

type structInfo struct {
	fields   map[string]fieldInfo
	order    []string
	required []string // the names in order that are required, as often as they appear there
}

var structCache sync.Map // reflect.Type -> *structInfo: every table of a file is the same few types

// structFields maps the toml names of a struct's fields to their index, in field order.
// The caller must not modify the result.
func structFields(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := scanStructFields(t)
	structCache.Store(t, si)
	return si
}

func scanStructFields(t reflect.Type) *structInfo {
	si := &structInfo{fields: map[string]fieldInfo{}}
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
		if _, dup := si.fields[name]; dup {
			panic(fmt.Sprintf("tomldoc: %s has two fields for the key %q", t, name)) // one would never be decoded
		}
		si.fields[name] = fieldInfo{index: i, required: strings.Contains(","+opts+",", ",required,"), ti: typeInfoOf(f.Type)}
		si.order = append(si.order, name)
	}
	for _, name := range si.order {
		if si.fields[name].required {
			si.required = append(si.required, name)
		}
	}
	return si
}

// typeInfo is what decodeValue asks of a type's methods, found once per type (and
// kept with each struct field, so that most values need no lookup).
type typeInfo struct {
	newPointer bool // a pointer to decode into a new value
	text       bool // a pointer to it is a TextUnmarshaler
}

var typeCache sync.Map // reflect.Type -> typeInfo

func typeInfoOf(t reflect.Type) typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(typeInfo)
	}
	ti := typeInfo{
		newPointer: t.Kind() == reflect.Pointer,
		text:       reflect.PointerTo(t).Implements(textUnmarshaler),
	}
	typeCache.Store(t, ti)
	return ti
}

func (d *decoder) decodeTable(raw map[string]any, rv reflect.Value) {
	si := structFields(rv.Type())
	start := len(d.keys)
	for k := range raw {
		d.keys = append(d.keys, k)
	}
	end := len(d.keys)
	slices.Sort(d.keys[start:end])
	for i := start; i < end; i++ {
		k := d.keys[i] // d.keys may move while the value decodes, never below end
		d.push(k)
		if fi, ok := si.fields[k]; ok {
			d.decodeValue(raw[k], rv.Field(fi.index), fi.ti)
		} else {
			at := d.at()
			d.add(at, "unknown key %q%s", DottedPath(at), DidYouMean(k, si.order))
		}
		d.pop()
	}
	d.keys = d.keys[:start]
	for _, name := range si.required {
		if _, ok := raw[name]; !ok {
			at := d.at()
			d.add(at, "missing required key %q", DottedPath(append(at, name)))
		}
	}
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

func (d *decoder) wrongType(want string, v any) {
	at := d.at()
	d.add(at, "%s must be %s, not %s", DottedPath(at), want, tomlType(v))
}

// bad adds a problem at the value being decoded, its message prefixed with its path.
func (d *decoder) bad(format string, a ...any) {
	at := d.at()
	d.add(at, "%s"+format, append([]any{DottedPath(at)}, a...)...)
}

// decodeValue decodes v into rv, whose type's typeInfo is ti.
func (d *decoder) decodeValue(v any, rv reflect.Value, ti typeInfo) {
	t := rv.Type()
	if ti.newPointer {
		nv := reflect.New(t.Elem())
		d.decodeValue(v, nv.Elem(), typeInfoOf(t.Elem()))
		rv.Set(nv)
		return
	}
	if t == timeType {
		tv, ok := v.(time.Time)
		if !ok {
			d.wrongType("a date or date-time", v)
			return
		}
		rv.Set(reflect.ValueOf(tv))
		return
	}
	if ti.text {
		s, ok := v.(string)
		if !ok {
			d.wrongType("a string", v)
			return
		}
		if err := rv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.bad(": %v", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.wrongType("a string", v)
			return
		}
		rv.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.wrongType("true or false", v)
			return
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			d.wrongType("an integer", v)
			return
		}
		if rv.OverflowInt(n) {
			d.bad(": %d is out of range", n)
			return
		}
		rv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(int64)
		if !ok {
			d.wrongType("an integer", v)
			return
		}
		if n < 0 || rv.OverflowUint(uint64(n)) {
			d.bad(": %d is out of range", n)
			return
		}
		rv.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch n := v.(type) {
		case float64:
			rv.SetFloat(n)
		case int64:
			f := float64(n)
			exact := f < 1<<63 && int64(f) == n
			if t.Kind() == reflect.Float32 {
				exact = exact && float64(float32(f)) == f
				f = float64(float32(f))
			}
			if !exact { // a rounded number would pass for the one written
				d.bad(": %d cannot be held exactly by a %s (the nearest is %.0f)", n, t.Kind(), f)
				return
			}
			rv.SetFloat(f)
		default:
			d.wrongType("a number", v)
			return
		}
		if f := rv.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			d.bad(" must be a finite number")
		}
	case reflect.Slice, reflect.Array:
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
			d.wrongType("an array", v)
			return
		}
		s := rv
		if t.Kind() == reflect.Slice {
			s = reflect.MakeSlice(t, len(items), len(items))
		} else if len(items) != t.Len() {
			d.bad(" must have %d elements, not %d", t.Len(), len(items)) // never cut an array short
			return
		}
		eti := typeInfoOf(t.Elem())
		for i, item := range items {
			d.pushIndex(i)
			d.decodeValue(item, s.Index(i), eti)
			d.pop()
		}
		rv.Set(s)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			d.wrongType("a table", v)
			return
		}
		d.decodeTable(m, rv)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			d.wrongType("a table", v)
			return
		}
		if t.Key().Kind() != reflect.String {
			panic("tomldoc: map keys must be strings")
		}
		out := reflect.MakeMapWithSize(t, len(m))
		eti := typeInfoOf(t.Elem())
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ev := reflect.New(t.Elem()).Elem()
			d.push(k)
			d.decodeValue(m[k], ev, eti)
			d.pop()
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		rv.Set(out)
	case reflect.Interface:
		if !reflect.TypeOf(v).AssignableTo(t) {
			d.wrongType("a value that fits "+t.String(), v)
			return
		}
		rv.Set(reflect.ValueOf(v))
	default:
		panic(fmt.Sprintf("tomldoc: unsupported field type %s", t))
	}
}

// DecodeTree parses data (named file in messages) into TOML's generic tree, for a
// reader that has no struct to decode into (the toml-test decoder): tables are
// map[string]any, arrays of tables []map[string]any, other arrays []any, and values
// string, int64, float64, bool or time.Time. A local date-time, date or time is a
// time.Time in a zone named "datetime-local", "date-local" or "time-local"; an
// offset date-time is in a zone of its offset (UTC for Z). A file that is not TOML
// gives its one problem.
func DecodeTree(file string, data []byte) (tree map[string]any, problems Problems) {
	defer func() {
		if r := recover(); r != nil {
			tree, problems = nil, Problems{{File: file, Msg: fmt.Sprintf("cannot decode: %v", r)}}
		}
	}()
	src := stripBOM(string(data))
	raw, _, err := parse(src)
	if err != nil {
		return nil, Problems{syntaxProblem(file, src, err)}
	}
	return raw, nil
}

// syntaxProblem places err, the one problem of a file that does not parse.
func syntaxProblem(file, src string, err *syntaxError) Problem {
	ps := &positions{src: src}
	ps.once.Do(ps.build)
	p := ps.pos(int32(err.off))
	return Problem{File: file, Line: p.Line, Col: p.Col, Msg: "TOML syntax: " + err.msg}
}
