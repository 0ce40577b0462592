package tomldoc

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// anyDoc decodes into a struct that takes any key, for the positions of documents
// whose shape the test does not care to declare.
type anyDoc struct{}

func decodeAny(t *testing.T, src string) *Doc {
	t.Helper()
	doc, ps := Decode("p.toml", []byte(src), &anyDoc{})
	for _, p := range ps {
		if strings.HasPrefix(p.Msg, "TOML syntax") || strings.HasPrefix(p.Msg, "cannot decode") {
			t.Fatalf("%v", p)
		}
	}
	return doc
}

func TestPositionsOfEveryPathForm(t *testing.T) {
	src := "title = \"x\" # comment\n" + // 1
		"\"quoted key\" = 1\n" + // 2
		"'literal.key' = 2\n" + // 3
		"a.b.\"c d\" = 3\n" + // 4
		"  indented = [ 1, [2, 3], [], { x = 1, y.z = [ { w = 5 } ] } ]\n" + // 5
		"multi = [\n" + // 6
		"  \"first\", # one\n" + // 7
		"  # between\n" + // 8
		"  'second',\n" + // 9
		"]\n" + // 10
		"inline = { k = { deep = true }, list = [[1], [{ n = 2 }]] }\n" + // 11
		"\n" + // 12
		"[servers.alpha]\n" + // 13
		"ip = \"10.0.0.1\"\n" + // 14
		"[ servers . \"beta gamma\" ]\n" + // 15
		"ip = \"10.0.0.2\"\n" + // 16
		"\n" + // 17
		"[[fruits]]\n" + // 18
		"name = \"apple\"\n" + // 19
		"  [fruits.physical]\n" + // 20
		"  color = \"red\"\n" + // 21
		"  [[fruits.varieties]]\n" + // 22
		"  name = \"red delicious\"\n" + // 23
		"  [[fruits.varieties]]\n" + // 24
		"  name = \"granny smith\"\n" + // 25
		"[[ fruits ]]\n" + // 26
		"name = \"banana\"\n" + // 27
		"  [[fruits.varieties]]\n" + // 28
		"  name = \"plantain\"\n" + // 29
		"[later.sub]\n" + // 30
		"[later]\n" + // 31
		"k = 1\n" + // 32
		"\t\"té\" = \"tab and accent\"\n" + // 33
		"\"ünï\" = { \"cödé\" = 1 }\n" // 34
	doc := decodeAny(t, src)
	for _, tc := range []struct {
		path []any
		want Pos
		has  bool
	}{
		{[]any{"title"}, Pos{1, 1}, true},
		{[]any{"quoted key"}, Pos{2, 1}, true},
		{[]any{"literal.key"}, Pos{3, 1}, true},
		{[]any{"literal", "key"}, Pos{1, 1}, false},
		{[]any{"a"}, Pos{4, 1}, true},
		{[]any{"a", "b"}, Pos{4, 1}, true},
		{[]any{"a", "b", "c d"}, Pos{4, 1}, true},
		{[]any{"indented"}, Pos{5, 3}, true},
		{[]any{"indented", 0}, Pos{5, 16}, true},
		{[]any{"indented", 1}, Pos{5, 19}, true},
		{[]any{"indented", 1, 1}, Pos{5, 23}, true},
		{[]any{"indented", 2}, Pos{5, 27}, true},
		{[]any{"indented", 3}, Pos{5, 31}, true},
		{[]any{"indented", 3, "x"}, Pos{5, 33}, true},
		{[]any{"indented", 3, "y"}, Pos{5, 40}, true},
		{[]any{"indented", 3, "y", "z"}, Pos{5, 40}, true},
		{[]any{"indented", 3, "y", "z", 0}, Pos{5, 48}, true},
		{[]any{"indented", 3, "y", "z", 0, "w"}, Pos{5, 50}, true},
		{[]any{"indented", 4}, Pos{5, 3}, false},
		{[]any{"multi", 0}, Pos{7, 3}, true},
		{[]any{"multi", 1}, Pos{9, 3}, true},
		{[]any{"inline", "k", "deep"}, Pos{11, 18}, true},
		{[]any{"inline", "list", 1, 0, "n"}, Pos{11, 49}, true},
		{[]any{"inline", "list", 1, 0}, Pos{11, 47}, true},
		{[]any{"servers"}, Pos{1, 1}, false}, // only its subtables have headers
		{[]any{"servers", "alpha"}, Pos{13, 1}, true},
		{[]any{"servers", "alpha", "ip"}, Pos{14, 1}, true},
		{[]any{"servers", "beta gamma"}, Pos{15, 1}, true},
		{[]any{"servers", "beta gamma", "ip"}, Pos{16, 1}, true},
		{[]any{"fruits"}, Pos{18, 1}, true},
		{[]any{"fruits", 0}, Pos{18, 1}, true},
		{[]any{"fruits", 0, "physical", "color"}, Pos{21, 3}, true},
		{[]any{"fruits", 0, "varieties"}, Pos{22, 3}, true},
		{[]any{"fruits", 0, "varieties", 1}, Pos{24, 3}, true},
		{[]any{"fruits", 0, "varieties", 1, "name"}, Pos{25, 3}, true},
		{[]any{"fruits", 1}, Pos{26, 1}, true},
		{[]any{"fruits", 1, "varieties"}, Pos{28, 3}, true},
		{[]any{"fruits", 1, "varieties", 0, "name"}, Pos{29, 3}, true},
		{[]any{"fruits", 1, "varieties", 1, "name"}, Pos{28, 3}, false}, // nearest written ancestor
		{[]any{"fruits", 2}, Pos{18, 1}, false},
		{[]any{"later", "sub"}, Pos{30, 1}, true},
		{[]any{"later"}, Pos{31, 1}, true},
		{[]any{"later", "k"}, Pos{32, 1}, true},
		{[]any{"later", "té"}, Pos{33, 2}, true},
		{[]any{"later", "ünï", "cödé"}, Pos{34, 11}, true},
		{[]any{"missing", "deeper"}, Pos{1, 1}, false},
		{[]any{}, Pos{1, 1}, false},
		{[]any{"title", 3.5}, Pos{1, 1}, false},
	} {
		if got := doc.At(tc.path...); got != tc.want {
			t.Errorf("At(%v) = %v, want %v", tc.path, got, tc.want)
		}
		if got := doc.Has(tc.path...); got != tc.has {
			t.Errorf("Has(%v) = %v, want %v", tc.path, got, tc.has)
		}
	}
	if d := comparePositions(src); d != "" {
		t.Errorf("the old scanner disagrees: %s", d)
	}
}

