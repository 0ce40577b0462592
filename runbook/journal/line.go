package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Byte layout of a line. The first 155 bytes are ASCII at fixed offsets so a verifier
// can check the chain with byte compares and hash the line without a JSON decode.
const (
	linePrefix = `{"prev":"`  // bytes 0..9
	prevOff    = 9            // prev hash: bytes 9..73
	hashSep    = `","hash":"` // bytes 73..83
	hashOff    = 83           // own hash: bytes 83..147
	seqSep     = `","seq":`   // bytes 147..155
	seqOff     = 155          // seq digits start here
	hexLen     = 64
	schemaSep  = `,"schema":`
	timeSep    = `,"time":"`
	tzSep      = `","tz":"`
	actorSep   = `","actor":`
	typeSep    = `,"type":`
	dataSep    = `,"data":`
	timeLayout = "2006-01-02T15:04:05.000000000Z"
	timeLen    = len(timeLayout) // 30
	tzLen      = len("+01:00")
	// minLineLen is the shortest possible line: seq of one digit, one-byte actor and
	// type, data {}.
	minLineLen = seqOff + 1 + len(schemaSep) + 1 + len(timeSep) + timeLen + len(tzSep) + tzLen +
		len(actorSep) + 3 + len(typeSep) + 3 + len(dataSep) + 2 + 2
)

// Limits enforced on write and on read.
const (
	// MaxLineSize is the longest line (event) the journal writes or reads, newline
	// included. Large evidence belongs in an attachment.
	MaxLineSize = 1 << 20
	// MaxActorLen is the longest actor name in bytes.
	MaxActorLen = 256
	// MaxTypeLen is the longest event type in bytes.
	MaxTypeLen = 64
)

// Genesis is the prev hash of the first line: 64 zeros.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Event is one line of the journal.
type Event struct {
	// Prev is the hex SHA-256 of the previous line (Genesis for the first line).
	Prev string `json:"prev"`
	// Hash is the hex SHA-256 of this line with its own 64 hash characters left out
	// (see the package documentation). Readers check it before returning the event.
	Hash string `json:"hash"`
	// Seq numbers events consecutively from 1; it equals the line number.
	Seq uint64 `json:"seq"`
	// Schema is the line format version, 1.
	Schema int `json:"schema"`
	// Time is when the event was written, in UTC with nanoseconds.
	Time time.Time `json:"time"`
	// TZ is the writer's zone offset at that moment, "+01:00"; see Local.
	TZ string `json:"tz"`
	// Actor is who did it ("alice@laptop").
	Actor string `json:"actor"`
	// Type names the event ("note", "step.done"); the journal itself writes
	// TypeRecovered and TypeAttached.
	Type string `json:"type"`
	// Data is the event's payload, a JSON object.
	Data json.RawMessage `json:"data"`
	// Line is the 1-based line number in journal.jsonl; it is not stored.
	Line int `json:"-"`
}

// Local returns the event's time in the zone offset the writer had.
func (e Event) Local() time.Time {
	off, ok := parseTZ([]byte(e.TZ))
	if !ok {
		return e.Time
	}
	return e.Time.In(time.FixedZone(e.TZ, off))
}

// lineFields are the parts of a line as byte slices into it.
type lineFields struct {
	prev, hash []byte
	seq        uint64
	time       []byte
	tz         []byte
	actor      []byte // string content between the quotes, still escaped
	actorEsc   bool   // actor holds \" or \\ escapes
	typ        []byte
	data       []byte
}

// syntaxError says where in a line its syntax breaks.
type syntaxError struct {
	at   int
	what string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("byte %d: %s", e.at+1, e.what) }

func badf(at int, format string, args ...any) error {
	return &syntaxError{at: at, what: fmt.Sprintf(format, args...)}
}

// parseLine checks the syntax of one line (which ends with its newline) and returns
// its parts. It accepts exactly the canonical form appendLine writes, except that the
// data object is only checked by its braces; it does not check the line's hash.
func parseLine(line []byte) (lineFields, error) {
	var f lineFields
	err := parseFields(line, &f)
	if err == nil {
		err = checkHex(line)
	}
	return f, err
}

