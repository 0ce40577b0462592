package tomldoc

import (
	"reflect"
	"testing"
)

// Files BurntSushi/toml (and tomldoc before it) accepted while losing or replacing a
// value without a word (issue #18), and the other redefinitions TOML 1.0 forbids. Each
// is refused at the second definition, naming the key and where it was first defined,
// whatever the file is decoded into.
var redefinitions = []struct {
	name, src string
	line, col int
	msg       string
}{
	{"a value set on a table of dotted keys was dropped", "a.b.c = 1\na.b = 2\n", 2, 1,
		"a.b is defined twice: first as a table, by the dotted key at line 1, col 1"},
	{"a value set on the first part of a dotted key was dropped", "a.b = 1\na = 2\n", 2, 1,
		"a is defined twice: first as a table, by the dotted key at line 1, col 1"},
	{"a value after a dotted key under a header was dropped", "[t]\nx.y = 1\nx = true\n", 3, 1,
		"t.x is defined twice: first as a table, by the dotted key at line 2, col 1"},
	{"a value after a dotted key inside an inline table was dropped", "x = {a.b = 1, a = 2}\n", 1, 15,
		"x.a is defined twice: first as a table, by the dotted key at line 1, col 6"},
	{"an array replaced a table of dotted keys", "a.b.c = 1\na.b = [1]\n", 2, 1,
		"a.b is defined twice: first as a table, by the dotted key at line 1, col 1"},
	{"a header reopens a table of dotted keys", "[fruit]\napple.color = \"red\"\n\n[fruit.apple]\n", 4, 2,
		"table [fruit.apple] is defined twice: first as a table, by the dotted key at line 2, col 1"},
	{"a header reopens a deeper table of dotted keys", "[t1]\nt2.t3.v = 0\n[t1.t2.t3]\n", 3, 2,
		"table [t1.t2.t3] is defined twice: first as a table, by the dotted key at line 2, col 1"},
	{"a root table of dotted keys gets a header", "a.b = 1\n[a]\n", 2, 2,
		"table [a] is defined twice: first as a table, by the dotted key at line 1, col 1"},
	{"dotted keys add to a table defined by its header", "[a.b.c]\nz = 9\n\n[a]\nb.c.t = \"x\"\n", 5, 1,
		"cannot set a.b.c.t with a dotted key: table [a.b.c] is defined by its header at line 1, col 1; set the key under that header"},
	{"dotted keys add to an array of tables", "[[a.b]]\n\n[a]\nb.y = 2\n", 4, 1,
		"cannot set a.b.y with a dotted key: a.b is an array of tables ([[a.b]] at line 1, col 1)"},
	{"dotted keys add to an inline table", "[product]\ntype = { name = \"Nail\" }\ntype.edible = false\n", 3, 1,
		"cannot set product.type.edible: product.type is already defined as an inline table at line 2, col 1; an inline table is complete where it is written"},
	{"a header adds to an inline table", "a = {}\n[a.b]\n", 2, 2,
		"cannot define [a.b]: a is already defined as an inline table at line 1, col 1; an inline table is complete where it is written"},
	{"an inline table extends an inner inline table", "tab = { inner = { dog = \"best\" }, inner.cat = \"worst\" }\n", 1, 35,
		"cannot set tab.inner.cat: tab.inner is already defined as an inline table at line 1, col 9; an inline table is complete where it is written"},
	{"[[ ]] adds to an array value", "a = [{b = 1}]\n[[a]]\n", 2, 3,
		"cannot add a table to a with [[a]]: a is already defined as an array at line 1, col 1; an array is complete where it is written"},
	{"a header for an array of tables", "[[a]]\n[a]\n", 2, 2,
		"a is an array of tables ([[a]] at line 1, col 1): add a table to it with [[a]]"},
	{"[[ ]] for a table", "[a]\n[[a]]\n", 2, 3,
		"cannot use [[a]]: a is already defined by its header at line 1, col 1, not as an array of tables"},
	{"a value for a table that a deeper header created", "[x.a.b]\n[x]\na = 1\n", 3, 1,
		"x.a is defined twice: first as a table (the header at line 1, col 1 goes through it)"},
	{"a table defined twice in one table of an array", "[[a]]\n[a.b]\n[[a]]\n[a.b]\n[a.b]\n", 5, 2,
		"table [a.b] is defined twice: first by its header at line 4, col 1"},
	{"a header through a value", "x = 1\n[x.y]\n", 2, 2,
		"cannot define [x.y]: x is already defined as an integer at line 1, col 1"},
	{"a key defined twice", "a = 1\nb = 2\na = 3\n", 3, 1,
		"a is defined twice: first as an integer at line 1, col 1"},
	{"a key defined twice with different quoting", "'a b' = 1\n\"a b\" = 2\n", 2, 1,
		`"a b" is defined twice: first as an integer at line 1, col 1`},
}

// The targets a file may be decoded into: nothing may slip through because the
// target does not look at the key.
type (
	targetNothing struct{}
	targetAny     struct {
		A any `toml:"a"`
	}
	targetMap struct {
		A map[string]any `toml:"a"`
		X map[string]any `toml:"x"`
	}
	targetStruct struct {
		A struct {
			B int `toml:"b"`
		} `toml:"a"`
	}
)

