package tui

import (
	"strings"
	"testing"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// Bug 7 of issue 12: a list item broken over source lines kept the breaks, so the
// confirm-outage body wrapped mid-line.
func TestListItemsWrapToThePane(t *testing.T) {
	d, _ := fixture(t)
	rb, _ := d.Library.Get("service-outage")
	st, _ := rb.Step("confirm-outage")
	for _, style := range []string{"notty", "dark"} {
		lines := newMDCache().renderNow(st.Body, 200, style)
		text := strings.Join(lines, "\n")
		if !strings.Contains(text, "it counts against availability, so take it from metrics, not from when the page fired") {
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

func TestRenderMarkdown(t *testing.T) {
	md := "# Restore\n\nRun **this** with `--force`, see [the wiki](https://wiki/x).\n\n- one\n  - nested\n1. first\n\n> quoted\n\n```sh\nrds restore --db x\n```\n\n| a | bb |\n|---|---|\n| 1 | 2 |\n\n---\nsnake_case stays"
	got := strings.Join(renderMarkdown(md, 60, false), "\n")
	want := `Restore

Run this with --force, see the wiki (https://wiki/x).

• one
  • nested
1. first

│ quoted

    rds restore --db x

a  bb
───────
1  2

────────────────────────────────────────

snake_case stays`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range renderMarkdown(strings.Repeat("word ", 50), 20, true) {
		if cells(l) > 20 {
			t.Errorf("%q is wider than 20", l)
		}
	}
}

// Rendering never panics and never makes a line wider than the pane (a code line
// or a table row is cut).
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"# h", "- a\n  b", "```\nx\n```", "| a |\n|--|", "[x](y", "`open", "\\*", "> q", "1) a"} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w = w%100 + 8
		if w < 8 {
			w += 100
		}
		for _, l := range renderMarkdown(untrusted.Clean(s), w, false) {
			if cells(l) > w && len([]rune(l)) > 1 {
				t.Fatalf("renderMarkdown(%q, %d): %q is %d cells", s, w, l, cells(l))
			}
		}
	})
}