// checkHex checks that prev and hash are lowercase hex. The readers skip it while prev
// and hash compare equal to hashes they computed, which are hex.
func checkHex(line []byte) error {
	if i := badHex(line[prevOff : prevOff+hexLen]); i >= 0 {
		return badf(prevOff+i, "prev is not 64 lowercase hex digits")
	}
	if i := badHex(line[hashOff : hashOff+hexLen]); i >= 0 {
		return badf(hashOff+i, "hash is not 64 lowercase hex digits")
	}
	return nil
}

// parseFields is parseLine without checkHex, filling f (which is large, so it is not
// returned by value on this hot path).
func parseFields(line []byte, f *lineFields) error {
	*f = lineFields{}
	n := len(line)
	if n == 0 || line[n-1] != '\n' {
		return badf(n, "line does not end with a newline")
	}
	if n > MaxLineSize {
		return errLineTooLong()
	}
	if n < minLineLen {
		return badf(0, "line is too short (%d bytes) to be a journal line", n)
	}
	if string(line[:prevOff]) != linePrefix {
		return badf(0, `line does not start with {"prev":"`)
	}
	f.prev = line[prevOff : prevOff+hexLen]
	if string(line[prevOff+hexLen:hashOff]) != hashSep {
		return badf(prevOff+hexLen, `expected ","hash":" after prev`)
	}
	f.hash = line[hashOff : hashOff+hexLen]
	if string(line[hashOff+hexLen:seqOff]) != seqSep {
		return badf(hashOff+hexLen, `expected ","seq": after hash`)
	}
	seq, i, ok := parseUint(line, seqOff)
	var err error
	if !ok || seq == 0 {
		return badf(seqOff, "seq is not a number from 1 without leading zeros")
	}
	f.seq = seq
	// The common case in one compare: schema 1 and the time's opening quote.
	if hasAt(line, i, schemaTimeSep) && i+len(schemaTimeSep)+timeLen < n &&
		line[i+len(schemaTimeSep)+timeLen] == '"' && validTime(line[i+len(schemaTimeSep):i+len(schemaTimeSep)+timeLen]) {
		i += len(schemaTimeSep)
	} else if i, err = schemaTime(line, i); err != nil {
		return err
	}
	f.time = line[i : i+timeLen]
	i += timeLen
	if !hasAt(line, i, tzSep) {
		return badf(i, `expected ","tz":" after time`)
	}
	i += len(tzSep)
	if i+tzLen > n {
		return badf(i, "line ends inside tz")
	}
	f.tz = line[i : i+tzLen]
	if _, ok := parseTZ(f.tz); !ok {
		return badf(i, `tz %q is not a zone offset of the form "+01:00"`, f.tz)
	}
	i += tzLen
	if !hasAt(line, i, actorSep) {
		return badf(i, `expected ","actor": after tz`)
	}
	i += len(actorSep)
	actor, esc, j, err := parseString(line, i, MaxActorLen)
	if err != nil {
		return badf(i, "actor: %v", err)
	}
	f.actor, f.actorEsc, i = actor, esc, j
	if !hasAt(line, i, typeSep) {
		return badf(i, `expected ,"type": after actor`)
	}
	i += len(typeSep)
	typ, j, err := parseType(line, i)
	if err != nil {
		return badf(i, "type: %v", err)
	}
	f.typ, i = typ, j
	if !hasAt(line, i, dataSep) {
		return badf(i, `expected ,"data": after type`)
	}
	i += len(dataSep)
	// data is the rest of the line up to the closing "}\n" of the line object.
	if n-2-i < 2 || line[i] != '{' || line[n-3] != '}' || line[n-2] != '}' {
		return badf(i, "data is not a JSON object closing the line with }}")
	}
	f.data = line[i : n-2]
	return nil
}

// errLineTooLong is parseFields's error for a line longer than MaxLineSize.
func errLineTooLong() error { return badf(MaxLineSize, "line is longer than %d bytes", MaxLineSize) }

