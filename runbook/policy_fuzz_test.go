package runbook

import (
	"testing"
	"time"
)

// FuzzParseSeverityPolicy: a policy file never panics the parser, and a policy it
// accepts computes deadlines for every level without panicking.
func FuzzParseSeverityPolicy(f *testing.F) {
	for _, n := range PresetNames() {
		src, _ := PresetSource(n)
		f.Add(string(src))
	}
	f.Add("schema = 1\nname = \"x\"\ntitle = \"t\"\n[calendar]\ntime_zone = \"UTC\"\nhours = \"00:00-24:00\"\ndays = [\"sun\"]\nholidays = [2026-01-04]\n[[levels]]\nname = \"a\"\nrank = 1\ndescription = \"d\"\nrespond_within = \"99999 working days\"\nresolve_within = \"1ns\"\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, problems := ParsePolicy("f.toml", []byte(src))
		if p == nil {
			if len(problems) == 0 {
				t.Fatal("no policy and no problem")
			}
			return
		}
		start := time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)
		for _, l := range p.Levels {
			if _, _, err := p.Deadlines(l.Name, start); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzParseTarget: any text is a target or an error, and an accepted target reads back
// from its own text.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"1h", "72h", "3 working days", "30wd", "next release", "1h30m", "-1h", "0 working days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		b, _ := tg.MarshalText()
		back, err := ParseTarget(string(b))
		if err != nil || back != tg {
			t.Fatalf("%q -> %q -> %+v %v", s, b, back, err)
		}
	})
}
