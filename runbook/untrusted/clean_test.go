package untrusted

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text is kept", "Rotate the keys\n\tnow", "Rotate the keys\n\tnow"},
		{"OSC 52 clipboard write ended by BEL is removed", "a\x1b]52;c;ZWNobyBwd25lZA==\x07b", "ab"},
		{"OSC title ended by ST is removed", "a\x1b]0;owned\x1b\\b", "ab"},
		{"CSI colour and cursor moves are removed", "\x1b[31mred\x1b[0m\x1b[2J\x1b[H", "red"},
		{"C1 CSI is removed", "a\u009b31mb", "ab"},
		{"C1 OSC is removed up to C1 ST", "a\u009d0;x\u009cb", "ab"},
		{"DCS is removed", "a\x1bPq#0\x1b\\b", "ab"},
		{"two-byte ESC sequence is removed", "a\x1bcb\x1b(Bc", "abc"},
		{"backspace NUL BEL DEL are dropped", "a\x08\x00\x07\x7fb", "ab"},
		{"CRLF becomes LF", "one\r\ntwo\rthree", "one\ntwo\nthree"},
		{"bidi override is dropped", "file\u202egnp.exe", "filegnp.exe"},
		{"bidi isolates are dropped", "\u2066x\u2069", "x"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "a\uFFFDb"},
		{"raw 0x9b byte is not a CSI introducer", "a\x9b31mb", "a\uFFFD31mb"},
		{"unterminated OSC runs to the end", "ok\x1b]52;c;AAAA", "ok"},
		{"lone ESC at the end", "ok\x1b", "ok"},
		{"unicode text is kept", "Überprüfung – ✓ 数据", "Überprüfung – ✓ 数据"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	if got := Line("a\nb\tc\x1b[1m"); got != "a b c" {
		t.Errorf("Line = %q", got)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]52;c;AAAA\x07", "\x1b[31m", "\u009b1m", "\u202e", "a\r\nb", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range got {
			if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("control %U left in %q from %q", r, got, s)
			}
		}
		if strings.ContainsRune(got, 0x1b) {
			t.Fatal("ESC left")
		}
		if again := Clean(got); again != got {
			t.Fatalf("not idempotent: %q -> %q", got, again)
		}
	})
}

func TestFieldsAndBlocks(t *testing.T) {
	if got := Field("  Rotate\tkeys \x1b[1m "); got != "Rotate keys" {
		t.Errorf("Field = %q", got)
	}
	if got := Block("\n  \nFirst line\n\n- item\x07\n\n  "); got != "First line\n\n- item" {
		t.Errorf("Block = %q", got)
	}
	if Fields(nil) != nil || Blocks(nil) != nil {
		t.Error("nil lists must stay nil")
	}
	if got := Fields([]string{" a ", "b\nc"}); len(got) != 2 || got[0] != "a" || got[1] != "b c" {
		t.Errorf("Fields = %q", got)
	}
}