// schemaTimeSep is what follows seq up to the time's first digit in schema 1.
const schemaTimeSep = schemaSep + "1" + timeSep

// schemaTime is parseFields's slow path for the schema and the time after seq (at
// line[i:]): it says what is wrong with them, or returns where the time starts.
func schemaTime(line []byte, i int) (int, error) {
	n := len(line)
	if !hasAt(line, i, schemaSep) {
		return 0, badf(i, `expected ,"schema": after seq`)
	}
	i += len(schemaSep)
	schema, j, ok := parseUint(line, i)
	if !ok {
		return 0, badf(i, "schema is not a number")
	}
	if schema != Schema {
		return 0, badf(i, "schema %d is not supported (this muster reads schema %d)", schema, Schema)
	}
	i = j
	if !hasAt(line, i, timeSep) {
		return 0, badf(i, `expected ,"time":" after schema`)
	}
	i += len(timeSep)
	q := bytes.IndexByte(line[i:min(n, i+64)], '"')
	if q < 0 {
		return 0, badf(i, "time is not a quoted string")
	}
	if ts := line[i : i+q]; q != timeLen || !validTime(ts) {
		if q == 0 || ts[q-1] != 'Z' {
			return 0, badf(i, "time %q is not UTC (of the form %s)", ts, timeLayout)
		}
		return 0, badf(i, "time %q is not a valid time of the form %s", ts, timeLayout)
	}
	return i, nil
}

// hasAt reports whether line holds s at offset i.
func hasAt(line []byte, i int, s string) bool {
	return i >= 0 && i+len(s) <= len(line) && string(line[i:i+len(s)]) == s
}

// isHex marks the lowercase hex digits.
var isHex = func() (t [256]byte) {
	for _, c := range []byte("0123456789abcdef") {
		t[c] = 1
	}
	return t
}()

// badHex returns the index of the first byte of b that is not a lowercase hex digit,
// or -1. The common all-valid case runs without branches on the data.
func badHex(b []byte) int {
	ok := byte(1)
	for _, c := range b {
		ok &= isHex[c]
	}
	if ok == 1 {
		return -1
	}
	for i, c := range b {
		if isHex[c] == 0 {
			return i
		}
	}
	return -1
}

// parseUint reads a decimal number without leading zeros at b[i:].
func parseUint(b []byte, i int) (v uint64, next int, ok bool) {
	j := i
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		d := uint64(b[j] - '0')
		if v > (1<<64-1-d)/10 {
			return 0, j, false
		}
		v = v*10 + d
		j++
	}
	if j == i || (b[i] == '0' && j > i+1) {
		return 0, j, false
	}
	return v, j, true
}

// Byte classes for parseString.
const (
	clsPlain   = 0
	clsQuote   = 1
	clsEscape  = 2
	clsControl = 3
	clsHigh    = 4
)

var strClass = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c == '"':
			t[c] = clsQuote
		case c == '\\':
			t[c] = clsEscape
		case c < 0x20 || c == 0x7f:
			t[c] = clsControl
		case c >= 0x80:
			t[c] = clsHigh
		}
	}
	return t
}()

// parseString reads a JSON string in canonical form at b[i:]: only \" and \\ escapes,
// no control characters, valid UTF-8, 1..max bytes once unescaped. It returns the
// content between the quotes.
func parseString(b []byte, i, max int) (s []byte, esc bool, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, false, i, errors.New("expected a string")
	}
	high := false
	size := 0
	for j := i + 1; j < len(b); j++ {
		switch strClass[b[j]] {
		case clsPlain:
		case clsQuote:
			s = b[i+1 : j]
			if size == 0 {
				return nil, false, j, errors.New("empty string")
			}
			if size > max {
				return nil, false, j, fmt.Errorf("longer than %d bytes", max)
			}
			if high && !utf8.Valid(s) {
				return nil, false, j, errors.New("not valid UTF-8")
			}
			if high && hasControl(s) {
				return nil, false, j, errors.New("holds a control character")
			}
			return s, esc, j + 1, nil
		case clsEscape:
			if j+1 >= len(b) || (b[j+1] != '"' && b[j+1] != '\\') {
				return nil, false, j, errors.New(`only \" and \\ escapes are allowed`)
			}
			esc = true
			j++
		case clsControl:
			return nil, false, j, errors.New("holds a control character")
		case clsHigh:
			high = true
		}
		size++
	}
	return nil, false, len(b), errors.New("unterminated string")
}

