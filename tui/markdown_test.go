package tui

import (
	"strings"
	"testing"
)

// Bug 7 of issue 12: a list item broken over source lines kept the breaks, so the
// confirm-outage body wrapped mid-line.
func TestListItemsWrapToThePane(t *testing.T) {
	d, _ := fixture(t)
	rb, _ := d.Library.Get("service-outage")
	st, _ := rb.Step("confirm-outage")
	for _, style := range []string{"notty", "dark"} {
		lines := newMDCache().renderNow(st.Body, 60, style)
		text := clean(strings.Join(lines, "\n"))
		if !strings.Contains(text, "counts against availability (policy 1B), so") {
			t.Errorf("%s: the list item keeps its source break:\n%s", style, text)
		}
	}
}

func TestUnwrapSoftBreaks(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"a list item's continuation joins it", "- one\n  two\n- three", "- one two\n- three"},
		{"a paragraph joins", "a\nb\n\nc", "a b\n\nc"},
		{"fenced code stays", "```\na\nb\n```\nx\ny", "```\na\nb\n```\nx y"},
		{"a hard break stays", "a  \nb\\\nc", "a  \nb\\\nc"},
		{"headings, tables and quotes stay", "# h\ntext\n| a |\n| b |\n> q\n> r", "# h\ntext\n| a |\n| b |\n> q\n> r"},
		{"numbered items stay apart", "1. a\n2. b\n   c", "1. a\n2. b c"},
		{"a rule stays", "text\n---\nmore", "text\n---\nmore"},
	} {
		if got := unwrapSoftBreaks(c.in); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Unwrapping only ever replaces line breaks by spaces: no text is lost or moved.
func FuzzUnwrapSoftBreaks(f *testing.F) {
	for _, s := range []string{"- a\n  b", "```\nx\n```", "# h\np\nq", "1. a\n2) b\n c", "a  \nb", "| x |\n| y |", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := unwrapSoftBreaks(s)
		if strings.Join(strings.Fields(got), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("unwrapSoftBreaks(%q) = %q changed the text", s, got)
		}
	})
}
