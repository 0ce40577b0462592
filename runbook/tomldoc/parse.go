package tomldoc

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/pelletier/go-toml/v2/unstable"
)

// parse reads a TOML document into the generic tree the struct decoder walks (string,
// int64, float64, bool, time.Time, []any, []map[string]any, map[string]any) and
// records where every key, table header and array element is written.
//
// The syntax comes from go-toml's unstable parser, which gives an AST with byte
// ranges. What that parser leaves to its caller, this file does the way BurntSushi/toml
// (muster's parser until now) does it, so that the same files load to the same values:
// which tables and keys may be defined twice (its "implicit" tables and its rules for
// arrays of tables, ported below with a trie in place of its string-keyed maps), and
// the reading of integers, floats and date-times.
func parse(src string) (root map[string]any, ps *positions, err *syntaxError) {
	if len(src) > math.MaxInt32 {
		return nil, nil, &syntaxError{msg: "the file is larger than 2 GB"} // offsets are int32
	}
	if i := strings.IndexByte(src[:min(len(src), 6)], 0); i >= 0 {
		return nil, nil, &syntaxError{off: i, msg: "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8"}
	}
	p := &parser{src: src, root: map[string]any{}, keys: &knode{}, tableRec: -1}
	// About one record per '=' (keys), '[' (headers, arrays) and ',' (array elements),
	// within reason for a file that has many of them in its strings.
	est := strings.Count(src, "=") + 2*strings.Count(src, "[") + strings.Count(src, ",")
	p.recs = make([]rec, 0, min(est, len(src)/8)+16)
	p.ctxNode, p.hash = p.keys, p.root
	// The parser reads the string's bytes in place (it never writes to its input), so
	// that a string value without escapes can be a slice of src instead of a copy.
	data := unsafe.Slice(unsafe.StringData(src), len(src))
	p.data = data
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	p.tp.Reset(data)
	for p.tp.NextExpression() {
		p.expression(p.tp.Expression())
	}
	if e := p.tp.Error(); e != nil {
		return nil, nil, p.parserError(e)
	}
	return p.root, &positions{src: src, recs: p.recs, extra: p.extra}, nil
}

// stripBOM removes a byte order mark, as BurntSushi does (UTF-16 ones too: some tools
// add them to UTF-8 files).
func stripBOM(src string) string {
	switch {
	case strings.HasPrefix(src, "\xff\xfe"), strings.HasPrefix(src, "\xfe\xff"):
		return src[2:]
	case strings.HasPrefix(src, "\xef\xbb\xbf"):
		return src[3:]
	}
	return src
}

// A syntaxError is the one problem of a file that does not parse, at a byte offset.
type syntaxError struct {
	off int
	msg string
}

type parser struct {
	tp   unstable.Parser
	src  string
	data []byte
	root map[string]any

	// BurntSushi's parser state: the table in scope, the key being set, and per key
	// path (without array indices) whether it is implicit and whether it holds an array.
	scope
	currentKey string
	keys       *knode
	pos        int // where an error about the current key points

	recs     []rec    // positions, see positions.go
	extra    []string // keys of records that are not slices of src
	tableRec int32    // the record of the table in scope (-1: the root)
}

// scope is the table in scope: its key path (BurntSushi's context), its node in the
// key trie, and its map, which BurntSushi looks up from the root for every key set
// (nil when the path holds something else than a table: setting a key fails then).
type scope struct {
	context []string
	ctxNode *knode
	hash    map[string]any
}

// knode is one key path in the trie that stands for BurntSushi's implicits and
// keyInfo maps (keyed there by the dotted string of the path, array indices left out).
type knode struct {
	kids     map[string]*knode
	implicit bool
	array    bool // the last value set at this path was an array (keyInfo's tomlArray)
}

func (n *knode) child(k string) *knode {
	if c, ok := n.kids[k]; ok {
		return c
	}
	if n.kids == nil {
		n.kids = make(map[string]*knode, 4)
	}
	c := &knode{}
	n.kids[k] = c
	return c
}

func (p *parser) fail(off int, format string, a ...any) {
	panic(&syntaxError{off: off, msg: fmt.Sprintf(format, a...)})
}