// isTypeByte marks the bytes an event type may hold.
var isTypeByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '-'
	}
	return t
}()

// parseType reads the quoted event type at b[i:].
func parseType(b []byte, i int) (typ []byte, next int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, errors.New("expected a string")
	}
	j := i + 1
	for j < len(b) && isTypeByte[b[j]] {
		j++
	}
	switch typ = b[i+1 : j]; {
	case j >= len(b) || b[j] != '"':
		return nil, j, fmt.Errorf("may hold only letters, digits and . _ : - (a %q at byte %d)", b[min(j, len(b)-1)], j+1)
	case len(typ) == 0:
		return nil, j, errors.New("empty string")
	case len(typ) > MaxTypeLen:
		return nil, j, fmt.Errorf("longer than %d bytes", MaxTypeLen)
	}
	return typ, j + 1, nil
}

// hasControl reports whether s holds a Unicode control character (C1 here; C0 and DEL
// are caught byte by byte).
func hasControl(s []byte) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if unicode.IsControl(r) {
			return true
		}
		s = s[n:]
	}
	return false
}

// badType returns the index of the first byte not allowed in an event type, or -1.
func badType(b []byte) int {
	for i, c := range b {
		if !isTypeByte[c] {
			return i
		}
	}
	return -1
}

// unescape undoes the two escapes parseString allows.
func unescape(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		out = append(out, s[i])
	}
	return string(out)
}

// validTime checks the fixed layout 2006-01-02T15:04:05.000000000Z, the calendar
// included, without building a time.Time.
func validTime(b []byte) bool {
	if len(b) != timeLen {
		return false
	}
	b = b[:timeLen:timeLen]
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[29] != 'Z' {
		return false
	}
	// A byte minus '0' wraps above 9 for anything that is not a digit.
	if b[0]-'0' > 9 || b[1]-'0' > 9 || b[2]-'0' > 9 || b[3]-'0' > 9 || b[5]-'0' > 9 || b[6]-'0' > 9 ||
		b[8]-'0' > 9 || b[9]-'0' > 9 || b[11]-'0' > 9 || b[12]-'0' > 9 || b[14]-'0' > 9 || b[15]-'0' > 9 ||
		b[17]-'0' > 9 || b[18]-'0' > 9 || b[20]-'0' > 9 || b[21]-'0' > 9 || b[22]-'0' > 9 || b[23]-'0' > 9 ||
		b[24]-'0' > 9 || b[25]-'0' > 9 || b[26]-'0' > 9 || b[27]-'0' > 9 || b[28]-'0' > 9 {
		return false
	}
	year := int(b[0]-'0')*1000 + int(b[1]-'0')*100 + int(b[2]-'0')*10 + int(b[3]-'0')
	month := int(b[5]-'0')*10 + int(b[6]-'0')
	day := int(b[8]-'0')*10 + int(b[9]-'0')
	hour := int(b[11]-'0')*10 + int(b[12]-'0')
	minute := int(b[14]-'0')*10 + int(b[15]-'0')
	sec := int(b[17]-'0')*10 + int(b[18]-'0')
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return false
	}
	days := monthDays[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

var monthDays = [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// parseTime reads the fixed layout 2006-01-02T15:04:05.000000000Z.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) != timeLen || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' ||
		b[16] != ':' || b[19] != '.' || b[29] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		v := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	nsec, ok7 := num(20, 29)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // February 30th and the like
		return time.Time{}, false
	}
	return t, true
}

