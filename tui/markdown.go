package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Markdown (step bodies, injects, the report preview) is rendered by muster itself, a
// block at a time, to the pane's width: headings, paragraphs, lists, quotes, fenced
// code, tables and rules, with the inline markers (**, *, _, `, links) turned into
// plain text. A full Markdown engine with a syntax highlighter cost every muster
// command ~40 ms of package initialisation (the highlighter registers hundreds of
// lexers at start-up) for bodies that use none of it.

// mdCache holds rendered Markdown by text, width and style, so a body is rendered once
// per step and width, in Update, and never on a frame. It is shared by copies of the
// model (a pointer); only Update touches it.
type mdCache struct {
	lines map[mdKey][]string
}

type mdKey struct {
	id    string // step id, or "report:<seq>"
	width int
	style string
}

func newMDCache() *mdCache {
	return &mdCache{lines: map[mdKey][]string{}}
}

// maxCachedBodies bounds the cache: a responder scrolling a 2,000-step runbook at
// several widths must not grow memory without end.
const maxCachedBodies = 512

// render returns the Markdown text as lines of at most width cells, from the cache when
// it has them.
func (c *mdCache) render(id, text string, width int, style string) []string {
	k := mdKey{id, width, style}
	if l, ok := c.lines[k]; ok {
		return l
	}
	if len(c.lines) >= maxCachedBodies {
		clear(c.lines)
	}
	l := c.renderNow(text, width, style)
	c.lines[k] = l
	return l
}

// renderNow renders text (cleaned where it entered) as lines of at most width cells;
// style "notty" is plain text, "dark" and "light" set headings in bold.
func (c *mdCache) renderNow(text string, width int, style string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	// A two-cell margin, as the other sections of a step have.
	lines := renderMarkdown(text, max(width-2, 8), style != "notty")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return lines
}

var mdBold = lipgloss.NewStyle().Bold(true)

func renderMarkdown(md string, w int, styled bool) []string {
	heading := func(s string) string {
		if styled {
			return mdBold.Render(s)
		}
		return s
	}
	var out []string
	blank := func() {
		if len(out) > 0 && out[len(out)-1] != "" {
			out = append(out, "")
		}
	}
	lines := strings.Split(expandTabs(unwrapSoftBreaks(md)), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"), strings.HasPrefix(t, "~~~"):
			fence := t[:3]
			blank()
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
				out = append(out, trunc("    "+strings.TrimRight(lines[i], " "), w))
			}
			blank()
		case t == "":
			blank()
		case strings.HasPrefix(t, "#"):
			blank()
			for _, hl := range wrap(inlineText(strings.TrimLeft(strings.TrimLeft(t, "#"), " ")), w) {
				out = append(out, heading(hl))
			}
			blank()
		case isRule(t):
			blank()
			out = append(out, rule(min(w, 40)))
			blank()
		case strings.HasPrefix(t, "|"):
			var rows []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, strings.TrimSpace(lines[i]))
			}
			i--
			out = append(out, table(rows, w)...)
		case strings.HasPrefix(t, ">"):
			out = append(out, indentWrap("│ ", inlineText(strings.TrimLeft(strings.TrimPrefix(t, ">"), " ")), w)...)
		default:
			indent := strings.Repeat(" ", min((len(l)-len(strings.TrimLeft(l, " ")))/2*2, 8))
			if marker, rest, ok := listItem(t); ok {
				out = append(out, indentWrap(indent+marker, inlineText(rest), w)...)
				continue
			}
			out = append(out, wrap(inlineText(t), w)...)
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// listItem splits a list item's marker from its text: "• " for a bullet, "3. " kept.
func listItem(t string) (marker, rest string, ok bool) {
	for _, b := range []string{"- ", "* ", "+ "} {
		if strings.HasPrefix(t, b) {
			rest = t[2:]
			switch {
			case strings.HasPrefix(rest, "[ ] "):
				return "☐ ", rest[4:], true
			case strings.HasPrefix(rest, "[x] "), strings.HasPrefix(rest, "[X] "):
				return "☑ ", rest[4:], true
			}
			return "• ", rest, true
		}
	}
	n := 0
	for n < len(t) && n < 9 && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	if n > 0 && n+1 < len(t) && (t[n] == '.' || t[n] == ')') && t[n+1] == ' ' {
		return t[:n] + ". ", t[n+2:], true
	}
	return "", "", false
}

