package tomldoc

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
	})
}