// parseTZ reads "+hh:mm" or "-hh:mm" (not "-00:00") and returns the offset in seconds.
func parseTZ(b []byte) (int, bool) {
	if len(b) != tzLen {
		return 0, false
	}
	b = b[:tzLen:tzLen]
	if (b[0] != '+' && b[0] != '-') || b[3] != ':' || b[1]-'0' > 9 || b[2]-'0' > 9 || b[4]-'0' > 9 || b[5]-'0' > 9 {
		return 0, false
	}
	h := int(b[1]-'0')*10 + int(b[2]-'0')
	m := int(b[4]-'0')*10 + int(b[5]-'0')
	if h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		if off == 0 {
			return 0, false
		}
		off = -off
	}
	return off, true
}

// formatTZ writes a zone offset in seconds as "+hh:mm" (seconds are dropped).
func formatTZ(dst []byte, off int) []byte {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	h, m := off/3600, off%3600/60
	if h > 23 {
		h, m = 23, 59
	}
	if h == 0 && m == 0 {
		sign = '+'
	}
	return append(dst, sign, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
}

// lineHasher computes the hash of a line: SHA-256 over the line with bytes 83..147
// (its own hash) left out, newline included, as lowercase hex. It copies the two
// parts together and hashes them in one call, which is faster than two writes to a
// streaming hash for lines this short.
type lineHasher struct {
	scratch []byte
}

func newLineHasher() *lineHasher { return &lineHasher{} }

func (lh *lineHasher) hash(line []byte, out *[hexLen]byte) {
	b := append(append(lh.scratch[:0], line[:hashOff]...), line[hashOff+hexLen:]...)
	lh.scratch = b
	sum := sha256.Sum256(b)
	for i, c := range sum {
		out[2*i], out[2*i+1] = hexPairs[c][0], hexPairs[c][1]
	}
}

// hexPairs holds the two lowercase hex digits of every byte.
var hexPairs = func() (t [256][2]byte) {
	for i := range t {
		t[i] = [2]byte{"0123456789abcdef"[i>>4], "0123456789abcdef"[i&15]}
	}
	return t
}()

// checkActor reports why actor cannot be written, or nil.
func checkActor(actor string) error {
	switch {
	case actor == "":
		return errors.New("actor is empty")
	case len(actor) > MaxActorLen:
		return fmt.Errorf("actor is longer than %d bytes", MaxActorLen)
	case !utf8.ValidString(actor):
		return fmt.Errorf("actor %q is not valid UTF-8", actor)
	}
	blank := true
	for _, r := range actor {
		switch {
		case unicode.IsControl(r):
			return fmt.Errorf("actor %q holds a control character", actor)
		case unicode.Is(unicode.Cf, r):
			// Bidi overrides and zero-width characters make one name look like another.
			return fmt.Errorf("actor %q holds an invisible formatting character (U+%04X: a bidi control or zero-width character)", actor, r)
		case !unicode.IsSpace(r):
			blank = false
		}
	}
	if blank {
		return fmt.Errorf("actor %q is blank", actor)
	}
	return nil
}

// checkType reports why typ cannot be written, or nil.
func checkType(typ string) error {
	switch {
	case typ == "":
		return errors.New("event type is empty")
	case len(typ) > MaxTypeLen:
		return fmt.Errorf("event type is longer than %d bytes", MaxTypeLen)
	case badType([]byte(typ)) >= 0:
		return fmt.Errorf("event type %q may hold only letters, digits and . _ : -", typ)
	}
	return nil
}

// appendLine writes a complete line to dst and fills in its hash. actor and typ must
// have passed checkActor and checkType; data must be a compact JSON object.
func appendLine(dst []byte, h *lineHasher, prev string, seq uint64, t time.Time, actor, typ string, data []byte) []byte {
	start := len(dst)
	dst = append(dst, linePrefix...)
	dst = append(dst, prev...)
	dst = append(dst, hashSep...)
	dst = append(dst, Genesis...) // placeholder for the line's own hash
	dst = append(dst, seqSep...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, schemaSep...)
	dst = strconv.AppendInt(dst, Schema, 10)
	dst = append(dst, timeSep...)
	dst = t.UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, tzSep...)
	_, off := t.Zone()
	dst = formatTZ(dst, off)
	dst = append(dst, actorSep...)
	dst = appendString(dst, actor)
	dst = append(dst, typeSep...)
	dst = appendString(dst, typ)
	dst = append(dst, dataSep...)
	dst = append(dst, data...)
	dst = append(dst, '}', '\n')
	line := dst[start:]
	var sum [hexLen]byte
	h.hash(line, &sum)
	copy(line[hashOff:], sum[:])
	return dst
}