// offset is the position of b, a slice of the parsed input, in it.
func (p *parser) offset(b []byte) int {
	return min(max(cap(p.data)-cap(b), 0), len(p.data))
}

// str returns b as a string, sharing the source's memory when b is a slice of it (a
// string without escapes) instead of copying.
func (p *parser) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(p.data)))
	at := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if at >= start && at+uintptr(len(b)) <= start+uintptr(len(p.data)) {
		off := int(at - start)
		return p.src[off : off+len(b)]
	}
	return string(b)
}

var unicodeNotation = regexp.MustCompile(`U\+[0-9A-F]{4,6} '([^']+)'`)

func (p *parser) parserError(err error) *syntaxError {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return &syntaxError{off: len(p.data), msg: err.Error()}
	}
	msg := pe.Message
	switch msg {
	case "basic strings cannot have new lines", "literal strings cannot have new lines":
		msg = "strings cannot contain newlines"
	case "unterminated basic string":
		msg = `unexpected end of file; expected '"'`
	case "unterminated literal string":
		msg = `unexpected end of file; expected "'"`
	}
	off := p.offset(pe.Highlight)
	if strings.HasPrefix(msg, "expected keyword ") || strings.HasPrefix(msg, "unexpected character ") && strings.HasSuffix(msg, " at start of value") {
		if w := p.word(off); w != "" {
			msg = fmt.Sprintf("%s is not a value (a string must be in quotes: %q)", w, w)
		} else {
			msg = strings.TrimSuffix(strings.TrimPrefix(msg, "unexpected character "), " at start of value")
			msg = "expected a value (a quoted string, number, true or false, date, array or inline table), got " + msg
		}
	}
	if rest, ok := strings.CutPrefix(msg, "expected newline but got "); ok {
		msg = "expected the end of the line, got " + rest
		if rest == "U+000D" {
			msg = "a carriage return must be followed by a newline"
		}
	}
	msg = unicodeNotation.ReplaceAllString(msg, "'$1'")
	return &syntaxError{off: off, msg: msg}
}

// word is the bare word at off (letters, digits, '_' and '-'), at most 40 bytes of
// it, or "" when none starts there.
func (p *parser) word(off int) string {
	end := off
	for end < len(p.src) && end-off < 40 && isBareByte(p.src[end]) {
		end++
	}
	if end == off || !(p.src[off] >= 'a' && p.src[off] <= 'z' || p.src[off] >= 'A' && p.src[off] <= 'Z') {
		return ""
	}
	return p.src[off:end]
}

func isBareByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// keyParts returns the parts of a dotted key and the offset where the key starts.
func (p *parser) keyParts(it unstable.Iterator, buf []string) ([]string, int) {
	start := -1
	for it.Next() {
		k := it.Node()
		if start < 0 {
			start = int(k.Raw.Offset)
		}
		buf = append(buf, p.str(k.Data))
	}
	return buf, start
}

func (p *parser) expression(n *unstable.Node) {
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		var kb [8]string
		key, off := p.keyParts(n.Key(), kb[:0])
		p.pos = off
		array := n.Kind == unstable.ArrayTable
		p.addContext(key, array, p.headerStart(off, array))
		// setType("", hash or array of hashes): the table is not an array value.
		p.ctxNode.array = false
	case unstable.KeyValue:
		p.keyValue(n, nil, p.tableRec)
	}
}

// headerStart finds the '[' that opens the header whose key starts at off.
func (p *parser) headerStart(off int, array bool) int {
	i := off - 1
	for i > 0 && (p.src[i] == ' ' || p.src[i] == '\t') {
		i--
	}
	if array && i > 0 {
		i--
	}
	return max(i, 0)
}

