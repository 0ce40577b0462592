package tui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Width arithmetic is done in terminal cells with x/ansi, on plain text before it is
// styled, so a line is always exactly as wide as its pane.

// graphemes is how the renderer counts cells, and so how every width here is
// measured: by wcwidth (a ZWJ emoji is its parts, 4 cells) unless the terminal said it
// clusters graphemes (mode 2027), as Bubble Tea's renderer decides. Measuring one way
// and drawing another shifts and cuts a pane. Only Update sets it.
var graphemes atomic.Bool

// measure is the width method in force.
func measure() ansi.Method {
	if graphemes.Load() {
		return ansi.GraphemeWidth
	}
	return ansi.WcWidth
}

// cells is the display width of s in terminal cells, escape sequences excluded. Lines
// made only of printable ASCII and the one-cell symbols the screens use are counted
// directly; anything else (escape sequences, wide or combining characters) goes to
// ansi.StringWidth. A frame measures every line a few times, so this is most of what
// View costs.
func cells(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return measure().StringWidth(s)
			}
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !oneCell(r) {
			return measure().StringWidth(s)
		}
		n++
		i += size
	}
	return n
}

// oneCell reports whether r is one of the runes cells counts as one cell without
// asking ansi: Latin letters and the symbols of the screens (a test checks each
// against ansi.StringWidth).
func oneCell(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0x24F: // Latin-1 letters and Latin Extended-A/B
		return true
	case r >= 0x2500 && r <= 0x257F: // box drawing
		return true
	}
	return strings.ContainsRune(oneCellSymbols, r)
}

const oneCellSymbols = "·…•▸◂✓✗↷⚠→←↑↓↻–—“”‘’€£°±×÷§¶©®"

// trunc cuts s to at most w cells, ending in … when it had to cut.
func trunc(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if cells(s) <= w {
		return s
	}
	return measure().Truncate(s, w, "…")
}

// pad fills s with spaces to w cells.
func pad(s string, w int) string {
	if n := w - cells(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// fit makes s exactly w cells wide.
func fit(s string, w int) string { return pad(trunc(s, w), w) }

// expandTabs turns tabs into spaces up to the next multiple of four, so no tab reaches
// the terminal and widths stay right.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			n := 4 - col%4
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// wrap breaks plain text into lines of at most w cells: at spaces where it can, inside
// words longer than a line where it must (never at hyphens: "--severity" stays whole).
// Blank lines are kept.
func wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	s = expandTabs(s)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		line, lineW := "", 0
		for _, word := range strings.Fields(para) {
			ww := cells(word)
			if line != "" && lineW+1+ww <= w {
				line, lineW = line+" "+word, lineW+1+ww
				continue
			}
			if line != "" {
				out = append(out, line)
				line, lineW = "", 0
			}
			for ww > w {
				head := measure().Truncate(word, w, "")
				if head == "" { // a character wider than the line
					head = string([]rune(word)[:1])
				}
				out = append(out, head)
				word = strings.TrimPrefix(word, head)
				ww = cells(word)
			}
			line, lineW = word, ww
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// indentWrap wraps s to w cells with a first-line prefix and the same indent after.
func indentWrap(prefix, s string, w int) []string {
	ind := strings.Repeat(" ", cells(prefix))
	lines := wrap(s, w-cells(prefix))
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = ind + lines[i]
		}
	}
	return lines
}

// window returns the visible part of lines: at most h lines from top, padded to h
// lines of w cells.
func window(lines []string, top, h, w int) []string {
	if h <= 0 {
		return nil
	}
	out := make([]string, 0, h)
	for i := top; i < len(lines) && len(out) < h; i++ {
		if i >= 0 {
			out = append(out, fitStyled(lines[i], w))
		}
	}
	blank := strings.Repeat(" ", w)
	for len(out) < h {
		out = append(out, blank)
	}
	return out
}

// fitStyled is fit for text that may hold styling sequences.
func fitStyled(s string, w int) string {
	if cells(s) > w {
		s = measure().Truncate(s, w, "…")
	}
	return pad(s, w)
}

// clean makes text from outside muster (paths, error strings) safe for one line.
func clean(s string) string { return untrusted.Line(s) }

// errText is an error as one clean line.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return clean(err.Error())
}

// ago says how long ago t was at now: "3m ago", "just now".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	if d < time.Minute {
		return "just now"
	}
	return runbook.FormatDuration(d) + " ago"
}

// clock prints an instant for a status line: 15:04 today, Mon 15:04 within a week,
// else 2 Jan 15:04, in the zone of now.
func clock(t, now time.Time) string {
	t = t.In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case t.Sub(now) < 6*24*time.Hour && now.Sub(t) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	case y1 == y2:
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// plural is "1 step", "3 steps".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// rule is a horizontal line w cells wide.
func rule(w int) string {
	if w <= 0 {
		return ""
	}
	return strings.Repeat("─", w)
}