// appendString writes s as a canonical JSON string: only " and \ are escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// DecodeLine decodes one journal line (with or without its newline) and checks its
// syntax, its own hash and that data is valid JSON. It does not check the line's
// place in the chain (prev and seq); ReadAll and Verify do.
func DecodeLine(line []byte) (Event, error) {
	if n := len(line); n == 0 || line[n-1] != '\n' {
		if bytes.IndexByte(line, '\n') >= 0 {
			return Event{}, errors.New("byte 1: more than one line")
		}
		line = append(line[:n:n], '\n')
	}
	if i := bytes.IndexByte(line, '\n'); i != len(line)-1 {
		return Event{}, badf(i, "more than one line")
	}
	f, err := parseLine(line)
	if err != nil {
		return Event{}, err
	}
	var sum [hexLen]byte
	newLineHasher().hash(line, &sum)
	if !bytes.Equal(sum[:], f.hash) {
		return Event{}, errHashMismatch
	}
	if !json.Valid(f.data) {
		return Event{}, errBadData
	}
	e := f.event(nil, nil)
	e.Data = bytes.Clone(e.Data)
	return e, nil
}

var (
	errHashMismatch = errors.New("the line's content does not match its hash (edited or damaged)")
	errBadData      = errors.New("data is not valid JSON")
)

// event builds an Event from checked fields. intern, when not nil, shares the strings
// that repeat (actor, type, tz); prev, when not empty, is the previous line's hash
// string to share.
func (f *lineFields) event(intern map[string]string, prev *string) Event {
	str := func(b []byte) string {
		if intern == nil {
			return string(b)
		}
		if s, ok := intern[string(b)]; ok {
			return s
		}
		s := string(b)
		intern[s] = s
		return s
	}
	e := Event{
		Seq:    f.seq,
		Schema: Schema,
		Line:   int(f.seq),
		TZ:     str(f.tz),
		Type:   str(f.typ),
		Data:   json.RawMessage(f.data),
		Hash:   string(f.hash),
	}
	e.Time = eventTime(f.time)
	if f.actorEsc {
		e.Actor = str([]byte(unescape(f.actor)))
	} else {
		e.Actor = str(f.actor)
	}
	if prev != nil && *prev == string(f.prev) {
		e.Prev = *prev
	} else {
		e.Prev = string(f.prev)
	}
	return e
}

// eventTime is parseTime of a time that passed validTime, by arithmetic rather than
// time.Date (a fifth of a line's decode).
func eventTime(b []byte) time.Time {
	if string(b[:4]) == "0000" {
		t, _ := parseTime(b) // before year 1, where unixTime's eras do not reach
		return t
	}
	return time.Unix(unixTime(b)).UTC()
}

// unixNano reads a time that passed validTime as nanoseconds since 1970 without
// building a time.Time.
func unixNano(b []byte) int64 {
	sec, nsec := unixTime(b)
	return sec*1e9 + nsec
}

// unixTime reads a time that passed validTime as seconds and nanoseconds since 1970
// (days from civil, H. Hinnant's algorithm; from year 1 on).
func unixTime(b []byte) (sec, nsec int64) {
	d := func(i, n int) int64 {
		v := int64(0)
		for _, c := range b[i : i+n] {
			v = v*10 + int64(c-'0')
		}
		return v
	}
	y, m, day := d(0, 4), d(5, 2), d(8, 2)
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return days*86400 + d(11, 2)*3600 + d(14, 2)*60 + d(17, 2), d(20, 9)
}