// The old scanner read quoted keys with Go's escapes, \u00e9 not at all. The parse has
// TOML's: these keys are "café" and "a\x1bb".
func TestPositionsOfEscapedKeys(t *testing.T) {
	doc := decodeAny(t, "x = 1\n\"caf\\u00e9\" = 1\n\"a\\u001bb\" = 2\n")
	if got := doc.At("café"); got != (Pos{2, 1}) {
		t.Errorf("At(café) = %v", got)
	}
	if got := doc.At("a\x1bb"); got != (Pos{3, 1}) {
		t.Errorf("At(a ESC b) = %v", got)
	}
}

func TestPositionsAfterCRLFAndByteOrderMark(t *testing.T) {
	doc := decodeAny(t, "\xef\xbb\xbfa = 1\r\n[t]\r\n  b = 2\r\n")
	for path, want := range map[string]Pos{"a": {1, 1}, "t": {2, 1}, "t.b": {3, 3}} {
		if got := doc.At(toPath(path)...); got != want {
			t.Errorf("At(%s) = %v, want %v", path, got, want)
		}
	}
}

func toPath(dotted string) []any {
	var out []any
	for _, p := range strings.Split(dotted, ".") {
		out = append(out, p)
	}
	return out
}

// A syntax error is one problem, where the author must look, and says what is wrong.
func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{"a = 1\nb = \"open\nc = 2\n", 2, 10, "strings cannot contain newlines"},
		{"a = 1\n[defaults\nrpo = 1\n", 2, 10, "expected ']' to close table name"},
		{"a = 1\nb = 2\na = 3\n", 3, 1, "a is defined twice: first as an integer at line 1, col 1"},
		{"[t]\n[u]\n[t]\n", 3, 2, "table [t] is defined twice: first by its header at line 1, col 1"},
		{"a = {b = 1}\na = {c = 2}\n", 2, 1, "a is defined twice: first as an inline table at line 1, col 1"},
		{"x = [1]\n[[x]]\n", 2, 3, "cannot add a table to x with [[x]]: x is already defined as an array at line 1, col 1; an array is complete where it is written"},
		{"x = 1\n[x.y]\n", 2, 2, "cannot define [x.y]: x is already defined as an integer at line 1, col 1"},
		{"s = \"\\q\"\n", 1, 6, "invalid escape character 'q'"},
		{"n = 9223372036854775808\n", 1, 5, "9223372036854775808 is out of range for int64"},
		{"n = 1e999\n", 1, 5, "1e999 is out of range for float64"},
		{"d = 2026-02-30\n", 1, 5, `invalid datetime: "2026-02-30": day out of range`},
		{"d = 2026-12-25 25:00:00\n", 1, 5, `invalid datetime: "2026-12-25 25:00:00": hour out of range`},
		{"d = 2026-7-05\n", 1, 5, `invalid datetime: "2026-7-05"; write a date-time like 1979-05-27T07:32:00Z or 1979-05-27T07:32:00-07:00, a local date-time like 1979-05-27T07:32:00, a date like 1979-05-27, or a time like 07:32:00, every number with all its digits`},
		{"n = 0123\n", 1, 5, "integers cannot have leading zeroes"},
		{"t = 15m\n", 1, 7, "strings must be quoted"},
		{"t = fifteen\n", 1, 5, `fifteen is not a value (a string must be in quotes: "fifteen")`},
		{"t = nope\n", 1, 5, `nope is not a value (a string must be in quotes: "nope")`},
		{"t = .5\n", 1, 5, "expected a value (a quoted string, number, true or false, date, array or inline table), got '.'"},
		{"a = 1 b = 2\n", 1, 7, "expected the end of the line, got 'b'"},
		{"a = [1, 2\nb = 3\n", 2, 1, "expected ',' or ']' after array value"},
		{"a = \"x\" # é\nb = \"é\" c\n", 2, 9, "expected the end of the line, got 'c'"}, // columns count characters
		{"a = 1\rb = 2\n", 1, 6, "a carriage return must be followed by a newline"},
		{"a = \"unterminated", 1, 17, `unexpected end of file; expected '"'`},
		// BurntSushi took this for an escaped quote and five quotes (knownDifference).
		{`a = """\\""""""` + "\n", 1, 10, "too many quotes at the end of a multiline basic string"},
		{"k\x00 = 1", 1, 2, "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8"},
		{"a = [" + strings.Repeat("[", 10001) + "\n", 1, 10005, "arrays and inline tables are nested more than the maximum of 10000 levels deep"},
	} {
		_, ps := Decode("s.toml", []byte(tc.src), &anyDoc{})
		if len(ps) != 1 {
			t.Errorf("%q: %d problems: %v", tc.src, len(ps), ps)
			continue
		}
		want := Problem{File: "s.toml", Line: tc.line, Col: tc.col, Msg: "TOML syntax: " + tc.msg}
		if ps[0] != want {
			t.Errorf("%q:\n got %v\nwant %v", tc.src, ps[0], want)
		}
	}
}