// keyValue sets `key = value` in the table in scope (topHash nil) or in an inline
// table being built (topHash its map), as BurntSushi's topLevel and valueInlineTable do.
func (p *parser) keyValue(n *unstable.Node, topHash map[string]any, parentRec int32) {
	var kb [8]string
	key, off := p.keyParts(n.Key(), kb[:0])
	p.pos = off
	outer := p.scope

	rec := parentRec
	for _, k := range key {
		rec = p.record(rec, k, off)
	}

	p.currentKey = key[len(key)-1]
	for i := range len(key) - 1 {
		p.ctxNode.child(key[i]).implicit = true
		p.addContext(append(p.context[:len(p.context):len(p.context)], key[i]), false, -1)
	}
	val, _, isArray := p.value(n.Value(), false, rec, p.valueStart(n))
	p.pos = off
	p.setValue(p.currentKey, val)
	p.setType(p.currentKey, isArray)

	if topHash != nil {
		hash := topHash
		for _, c := range key[:len(key)-1] {
			h, ok := hash[c]
			if !ok {
				h = make(map[string]any)
				hash[c] = h
			}
			if hash, ok = h.(map[string]any); !ok {
				p.fail(off, "%s is not a table", strconv.Quote(keyString(p.context)))
			}
		}
		hash[p.currentKey] = val
	}
	p.scope = outer
	if topHash == nil {
		p.currentKey = ""
	}
}

// addContext is BurntSushi's: it makes key the table in scope, creating the implicit
// tables on the way and checking that key is not already something else. For a
// header (at >= 0, the offset of its '[') it also records the header's position and
// makes it the table whose key-values follow.
func (p *parser) addContext(key []string, array bool, at int) {
	header := at >= 0
	hashContext := p.root
	keyContext := make([]string, 0, len(key))
	node := p.keys
	rec := int32(-1)
	for _, k := range key[:len(key)-1] {
		v, ok := hashContext[k]
		keyContext = append(keyContext, k)
		node = node.child(k)
		if header {
			rec = p.record(rec, k, -1)
		}
		if !ok {
			node.implicit = true
			v = make(map[string]any)
			hashContext[k] = v
		}
		switch t := v.(type) {
		case []map[string]any:
			hashContext = t[len(t)-1]
			if header {
				rec = p.recordIndex(rec, len(t)-1, -1)
			}
		case map[string]any:
			hashContext = t
		default:
			p.fail(p.pos, "Key '%s' was already created as a hash.", keyString(keyContext))
		}
	}
	p.scope = scope{context: keyContext, ctxNode: node, hash: hashContext}
	last := key[len(key)-1]
	if array {
		if _, ok := hashContext[last]; !ok {
			hashContext[last] = make([]map[string]any, 0, 4)
		}
		hash, ok := hashContext[last].([]map[string]any)
		if !ok {
			p.fail(p.pos, "Key '%s' was already created and cannot be used as an array.", keyString(key))
		}
		size := 0
		if len(hash) > 0 {
			size = len(hash[len(hash)-1]) // the tables of an array are alike
		}
		hashContext[last] = append(hash, make(map[string]any, size))
		if header {
			rec = p.recordIndex(p.record(rec, last, at), len(hash), at)
		}
	} else {
		p.setValue(last, make(map[string]any))
		if header {
			rec = p.record(rec, last, at)
		}
	}
	// The map of the new scope, as setValue will find it from the root.
	var h map[string]any
	switch t := hashContext[last].(type) {
	case []map[string]any:
		h = t[len(t)-1]
	case map[string]any:
		h = t
	}
	p.scope = scope{context: append(keyContext, last), ctxNode: node.child(last), hash: h}
	if header {
		p.tableRec = rec
	}
}

// setValue is BurntSushi's: it sets key in the table in scope, refusing a key defined
// twice unless the first was an implicit table.
func (p *parser) setValue(key string, value any) {
	hash := p.hash
	if hash == nil {
		p.fail(p.pos, "Key '%s' has already been defined.", keyString(p.context))
	}
	if _, ok := hash[key]; ok {
		n := p.ctxNode.child(key)
		if n.array {
			if !n.implicit {
				p.fail(p.pos, "Key '%s' has already been defined.", keyString(append(p.context[:len(p.context):len(p.context)], key)))
			}
			n.implicit = false
			hash[key] = value
			return
		}
		if n.implicit {
			n.implicit = false
			return
		}
		p.fail(p.pos, "Key '%s' has already been defined.", keyString(append(p.context[:len(p.context):len(p.context)], key)))
	}
	hash[key] = value
}

// setType is BurntSushi's, reduced to what is ever read back: whether the value set
// at a path is an array. Like BurntSushi it files an empty key under its table.
func (p *parser) setType(key string, isArray bool) {
	n := p.ctxNode
	if key != "" || len(p.context) == 0 {
		if isArray {
			n = n.child(key)
		} else if n = n.kids[key]; n == nil {
			return // a path never set to an array stays so
		}
	}
	n.array = isArray
}

