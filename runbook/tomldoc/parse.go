package tomldoc

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/pelletier/go-toml/v2/unstable"
)

// parse reads a TOML document into the generic tree the struct decoder walks (string,
// int64, float64, bool, time.Time, []any, []map[string]any, map[string]any) and
// records where every key, table header and array element is written.
//
// The syntax comes from go-toml's unstable parser, which gives an AST with byte
// ranges and reads TOML 1.1. What that parser leaves to its caller is done here:
// TOML 1.0's rules for which tables and keys may be defined where (tables.go), the
// refusal of what 1.1 added (\e and \x escapes, times without seconds, inline tables
// over lines or with a trailing comma), and the reading of integers, floats and
// date-times the way BurntSushi/toml, muster's parser before, reads them.
func parse(src string) (root map[string]any, ps *positions, err *syntaxError) {
	if len(src) > math.MaxInt32 {
		return nil, nil, &syntaxError{msg: "the file is larger than 2 GB"} // offsets are int32
	}
	if i := strings.IndexByte(src[:min(len(src), 6)], 0); i >= 0 {
		return nil, nil, &syntaxError{off: i, msg: "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8"}
	}
	p := &parser{src: src, root: map[string]any{}, tableRec: -1}
	p.rootNode = &knode{kind: headerTable, tbl: p.root}
	p.table = p.rootNode
	// About one record per '=' (keys), '[' (headers, arrays) and ',' (array elements),
	// within reason for a file that has many of them in its strings.
	est := strings.Count(src, "=") + 2*strings.Count(src, "[") + strings.Count(src, ",")
	p.recs = make([]rec, 0, min(est, len(src)/8)+16)
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
	off  int
	msg  string
	kind errorKind
}

// errorKind sorts the errors where muster is stricter than BurntSushi/toml, for the
// differential test's list of known differences.
type errorKind uint8

const (
	otherError errorKind = iota
	redefined            // a key or table defined twice, or extended where TOML forbids it
	toml11               // syntax that TOML 1.1 allows and 1.0 does not
	badOffset            // a time zone offset out of range (+12:60)
)

func (p *parser) fail(off int, format string, a ...any) {
	panic(&syntaxError{off: off, msg: fmt.Sprintf(format, a...)})
}

func (p *parser) failKind(kind errorKind, off int, format string, a ...any) {
	panic(&syntaxError{off: off, msg: fmt.Sprintf(format, a...), kind: kind})
}

type parser struct {
	tp   unstable.Parser
	src  string
	data []byte
	root map[string]any

	rootNode  *knode   // the root table
	table     *knode   // the table in scope: the root, or the last header's
	tablePath []string // its key path, for messages
	tableRec  int32    // its record (-1: the root)

	recs  []rec    // positions, see positions.go
	extra []string // keys of records that are not slices of src
}

// offset is the position of b, a slice of the parsed input, in it.
func (p *parser) offset(b []byte) int {
	return min(max(cap(p.data)-cap(b), 0), len(p.data))
}

// inSrc reports whether b is a slice of the input (a string without escapes).
func (p *parser) inSrc(b []byte) bool {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(p.data)))
	at := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return at >= start && at+uintptr(len(b)) <= start+uintptr(len(p.data))
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

var unicodeNotation = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`U\+[0-9A-F]{4,6} '([^']+)'`) })

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
	msg = unicodeNotation().ReplaceAllString(msg, "'$1'")
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
		if len(k.Data) > 0 && !p.inSrc(k.Data) {
			p.checkEscapes(k.Raw)
		}
		buf = append(buf, p.str(k.Data))
	}
	return buf, start
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
}

var datetimeRepl = strings.NewReplacer("z", "Z", "t", "T", " ", "T")

// datetime is BurntSushi's valueDatetime, held to TOML 1.0: a time has its seconds,
// and an offset is at most 23:59.
func (p *parser) datetime(v *unstable.Node) time.Time {
	raw := p.str(v.Data)
	s := datetimeRepl.Replace(raw)
	at := int(v.Raw.Offset)
	if v.Kind != unstable.LocalDate {
		clock := s[strings.IndexByte(s, 'T')+1:] // the whole value for a local time
		if len(clock) < 8 || clock[5] != ':' {
			p.failKind(toml11, at, "a time without seconds (%s) is TOML 1.1; muster reads TOML 1.0: write %s:00", clock[:min(len(clock), 5)], clock[:min(len(clock), 5)])
		}
	}
	for _, dt := range dtTypes {
		t, err := time.ParseInLocation(dt.fmt, s, dt.zone)
		if err == nil {
			if missingLeadingZero(s, dt.fmt) {
				break
			}
			if v.Kind == unstable.DateTime && !strings.HasSuffix(s, "Z") {
				if zone := s[len(s)-6:]; zone[1:3] > "23" || zone[4:] > "59" {
					p.failKind(badOffset, at, "invalid time zone offset %s in %q: hours go up to 23 and minutes up to 59", zone, raw)
				}
			}
			return t
		}
	}
	p.fail(at, "invalid datetime: %q%s", raw, datetimeReason(v.Kind, s))
	return time.Time{}
}

// datetimeReason says why s, a date-time of kind k that did not parse, is wrong: ":
// month out of range", or how one is written.
func datetimeReason(k unstable.Kind, s string) string {
	layout := map[unstable.Kind]string{
		unstable.DateTime:      time.RFC3339Nano,
		unstable.LocalDateTime: "2006-01-02T15:04:05.999999999",
		unstable.LocalDate:     "2006-01-02",
		unstable.LocalTime:     "15:04:05.999999999",
	}[k]
	var pe *time.ParseError
	if _, err := time.Parse(layout, s); errors.As(err, &pe) && strings.Contains(pe.Message, "out of range") {
		return pe.Message // ": month out of range"
	}
	return "; write a date-time like 1979-05-27T07:32:00Z or 1979-05-27T07:32:00-07:00, a local date-time like 1979-05-27T07:32:00, a date like 1979-05-27, or a time like 07:32:00, every number with all its digits"
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
