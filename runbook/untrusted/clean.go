// Package untrusted cleans text that came from outside muster (runbook bodies, notes,
// file names, scenario injects, AWS tags and error strings) before it can reach a
// terminal. It is a leaf: it imports nothing but the standard library, so every
// package that lets text in can clean it where it enters.
package untrusted

import (
	"strings"
	"unicode/utf8"
)

// Clean removes terminal escape sequences (CSI, OSC, DCS, SOS, PM, APC, and two-byte
// ESC sequences, in their 7-bit and C1 forms), then every C0 control except tab and
// newline, DEL, every C1 control (U+0080 to U+009F) and the bidi embedding, override
// and isolate characters (U+202A to U+202E, U+2066 to U+2069). CR LF becomes LF and a
// lone CR becomes LF, so Windows-edited files keep their lines. Invalid UTF-8 becomes
// U+FFFD. Clean never panics and is idempotent.
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i++
			continue
		case r == 0x1b: // ESC
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			i++
			continue
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			// dropped
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			// dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Line cleans s and folds it onto one line: newlines and tabs become spaces. For
// titles, names and table cells.
func Line(s string) string {
	s = Clean(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\t' {
				return ' '
			}
			return r
		}, s)
	}
	return s
}

// isPlain reports whether s is printable ASCII plus tab and newline, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x7f || (c < 0x20 && c != '\t' && c != '\n') {
			return false
		}
	}
	return true
}

// skipEscape returns the index just past the escape sequence whose ESC byte ended
// at i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// ESC followed by intermediates (0x20-0x2F) and one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips parameter and intermediate bytes and the final byte of a CSI sequence.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		i++
		if c >= 0x40 && c <= 0x7e {
			return i
		}
		if c < 0x20 || c >= 0x7f {
			// Not part of a well-formed CSI: stop here and let the caller judge it.
			return i - 1
		}
	}
	return i
}

// skipString skips the body of an OSC, DCS, SOS, PM or APC string up to and including
// its terminator: BEL, ESC \ or C1 ST (U+009C). An unterminated string runs to the end.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2
		}
		i++
	}
	return i
}