// value converts the value node v; start is its offset in the input. It records the
// position of every array element under rec, and returns the offset just past the
// value and whether it is an array.
func (p *parser) value(v *unstable.Node, parentIsArray bool, rec int32, start int) (val any, end int, isArray bool) {
	end = int(v.Raw.Offset + v.Raw.Length)
	switch v.Kind {
	case unstable.String:
		return p.str(v.Data), end, false
	case unstable.Bool:
		return len(v.Data) == 4, end, false // "true" or "false": the parser checked
	case unstable.Integer:
		return p.integer(v), end, false
	case unstable.Float:
		return p.float(v), end, false
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return p.datetime(v), end, false
	case unstable.Array:
		p.setType(p.currentKey, true)
		array := make([]any, 0, 2)
		cursor := start + 1
		for it := v.Children(); it.Next(); {
			e := it.Node()
			if e.Kind == unstable.Comment {
				continue
			}
			at := p.skipFiller(cursor)
			var val any
			val, cursor, _ = p.value(e, true, p.recordIndex(rec, len(array), at), at)
			array = append(array, val)
		}
		return array, p.skipFiller(cursor) + 1, true
	case unstable.InlineTable:
		t, end := p.inlineTable(v, parentIsArray, rec, start)
		return t, end, false
	}
	p.fail(int(v.Raw.Offset), "unexpected %s", v.Kind)
	return nil, 0, false
}

// inlineTable is BurntSushi's valueInlineTable.
// It returns the table and the offset just past its '}'.
func (p *parser) inlineTable(v *unstable.Node, parentIsArray bool, rec int32, start int) (map[string]any, int) {
	topHash := make(map[string]any)
	outer, outerKey := p.scope, p.currentKey
	path := append(p.context[:len(p.context):len(p.context)], p.currentKey)
	p.ctxNode.child(p.currentKey).implicit = true
	p.currentKey = ""
	p.addContext(path, parentIsArray, -1)
	inner := p.scope
	cursor := start + 1
	for it := v.Children(); it.Next(); {
		if kv := it.Node(); kv.Kind == unstable.KeyValue {
			p.keyValue(kv, topHash, rec)
			p.scope = inner
			cursor = int(kv.Raw.Offset + kv.Raw.Length)
		}
	}
	p.scope, p.currentKey = outer, outerKey
	return topHash, p.skipFiller(cursor) + 1
}

// valueStart is where the value of a key-value starts: past the '=' after its key.
func (p *parser) valueStart(kv *unstable.Node) int {
	end := 0
	for it := kv.Key(); it.Next(); {
		r := it.Node().Raw
		end = int(r.Offset + r.Length)
	}
	i := end
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t' || p.src[i] == '=') {
		i++
	}
	return i
}

// skipFiller skips what may stand between the values of an array or inline table:
// blanks, newlines, comments and commas.
func (p *parser) skipFiller(i int) int {
	for i < len(p.src) {
		switch p.src[i] {
		case ' ', '\t', '\r', '\n', ',':
			i++
		case '#':
			for i < len(p.src) && p.src[i] != '\n' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// integer is BurntSushi's valueInteger.
func (p *parser) integer(v *unstable.Node) int64 {
	s := p.str(v.Data)
	if !numUnderscoresOK(s) {
		p.fail(int(v.Raw.Offset), "Invalid integer %q: underscores must be surrounded by digits", s)
	}
	if numHasLeadingZero(s) {
		p.fail(int(v.Raw.Offset), "Invalid integer %q: cannot have leading zeroes", s)
	}
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		if e, ok := err.(*strconv.NumError); ok && e.Err == strconv.ErrRange {
			p.fail(int(v.Raw.Offset), "%s is out of range for int64", s)
		}
		p.fail(int(v.Raw.Offset), "Invalid integer %q", s)
	}
	return n
}

// float is BurntSushi's valueFloat.
func (p *parser) float(v *unstable.Node) float64 {
	s := p.str(v.Data)
	at := int(v.Raw.Offset)
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == 'e' || r == 'E' })
	for _, part := range parts {
		if !numUnderscoresOK(part) {
			p.fail(at, "Invalid float %q: underscores must be surrounded by digits", s)
		}
	}
	if len(parts) > 0 && numHasLeadingZero(parts[0]) {
		p.fail(at, "Invalid float %q: cannot have leading zeroes", s)
	}
	if !numPeriodsOK(s) {
		p.fail(at, "Invalid float %q: '.' must be followed by one or more digits", s)
	}
	val := strings.ReplaceAll(s, "_", "")
	signbit := false
	if val == "+nan" || val == "-nan" {
		signbit = val == "-nan"
		val = "nan"
	}
	f, err := strconv.ParseFloat(val, 64)
	if err != nil {
		if e, ok := err.(*strconv.NumError); ok && e.Err == strconv.ErrRange {
			p.fail(at, "%s is out of range for float64", s)
		}
		p.fail(at, "Invalid float value: %q", s)
	}
	if signbit {
		f = math.Copysign(f, -1)
	}
	return f
}