func TestRedefinitionsAreRefused(t *testing.T) {
	for _, tc := range redefinitions {
		t.Run(tc.name, func(t *testing.T) {
			want := Problem{File: "r.toml", Line: tc.line, Col: tc.col, Msg: "TOML syntax: " + tc.msg}
			for _, target := range []any{&targetNothing{}, &targetAny{}, &targetMap{}, &targetStruct{}} {
				_, ps := Decode("r.toml", []byte(tc.src), target)
				if len(ps) != 1 || ps[0] != want {
					t.Fatalf("into %T:\n got %v\nwant %v", target, ps, want)
				}
			}
			if _, ps := DecodeTree("r.toml", []byte(tc.src)); len(ps) != 1 || ps[0] != want {
				t.Fatalf("DecodeTree:\n got %v\nwant %v", ps, want)
			}
		})
	}
}

// TOML 1.1 syntax and an offset out of range are refused with what to write instead.
func TestTOML11AndBadOffsetsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{"a = \"\\x33\"\n", 1, 6, `\x33 is a TOML 1.1 escape; muster reads TOML 1.0: write \u0033`},
		{"a = \"\"\"x\n\\e[0m\"\"\"\n", 2, 1, `\e is a TOML 1.1 escape; muster reads TOML 1.0: write \u001B`},
		{"\"k\\x41\" = 1\n", 1, 3, `\x41 is a TOML 1.1 escape; muster reads TOML 1.0: write \u0041`},
		{"t = 07:32\n", 1, 5, "a time without seconds (07:32) is TOML 1.1; muster reads TOML 1.0: write 07:32:00"},
		{"t = 1979-05-27T07:32Z\n", 1, 5, "a time without seconds (07:32) is TOML 1.1; muster reads TOML 1.0: write 07:32:00"},
		{"t = 1979-05-27 07:32\n", 1, 5, "a time without seconds (07:32) is TOML 1.1; muster reads TOML 1.0: write 07:32:00"},
		{"a = {b = 1,}\n", 1, 11, "a comma after the last key of an inline table is TOML 1.1; muster reads TOML 1.0: remove it"},
		{"a = {\n  b = 1 }\n", 1, 6, "an inline table must be on one line in TOML 1.0, which muster reads; use a [table] header for a longer table"},
		{"a = {b = 1, # c\n  c = 2}\n", 1, 13, "an inline table must be on one line in TOML 1.0, which muster reads; use a [table] header for a longer table"},
		{"a = {b = 1\n}\n", 1, 11, "an inline table must be on one line in TOML 1.0, which muster reads; use a [table] header for a longer table"},
		{"t = 1979-05-27T07:32:00+12:60\n", 1, 5, `invalid time zone offset +12:60 in "1979-05-27T07:32:00+12:60": hours go up to 23 and minutes up to 59`},
		{"t = 1979-05-27T07:32:00-24:00\n", 1, 5, `invalid time zone offset -24:00 in "1979-05-27T07:32:00-24:00": hours go up to 23 and minutes up to 59`},
	} {
		_, ps := Decode("v.toml", []byte(tc.src), &anyDoc{})
		want := Problem{File: "v.toml", Line: tc.line, Col: tc.col, Msg: "TOML syntax: " + tc.msg}
		if len(ps) != 1 || ps[0] != want {
			t.Errorf("%q:\n got %v\nwant %v", tc.src, ps, want)
		}
	}
}

// What TOML 1.0 allows next to the refused forms still loads, to the right values.
func TestTablesTOMLAllows(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want map[string]any
	}{
		{"a.b.c = 1\na.b.d = 2\na.e = 3\n",
			map[string]any{"a": map[string]any{"b": map[string]any{"c": int64(1), "d": int64(2)}, "e": int64(3)}}},
		{"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n",
			map[string]any{"fruit": map[string]any{"apple": map[string]any{"color": "red", "taste": map[string]any{"sweet": true}, "texture": map[string]any{"smooth": true}}}}},
		{"[a.b.c]\nz = 9\n[a]\nb.d = 1\n",
			map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{"z": int64(9)}, "d": int64(1)}}}},
		{"[x.y.z]\n[x]\nk = 1\n",
			map[string]any{"x": map[string]any{"k": int64(1), "y": map[string]any{"z": map[string]any{}}}}},
		{"x = {a.b = 1, a.c = 2, d = {e = [1, {f = 2}]}}\n",
			map[string]any{"x": map[string]any{"a": map[string]any{"b": int64(1), "c": int64(2)}, "d": map[string]any{"e": []any{int64(1), map[string]any{"f": int64(2)}}}}}},
		{"[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n",
			map[string]any{"a": []map[string]any{{"b": map[string]any{"x": int64(1)}}, {"b": map[string]any{"x": int64(2)}}}}},
		{"[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n",
			map[string]any{"a": []map[string]any{{"b": map[string]any{"c": int64(1)}}, {"b": map[string]any{"c": int64(2)}}}}},
		{"a = { b = \"\"\"multi\nline\"\"\", c = [\n1,\n2,\n] }\n",
			map[string]any{"a": map[string]any{"b": "multi\nline", "c": []any{int64(1), int64(2)}}}},
	} {
		got, ps := DecodeTree("ok.toml", []byte(tc.src))
		if len(ps) > 0 {
			t.Errorf("%q: %v", tc.src, ps)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %#v\nwant %#v", tc.src, got, tc.want)
		}
	}
}
