package tomldoc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2/unstable"
)

type minutes time.Duration

func (m *minutes) UnmarshalText(b []byte) error {
	d, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 15m or 2h", b)
	}
	*m = minutes(d)
	return nil
}

type step struct {
	ID      string   `toml:"id,required"`
	Title   string   `toml:"title,required"`
	Tags    []string `toml:"tags"`
	Timebox minutes  `toml:"timebox"`
}

type phase struct {
	Goal  string `toml:"goal"`
	Steps []step `toml:"steps"`
}

type book struct {
	Schema  int              `toml:"schema,required"`
	ID      string           `toml:"id,required"`
	Weight  float64          `toml:"weight"`
	Draft   bool             `toml:"draft"`
	Phases  map[string]phase `toml:"phases"`
	Holiday []time.Time      `toml:"holidays"`
	Inline  []step           `toml:"inline"`
}

func TestDecodeValid(t *testing.T) {
	src := `schema = 1
id = "x"
weight = 2
holidays = [2026-12-25, 2027-01-01]
inline = [ { id = "a", title = "A" }, { id = "b", title = "B", timebox = "5m" } ]

[phases.contain]
goal = "stop it"

[[phases.contain.steps]]
id = "one"
title = """multi
line"""
tags = ["a", 'b']

[[phases.contain.steps]]
id = "two"
title = 'Two'
timebox = "15m"
`
	var b book
	doc, ps := Decode("r.toml", []byte(src), &b)
	if len(ps) > 0 {
		t.Fatalf("unexpected problems:\n%v", ps)
	}
	if len(b.Phases["contain"].Steps) != 2 || b.Phases["contain"].Steps[1].Timebox != minutes(15*time.Minute) || b.Weight != 2 {
		t.Fatalf("decoded %+v", b)
	}
	if len(b.Holiday) != 2 || b.Holiday[0].Month() != 12 {
		t.Fatalf("holidays %v", b.Holiday)
	}
	for _, tc := range []struct {
		path []any
		want Pos
	}{
		{[]any{"id"}, Pos{2, 1}},
		{[]any{"phases", "contain"}, Pos{7, 1}},
		{[]any{"phases", "contain", "steps", 0}, Pos{10, 1}},
		{[]any{"phases", "contain", "steps", 1, "timebox"}, Pos{19, 1}},
		{[]any{"phases", "contain", "steps", 1}, Pos{16, 1}},
		{[]any{"inline", 1, "timebox"}, Pos{5, 64}},
		{[]any{"phases", "contain", "steps", 0, "missing"}, Pos{10, 1}},
	} {
		if got := doc.At(tc.path...); got != tc.want {
			t.Errorf("At(%v) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	src := `schema = "one"
idd = "x"
draft = "yes"

[[phases.contain.steps]]
id = "one"
timebox = "soon"
tags = "a"

[[phases.contain.steps]]
title = 3
colour = "red"
`
	var b book
	_, ps := Decode("r.toml", []byte(src), &b)
	want := []string{
		`r.toml:1:1: schema must be an integer, not a string`,
		`r.toml:1:1: missing required key "id"`,
		`r.toml:2:1: unknown key "idd" (did you mean "id"?)`,
		`r.toml:3:1: draft must be true or false, not a string`,
		`r.toml:5:1: missing required key "phases.contain.steps[0].title"`,
		`r.toml:7:1: phases.contain.steps[0].timebox: "soon" is not a duration like 15m or 2h`,
		`r.toml:8:1: phases.contain.steps[0].tags must be an array, not a string`,
		`r.toml:10:1: missing required key "phases.contain.steps[1].id"`,
		`r.toml:11:1: phases.contain.steps[1].title must be a string, not an integer`,
		`r.toml:12:1: unknown key "phases.contain.steps[1].colour"`,
	}
	got := strings.Split(ps.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecodeSyntaxError(t *testing.T) {
	var b book
	_, ps := Decode("bad.toml", []byte("schema = 1\nid = \"x\nweight = 1\n"), &b)
	if len(ps) != 1 || ps[0].Line != 2 || !strings.Contains(ps[0].Msg, "TOML syntax") {
		t.Fatalf("got %v", ps)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("schema = 1\nid = \"x\"\n[[phases.a.steps]]\nid='1'\ntitle=\"\"\"t\"\"\"\n")
	f.Add("inline = [{id=\"a\",title=\"b\"}]\n[phases.x]\ngoal=1\n")
	f.Add("a.b.\"c d\" = 1\n[x]\n[[y]]\n[[y]]\nz = [1,[2,3]]\n")
	f.Add("holidays = [1979-05-27T07:32:00Z]\nweight = inf\n")
	for _, tc := range redefinitions { // the table rules, for the fuzzer to mutate
		f.Add(tc.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var b book
		doc, ps := Decode("f.toml", []byte(src), &b)
		for _, p := range ps {
			if p.String() == "" {
				t.Fatal("empty problem")
			}
			if strings.HasPrefix(p.Msg, "cannot decode") { // a panic inside the decoder
				t.Fatal(p)
			}
		}
		_ = doc.At("phases", "x", "steps", 0, "id")
		if tree, _, err := parse(stripBOM(src)); err == nil {
			if written, kept := scalarsWritten(stripBOM(src)), scalarsIn(tree); written != kept {
				t.Fatalf("%d values written, %d in the tree: one was dropped or replaced", written, kept)
			}
		}
	})
}

// scalarsWritten counts the strings, numbers, booleans and date-times written in src,
// at any depth of arrays and inline tables.
func scalarsWritten(src string) int {
	var p unstable.Parser
	p.Reset([]byte(src))
	var count func(n *unstable.Node) int
	count = func(n *unstable.Node) int {
		switch n.Kind {
		case unstable.Array, unstable.InlineTable:
			c := 0
			for it := n.Children(); it.Next(); {
				c += count(it.Node())
			}
			return c
		case unstable.KeyValue:
			return count(n.Value())
		case unstable.Comment:
			return 0
		}
		return 1
	}
	total := 0
	for p.NextExpression() {
		if e := p.Expression(); e.Kind == unstable.KeyValue {
			total += count(e)
		}
	}
	return total
}

// scalarsIn counts the values of a decoded tree that are not tables or arrays.
func scalarsIn(v any) int {
	switch v := v.(type) {
	case map[string]any:
		c := 0
		for _, e := range v {
			c += scalarsIn(e)
		}
		return c
	case []map[string]any:
		c := 0
		for _, e := range v {
			c += scalarsIn(e)
		}
		return c
	case []any:
		c := 0
		for _, e := range v {
			c += scalarsIn(e)
		}
		return c
	}
	return 1
}

// Before TOML 1.0's table rules, BurntSushi's let these lose a value; the count of
// values written and kept is the fuzz target's check that none is lost any more.
func TestScalarCountsCatchADroppedValue(t *testing.T) {
	src := "a.b.c = 1\na.b.d = [2, {e = 3}]\n[t]\nx = 'y'\n"
	tree, _, err := parse(src)
	if err != nil {
		t.Fatal(err.msg)
	}
	if w, k := scalarsWritten(src), scalarsIn(tree); w != 4 || k != 4 {
		t.Fatalf("written %d, kept %d; want 4 and 4", w, k)
	}
	delete(tree["a"].(map[string]any)["b"].(map[string]any), "c")
	if scalarsIn(tree) != 3 {
		t.Fatal("a dropped value goes unnoticed")
	}
}

// No value is dropped, cut short or rounded without a problem, whatever the field's
// type (issue #18).
func TestNoValueDroppedWhateverTheTarget(t *testing.T) {
	type target struct {
		Trio    [3]string    `toml:"trio"`
		Pair    [2]int       `toml:"pair"`
		Timebox *minutes     `toml:"timebox"`
		Wait    *minutes     `toml:"wait"`
		Weight  float64      `toml:"weight"`
		Small   float32      `toml:"small"`
		Label   fmt.Stringer `toml:"label"`
		Any     any          `toml:"any"`
	}
	src := `trio = ["a", "b", "c", "d"]
pair = [1, 2]
timebox = "15m"
wait = "soon"
weight = 9007199254740993
small = 16777217
label = "x"
any = {k = [1, 2]}
`
	var got target
	_, ps := Decode("t.toml", []byte(src), &got)
	want := []string{
		`t.toml:1:1: trio must have 3 elements, not 4`,
		`t.toml:4:1: wait: "soon" is not a duration like 15m or 2h`,
		`t.toml:5:1: weight: 9007199254740993 cannot be held exactly by a float64 (the nearest is 9007199254740992)`,
		`t.toml:6:1: small: 16777217 cannot be held exactly by a float32 (the nearest is 16777216)`,
		`t.toml:7:1: label must be a value that fits fmt.Stringer, not a string`,
	}
	if g := strings.Split(ps.Error(), "\n"); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	if got.Pair != [2]int{1, 2} || got.Timebox == nil || *got.Timebox != minutes(15*time.Minute) {
		t.Errorf("decoded %+v", got)
	}
	if m, ok := got.Any.(map[string]any); !ok || len(m["k"].([]any)) != 2 {
		t.Errorf("any = %#v", got.Any)
	}

	var exact struct {
		Weight float64 `toml:"weight"`
		Small  float32 `toml:"small"`
	}
	if _, ps := Decode("t.toml", []byte("weight = 9007199254740992\nsmall = -16777216\n"), &exact); len(ps) > 0 || exact.Weight != 1<<53 || exact.Small != -1<<24 {
		t.Errorf("exact integers: %v %+v", ps, exact)
	}
}

// A struct with two fields for one key would leave one of them undecoded: refused.
func TestTwoFieldsForOneKeyIsRefused(t *testing.T) {
	var twice struct {
		A string `toml:"a"`
		B string `toml:"a"`
	}
	_, ps := Decode("t.toml", []byte("a = \"x\"\n"), &twice)
	if len(ps) != 1 || !strings.Contains(ps[0].Msg, `two fields for the key "a"`) {
		t.Errorf("got %v", ps)
	}
}
