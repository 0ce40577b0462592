package tui

import (
	"strings"

	"charm.land/glamour/v2"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// mdCache holds rendered Markdown by text, width and style, so glamour runs once per
// step and width, in Update, and never on a frame. It is shared by copies of the
// model (a pointer); only Update touches it.
type mdCache struct {
	lines     map[mdKey][]string
	renderers map[rendererKey]*glamour.TermRenderer
}

type mdKey struct {
	id    string // step id, or "report:<seq>"
	width int
	style string
}

type rendererKey struct {
	width int
	style string
}

func newMDCache() *mdCache {
	return &mdCache{lines: map[mdKey][]string{}, renderers: map[rendererKey]*glamour.TermRenderer{}}
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

func (c *mdCache) renderNow(text string, width int, style string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	rk := rendererKey{width, style}
	r, ok := c.renderers[rk]
	if !ok {
		var err error
		r, err = glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(width))
		if err != nil {
			return wrap(text, width)
		}
		c.renderers[rk] = r
	}
	out, err := r.Render(unwrapSoftBreaks(text))
	if err != nil {
		return wrap(text, width)
	}
	// The text was cleaned where it entered; cleaning glamour's output again would
	// strip its styling, so only tabs are expanded and the edges trimmed.
	lines := strings.Split(strings.Trim(expandTabs(out), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	if style == "notty" {
		// Plain mode must hold no sequence at all: glamour's notty style still writes a
		// few resets, which carry no meaning here.
		for i := range lines {
			lines[i] = untrusted.Clean(lines[i])
		}
	}
	return lines
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
