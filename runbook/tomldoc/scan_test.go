package tomldoc

import (
	"strconv"
	"strings"
)

// scanPositionsOld is the lenient scanner tomldoc found key positions with before the
// parse recorded them, kept unchanged as the reference the differential tests hold
// the parse's positions to (comparePositions).
//
// It finds where every key, table header and array element of a TOML document is
// written. It runs only on input that BurntSushi/toml has already parsed, so it may be
// lenient; on anything it does not follow it stops recording and never panics. Keys
// are recorded by their full path, array-of-table and array indices included, in the
// form pathKey makes.
func scanPositionsOld(src string) map[string]Pos {
	s := &scanner{src: src, line: 1, col: 1, pos: map[string]Pos{}, aotCount: map[string]int{}}
	defer func() { _ = recover() }() // positions are a help for messages; never fail a decode over them
	s.document()
	return s.pos
}

type scanner struct {
	src       string
	i         int
	line, col int
	pos       map[string]Pos
	aotCount  map[string]int // path of an array of tables -> elements seen
	table     []any          // current table path
}

func (s *scanner) eof() bool { return s.i >= len(s.src) }

func (s *scanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *scanner) advance() {
	if s.eof() {
		return
	}
	if s.src[s.i] == '\n' {
		s.line++
		s.col = 1
	} else if s.src[s.i]&0xC0 != 0x80 { // count runes, not bytes, for the column
		s.col++
	}
	s.i++
}

func (s *scanner) here() Pos { return Pos{Line: s.line, Col: s.col} }

func (s *scanner) record(path []any, p Pos) {
	k := pathKey(path)
	if _, ok := s.pos[k]; !ok {
		s.pos[k] = p
	}
}

// skipSpace skips blanks; with newlines also line ends and comments.
func (s *scanner) skipSpace(newlines bool) {
	for !s.eof() {
		c := s.peek()
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case c == '#':
			for !s.eof() && s.peek() != '\n' {
				s.advance()
			}
		case c == '\n' && newlines:
			s.advance()
		default:
			return
		}
	}
}

func (s *scanner) document() {
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		if s.peek() == '[' {
			s.header()
			continue
		}
		s.keyValue(s.table)
	}
}

// resolve turns the dotted key segments of a header into a full path, inserting the
// current index of every array of tables along the way.
func (s *scanner) resolve(segs []string) []any {
	var path []any
	for _, seg := range segs {
		path = append(path, seg)
		if n, ok := s.aotCount[pathKey(path)]; ok {
			path = append(path, n-1)
		}
	}
	return path
}

func (s *scanner) header() {
	p := s.here()
	s.advance() // [
	array := s.peek() == '['
	if array {
		s.advance()
	}
	s.skipSpace(false)
	segs := s.keySegments()
	s.skipSpace(false)
	for !s.eof() && s.peek() == ']' {
		s.advance()
	}
	if array {
		parent := s.resolve(segs[:len(segs)-1])
		base := append(append([]any{}, parent...), segs[len(segs)-1])
		k := pathKey(base)
		n := s.aotCount[k]
		s.aotCount[k] = n + 1
		s.record(base, p)
		s.table = append(base, n)
	} else {
		s.table = s.resolve(segs)
	}
	s.record(s.table, p)
}

// keySegments reads a dotted key: bare, "basic" or 'literal' segments.
func (s *scanner) keySegments() []string {
	var segs []string
	for {
		s.skipSpace(false)
		switch s.peek() {
		case '"':
			segs = append(segs, s.basicString())
		case '\'':
			segs = append(segs, s.literalString())
		default:
			start := s.i
			for !s.eof() && isBareByte(s.peek()) {
				s.advance()
			}
			segs = append(segs, s.src[start:s.i])
		}
		s.skipSpace(false)
		if s.peek() != '.' {
			return segs
		}
		s.advance()
	}
}

func (s *scanner) keyValue(table []any) {
	p := s.here()
	segs := s.keySegments()
	path := append([]any{}, table...)
	for _, seg := range segs {
		path = append(path, seg)
		s.record(path, p)
	}
	s.skipSpace(false)
	if s.peek() != '=' {
		panic("tomldoc scan: expected =")
	}
	s.advance()
	s.skipSpace(false)
	s.value(path)
}

func (s *scanner) value(path []any) {
	switch c := s.peek(); c {
	case '"':
		if strings.HasPrefix(s.src[s.i:], `"""`) {
			s.multiline(`"""`)
		} else {
			s.basicString()
		}
	case '\'':
		if strings.HasPrefix(s.src[s.i:], `'''`) {
			s.multiline(`'''`)
		} else {
			s.literalString()
		}
	case '[':
		s.advance()
		for n := 0; ; n++ {
			s.skipSpace(true)
			if s.eof() {
				return
			}
			if s.peek() == ']' {
				s.advance()
				return
			}
			ep := append(append([]any{}, path...), n)
			s.record(ep, s.here())
			s.value(ep)
			s.skipSpace(true)
			if s.peek() == ',' {
				s.advance()
			}
		}
	case '{':
		s.advance()
		for {
			s.skipSpace(true)
			if s.eof() {
				return
			}
			if s.peek() == '}' {
				s.advance()
				return
			}
			s.keyValue(path)
			s.skipSpace(true)
			if s.peek() == ',' {
				s.advance()
			}
		}
	default:
		// A number, boolean or date-time: up to a delimiter.
		for !s.eof() {
			c := s.peek()
			if c == ',' || c == ']' || c == '}' || c == '\n' || c == '#' {
				break
			}
			s.advance()
		}
	}
}

func (s *scanner) basicString() string {
	s.advance() // "
	var b strings.Builder
	for !s.eof() && s.peek() != '"' && s.peek() != '\n' {
		if s.peek() == '\\' {
			b.WriteByte('\\')
			s.advance()
		}
		b.WriteByte(s.peek())
		s.advance()
	}
	s.advance() // "
	if u, err := strconv.Unquote(`"` + b.String() + `"`); err == nil {
		return u
	}
	return b.String()
}

func (s *scanner) literalString() string {
	s.advance() // '
	start := s.i
	for !s.eof() && s.peek() != '\'' && s.peek() != '\n' {
		s.advance()
	}
	out := s.src[start:s.i]
	s.advance()
	return out
}

func (s *scanner) multiline(delim string) {
	for range 3 {
		s.advance()
	}
	for !s.eof() {
		if delim == `"""` && s.peek() == '\\' {
			s.advance()
			s.advance()
			continue
		}
		if strings.HasPrefix(s.src[s.i:], delim) {
			for range 3 {
				s.advance()
			}
			// Up to two more quotes may belong to the content ("""a"""" ends with a quote).
			for k := 0; k < 2 && s.peek() == delim[0]; k++ {
				s.advance()
			}
			return
		}
		s.advance()
	}
}

// pathKey is the old scanner's key for a path: elements joined by NUL, indices as #n.
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