// The zones BurntSushi gives local date-times, dates and times: the machine's offset
// when the program starts, under names that tell them apart (scenarios refuse a local
// story_start by its zone's "-local" suffix).
var (
	localOffset   = func() int { _, o := time.Now().Zone(); return o }()
	localDatetime = time.FixedZone("datetime-local", localOffset)
	localDate     = time.FixedZone("date-local", localOffset)
	localTime     = time.FixedZone("time-local", localOffset)
)

var dtTypes = []struct {
	fmt  string
	zone *time.Location
}{
	{time.RFC3339Nano, time.Local},
	{"2006-01-02T15:04:05.999999999", localDatetime},
	{"2006-01-02", localDate},
	{"15:04:05.999999999", localTime},
	{"2006-01-02T15:04Z07:00", time.Local},
	{"2006-01-02T15:04", localDatetime},
	{"15:04", localTime},
}

var datetimeRepl = strings.NewReplacer("z", "Z", "t", "T", " ", "T")

// datetime is BurntSushi's valueDatetime.
func (p *parser) datetime(v *unstable.Node) time.Time {
	raw := p.str(v.Data)
	s := datetimeRepl.Replace(raw)
	for _, dt := range dtTypes {
		t, err := time.ParseInLocation(dt.fmt, s, dt.zone)
		if err == nil {
			if missingLeadingZero(s, dt.fmt) {
				break
			}
			return t
		}
	}
	p.fail(int(v.Raw.Offset), "invalid datetime: %q", raw)
	return time.Time{}
}

// missingLeadingZero: time.Parse accepts numbers without their leading zero; TOML
// does not. The separators stand at the same places in the value and the layout.
func missingLeadingZero(d, l string) bool {
	for i, c := range []byte(l) {
		if c == '.' || c == 'Z' {
			return false
		}
		if (c < '0' || c > '9') && d[i] != c {
			return true
		}
	}
	return false
}

func numHasLeadingZero(s string) bool {
	if len(s) > 1 && s[0] == '0' && !(s[1] == 'b' || s[1] == 'o' || s[1] == 'x') {
		return true
	}
	if len(s) > 2 && (s[0] == '-' || s[0] == '+') && s[1] == '0' {
		return true
	}
	return false
}

func numUnderscoresOK(s string) bool {
	switch s {
	case "nan", "+nan", "-nan", "inf", "-inf", "+inf":
		return true
	}
	accept := false
	for _, r := range s {
		if r == '_' && !accept {
			return false
		}
		accept = r >= '0' && r <= '9' || r|0x20 >= 'a' && r|0x20 <= 'f'
	}
	return accept
}

func numPeriodsOK(s string) bool {
	period := false
	for _, r := range s {
		if period && !(r >= '0' && r <= '9') {
			return false
		}
		period = r == '.'
	}
	return !period
}

// keyString writes a key path the way BurntSushi's messages do: a.b."c d".
func keyString(k []string) string {
	var b strings.Builder
	for i, part := range k {
		if i > 0 {
			b.WriteByte('.')
		}
		if isBareKey(part) {
			b.WriteString(part)
		} else {
			b.WriteString(strconv.Quote(part))
		}
	}
	return b.String()
}
