package tui

import (
	"slices"
	"strings"
	"testing"
)

// cells' fast path agrees with ansi.StringWidth on every rune it counts itself, and
// on lines that need the slow path.
func TestCellsAgreesWithAnsi(t *testing.T) {
	var runes []rune
	for r := rune(0x20); r < 0x7f; r++ {
		runes = append(runes, r)
	}
	for r := rune(0xC0); r <= 0x24F; r++ {
		runes = append(runes, r)
	}
	for r := rune(0x2500); r <= 0x257F; r++ {
		runes = append(runes, r)
	}
	runes = append(runes, []rune(oneCellSymbols)...)
	for _, r := range runes {
		if got, want := cells(string(r)), measure().StringWidth(string(r)); got != want {
			t.Errorf("%q (%U): cells %d, ansi %d", r, r, got, want)
		}
	}
	for _, s := range []string{
		"plain ascii", "▸ ✓ Open the incident — done", "\x1b[1mbold\x1b[0m text", "日本語", "e\u0301",
		"👍 ok", "tab\there", "⚠ overdue · 5m", "",
	} {
		if got, want := cells(s), measure().StringWidth(s); got != want {
			t.Errorf("%q: cells %d, ansi %d", s, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want []string
	}{
		{"muster incident start --runbook service-outage --severity critical", 30,
			[]string{"muster incident start", "--runbook service-outage", "--severity critical"}},
		{"a verylongwordthatdoesnotfit here", 10, []string{"a", "verylongwo", "rdthatdoes", "notfit", "here"}},
		{"one\n\ntwo", 10, []string{"one", "", "two"}},
		{"\ttabbed", 20, []string{"tabbed"}},
		{"日本語のテキスト", 5, []string{"日本", "語の", "テキ", "スト"}},
	} {
		if got := wrap(c.in, c.w); !slices.Equal(got, c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		for _, l := range wrap(c.in, c.w) {
			if cells(l) > c.w {
				t.Errorf("wrap(%q, %d): %q is wider", c.in, c.w, l)
			}
		}
	}
	if got := fit("▸ ✓ "+strings.Repeat("x", 50), 20); cells(got) != 20 || !strings.HasSuffix(got, "…") {
		t.Errorf("fit: %q", got)
	}
}

// cells agrees with ansi.StringWidth on any text; wrap never makes a line wider than
// asked and keeps every word's characters in order.
func FuzzCellsAndWrap(f *testing.F) {
	for _, s := range []string{"", "plain", "▸ ✓ done — ok", "\x1b[31mred\x1b[0m", "日本語 テキスト", "e\u0301 👍",
		"tab\tand\nnewline", "verylongwordwithoutanyspaceatall", "--severity critical", "\u202Ebidi"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		if got, want := cells(s), measure().StringWidth(s); got != want {
			t.Fatalf("cells(%q) = %d, ansi %d", s, got, want)
		}
		w = w%80 + 2
		if w < 2 {
			w += 80
		}
		s = clean(s) // wrap takes cleaned text
		var joined strings.Builder
		for _, l := range wrap(s, w) {
			if cells(l) > w && len([]rune(l)) > 1 {
				t.Fatalf("wrap(%q, %d): %q is %d cells", s, w, l, cells(l))
			}
			joined.WriteString(l)
		}
		if got, want := strings.Join(strings.Fields(joined.String()), ""), strings.Join(strings.Fields(expandTabs(s)), ""); got != want {
			t.Fatalf("wrap(%q, %d) lost text: %q vs %q", s, w, got, want)
		}
	})
}
