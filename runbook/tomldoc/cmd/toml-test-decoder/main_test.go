package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodesToTaggedJSON(t *testing.T) {
	src := `s = "x"
i = -42
f = 1.5
n = -nan
b = true
odt = 1979-05-27T07:32:00.5-07:00
ldt = 1979-05-27T07:32:00
ld = 1979-05-27
lt = 07:32:00
arr = [1, "two", {k = 1}]
[[aot]]
x = 1
`
	var stdout, stderr bytes.Buffer
	if code := run(strings.NewReader(src), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"s":   tv("string", "x"),
		"i":   tv("integer", "-42"),
		"f":   tv("float", "1.5"),
		"n":   tv("float", "nan"),
		"b":   tv("bool", "true"),
		"odt": tv("datetime", "1979-05-27T07:32:00.5-07:00"),
		"ldt": tv("datetime-local", "1979-05-27T07:32:00"),
		"ld":  tv("date-local", "1979-05-27"),
		"lt":  tv("time-local", "07:32:00"),
		"arr": []any{tv("integer", "1"), tv("string", "two"), map[string]any{"k": tv("integer", "1")}},
		"aot": []any{map[string]any{"x": tv("integer", "1")}},
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func tv(typ, v string) map[string]any { return map[string]any{"type": typ, "value": v} }

// A file that is not TOML exits 1 with the problem at its line and column.
func TestRefusesInvalidTOML(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(strings.NewReader("a.b.c = 1\na.b = 2\n"), &stdout, &stderr)
	if code != 1 || stdout.Len() > 0 {
		t.Fatalf("exit %d, stdout %q", code, stdout.String())
	}
	if want := "stdin:2:1: TOML syntax: a.b is defined twice: first as a table, by the dotted key at line 1, col 1\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}
