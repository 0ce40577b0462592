package tomldoc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// benchDoc is shaped like a 500-inject drill scenario (scenarios/bench_test.go):
// arrays of tables with sub-tables and nested arrays of tables, inline tables,
// multi-line strings, string arrays.
func benchDoc(n int) []byte {
	var b strings.Builder
	b.WriteString("schema = 1\nid = \"bench\"\ntitle = \"Bench\"\ntags = [\"a\", \"b\"]\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[injects]]\nid = \"i%d\"\nfrom = \"Support desk\"\nto = []\nchannel = \"chat\"\ntitle = \"Inject %d: customers report errors on checkout\"\n", i, i)
		if i%3 == 0 {
			fmt.Fprintf(&b, "after = { inject = \"i%d\", delay = \"2m\" }\n", max(i-1, 0))
		} else {
			fmt.Fprintf(&b, "at = \"%dm\"\n", i)
		}
		b.WriteString("body = \"\"\"\nThe support desk has 14 new tickets about checkout failing with a 502.\nTwo are from enterprise customers.\n\"\"\"\n")
		if i%10 == 8 {
			b.WriteString("\n  [injects.decision]\n  prompt = \"Fail over now?\"\n  options = [\n    { id = \"now\", label = \"Fail over\", points = 10 },\n    { id = \"wait\", label = \"Wait\", points = 0 },\n  ]\n")
		}
		b.WriteString("\n  [[injects.expectations]]\n  id = \"step\"\n  kind = \"step\"\n  within = \"15m\"\n\n  [[injects.expectations]]\n  id = \"tell\"\n  kind = \"notify\"\n  within = \"30m\"\n  points = 5\n")
	}
	return []byte(b.String())
}

type benchFile struct {
	Schema  int      `toml:"schema,required"`
	ID      string   `toml:"id,required"`
	Title   string   `toml:"title"`
	Tags    []string `toml:"tags"`
	Injects []struct {
		ID      string            `toml:"id,required"`
		From    string            `toml:"from"`
		To      []string          `toml:"to"`
		Channel string            `toml:"channel"`
		Title   string            `toml:"title"`
		At      minutes           `toml:"at"`
		After   map[string]string `toml:"after"`
		Body    string            `toml:"body"`
		Dec     *struct {
			Prompt  string `toml:"prompt"`
			Options []struct {
				ID     string `toml:"id"`
				Label  string `toml:"label"`
				Points int    `toml:"points"`
			} `toml:"options"`
		} `toml:"decision"`
		Expectations []struct {
			ID     string  `toml:"id"`
			Kind   string  `toml:"kind"`
			Within minutes `toml:"within"`
			Points int     `toml:"points"`
		} `toml:"expectations"`
	} `toml:"injects"`
}

// BenchmarkDecode500: tomldoc's whole decode (parse, positions noted, typed decode)
// of a 500-table document.
func BenchmarkDecode500(b *testing.B) {
	data := benchDoc(500)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var f benchFile
		if _, ps := Decode("bench.toml", data, &f); len(ps) > 0 {
			b.Fatal(ps[0])
		}
	}
}

// BenchmarkParse500 is the parse into the generic tree alone; BenchmarkBurntSushi500
// is the same step by BurntSushi/toml, which tomldoc used before.
func BenchmarkParse500(b *testing.B) {
	src := string(benchDoc(500))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parse(src); err != nil {
			b.Fatal(err.msg)
		}
	}
}

func BenchmarkBurntSushi500(b *testing.B) {
	src := string(benchDoc(500))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		var raw map[string]any
		if _, err := toml.Decode(src, &raw); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchDocDecodesClean(t *testing.T) {
	var f benchFile
	doc, ps := Decode("bench.toml", benchDoc(20), &f)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if len(f.Injects) != 20 || f.Injects[8].Dec == nil || len(f.Injects[8].Dec.Options) != 2 || len(f.Injects[19].Expectations) != 2 {
		t.Fatalf("decoded %+v", f)
	}
	if !doc.Has("injects", 19, "expectations", 1, "points") || doc.Has("injects", 19, "expectations", 0, "points") {
		t.Error("Has disagrees with the document")
	}
	if d := compare(string(benchDoc(20))); d != "" {
		t.Error(d)
	}
}