// The values handed to the struct decoder keep the Go types BurntSushi gave: local
// dates, date-times and times are time.Time in zones named after their kind.
func TestValueTypes(t *testing.T) {
	raw, _, err := parse(`s = "x"
i = -42
f = 1.5
b = true
odt = 1979-05-27T07:32:00Z
off = 1979-05-27T07:32:00-07:00
ldt = 1979-05-27T07:32:00
ld = 2026-12-25
lt = 07:32:00.5
inf = -inf
nan = nan
arr = [1, "two"]
tbl = { k = 1 }
[[aot]]
[[aot]]
`)
	if err != nil {
		t.Fatal(err.msg)
	}
	for key, want := range map[string]string{
		"s": "string", "i": "int64", "f": "float64", "b": "bool", "odt": "time.Time", "ld": "time.Time",
		"arr": "[]interface {}", "tbl": "map[string]interface {}", "aot": "[]map[string]interface {}",
	} {
		if got := typeName(raw[key]); got != want {
			t.Errorf("%s is %s, want %s", key, got, want)
		}
	}
	for key, zone := range map[string]string{"ldt": "datetime-local", "ld": "date-local", "lt": "time-local", "odt": "UTC"} {
		if got := raw[key].(time.Time).Location().String(); got != zone {
			t.Errorf("%s is in zone %s, want %s", key, got, zone)
		}
	}
	if d := raw["ld"].(time.Time); d.Year() != 2026 || d.Month() != 12 || d.Day() != 25 || d.Hour() != 0 {
		t.Errorf("ld = %v", d)
	}
	if lt := raw["lt"].(time.Time); lt.Year() != 0 || lt.Hour() != 7 || lt.Nanosecond() != 5e8 {
		t.Errorf("lt = %v", lt)
	}
	if _, o := raw["off"].(time.Time).Zone(); o != -7*3600 {
		t.Errorf("off has offset %d", o)
	}
	if !math.IsInf(raw["inf"].(float64), -1) || !math.IsNaN(raw["nan"].(float64)) {
		t.Errorf("inf %v nan %v", raw["inf"], raw["nan"])
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