// inlineText turns inline Markdown into plain text: emphasis and code markers go,
// a link reads "text (url)", an escaped character stays itself.
func inlineText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_[](){}#+-.!|>", s[i+1]) >= 0:
			i++
			b.WriteByte(s[i])
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '*' || c == '_' && (i == 0 || !isWordByte(s[i-1]) || i+1 < len(s) && !isWordByte(s[i+1])):
			// emphasis markers; an underscore inside a word (snake_case) stays
			if c == '_' && i > 0 && i+1 < len(s) && isWordByte(s[i-1]) && isWordByte(s[i+1]) {
				b.WriteByte(c)
			}
		case c == '[':
			close := strings.Index(s[i:], "](")
			end := -1
			if close > 0 {
				end = strings.IndexByte(s[i+close:], ')')
			}
			if close <= 0 || end < 0 {
				b.WriteByte(c)
				continue
			}
			text, url := s[i+1:i+close], s[i+close+2:i+close+end]
			b.WriteString(inlineText(text))
			if url != "" && url != text {
				b.WriteString(" (" + url + ")")
			}
			i += close + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// table lays out Markdown table rows in aligned columns (the separator row becomes a
// rule), each line cut to w.
func table(rows []string, w int) []string {
	var cells2 [][]string
	var widths []int
	sepRow := -1
	for ri, r := range rows {
		r = strings.TrimSuffix(strings.TrimPrefix(r, "|"), "|")
		parts := strings.Split(r, "|")
		isSep := true
		for j := range parts {
			parts[j] = inlineText(strings.TrimSpace(parts[j]))
			if strings.Trim(parts[j], "-: ") != "" {
				isSep = false
			}
		}
		if isSep && sepRow < 0 {
			sepRow = ri
			cells2 = append(cells2, nil)
			continue
		}
		for j, p := range parts {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], cells(p))
		}
		cells2 = append(cells2, parts)
	}
	var out []string
	for _, row := range cells2 {
		if row == nil {
			total := 0
			for _, cw := range widths {
				total += cw + 2
			}
			out = append(out, rule(min(total, w)))
			continue
		}
		var b strings.Builder
		for j, p := range row {
			if j > 0 {
				b.WriteString("  ")
			}
			if j < len(row)-1 {
				b.WriteString(pad(p, widths[j]))
			} else {
				b.WriteString(p)
			}
		}
		out = append(out, trunc(b.String(), w))
	}
	return out
}

// unwrapSoftBreaks joins the lines of a paragraph or list item that the source broke
// only to keep the file narrow (a soft break), so the renderer wraps the text to the
// pane instead of keeping a break in mid-sentence. Fenced code, headings, tables,
// quotes, new list items and hard breaks (two trailing spaces, a backslash) stay as
// they are.
func unwrapSoftBreaks(md string) string {
	lines := strings.Split(md, "\n")
	out := make([]string, 0, len(lines))
	fence := ""
	joinable := false // the last line out is paragraph or list-item text
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if fence != "" {
			out = append(out, l)
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		switch {
		case strings.HasPrefix(t, "```"), strings.HasPrefix(t, "~~~"):
			fence = t[:3]
			out = append(out, l)
			joinable = false
			continue
		case t == "":
			out = append(out, l)
			joinable = false
			continue
		}
		if joinable && !startsBlock(t) && !strings.HasPrefix(l, "\t") {
			out[len(out)-1] = strings.TrimRight(out[len(out)-1], " ") + " " + t
		} else {
			out = append(out, l)
		}
		prev := out[len(out)-1]
		joinable = !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "|") && !strings.HasPrefix(t, ">") &&
			!strings.HasSuffix(prev, "  ") && !strings.HasSuffix(prev, `\`) && !isRule(t)
	}
	return strings.Join(out, "\n")
}

// startsBlock reports whether a trimmed line opens a block of its own: a list item, a
// heading, a quote, a table row, a rule.
func startsBlock(t string) bool {
	switch {
	case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "),
		strings.HasPrefix(t, "#"), strings.HasPrefix(t, ">"), strings.HasPrefix(t, "|"), isRule(t):
		return true
	}
	i := 0
	for i < len(t) && i < 9 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(t) && (t[i] == '.' || t[i] == ')') && t[i+1] == ' '
}

func isRule(t string) bool {
	if len(t) < 3 {
		return false
	}
	c := t[0]
	if c != '-' && c != '*' && c != '_' && c != '=' {
		return false
	}
	return strings.Trim(t, string(c)+" ") == ""
}
