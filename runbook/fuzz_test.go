package runbook

import (
	"testing"

	"github.com/muster-ir/muster/runbook/untrusted"
)

// FuzzParse: no input makes Parse panic; it returns either a runbook whose every text
// is clean, or problems that each name the file and a message. Seeds: the lint cases'
// shapes here and testdata/fuzz/FuzzParse. The library files are not seeds: the
// fuzzer minimizes every new interesting input, and on 20 KB files that takes longer
// than CI's 10 s of fuzzing.
func FuzzParse(f *testing.F) {
	f.Add([]byte(head + okPhase))
	f.Add([]byte(head + okPhase + "when = []\ncheck = \"rds\"\nservice = \"x\"\ntimebox = \"-1s\"\n"))
	f.Add([]byte(head + "[phases]\n"))
	f.Add([]byte(head + "[[communication]]\naudience = \"a\"\nafter = \"nope\"\nchannel = \"c\"\n" + okPhase))
	f.Add([]byte("phases = {detect = {steps = [{id = \"a\", title = \"\\u001b]52;c;x\\u0007t\", role = \"r\", body = \"b\"}]}}\n"))
	pol := DefaultPolicy()
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ps := Parse("f.toml", data, pol)
		if len(ps) > 0 {
			if r != nil {
				t.Fatal("a runbook returned with problems")
			}
			for _, p := range ps {
				if p.File != "f.toml" || p.Msg == "" || p.Line < 0 || p.Col < 0 {
					t.Fatalf("malformed problem %#v", p)
				}
			}
			return
		}
		if r == nil {
			t.Fatal("neither a runbook nor a problem")
		}
		if r.Digest != digest(data) || string(r.Raw) != string(data) {
			t.Fatal("digest or raw bytes do not match the input")
		}
		seen := map[string]bool{}
		last := -1
		for _, ph := range r.Phases {
			if ph.Name.Index() <= last {
				t.Fatalf("phases out of order: %v", r.Phases)
			}
			last = ph.Name.Index()
			if len(ph.Steps) == 0 {
				t.Fatalf("phase %s without steps accepted", ph.Name)
			}
			for _, s := range ph.Steps {
				if seen[s.ID] {
					t.Fatalf("duplicate step id %q accepted", s.ID)
				}
				seen[s.ID] = true
				for _, txt := range append([]string{s.ID, s.Title, s.Body, s.Role, s.Service}, append(s.Evidence, s.Commands...)...) {
					if untrusted.Clean(txt) != txt {
						t.Fatalf("step text not cleaned: %q", txt)
					}
				}
			}
		}
		for _, txt := range []string{r.Title, r.Summary, r.Owner} {
			if untrusted.Clean(txt) != txt {
				t.Fatalf("runbook text not cleaned: %q", txt)
			}
		}
		for _, c := range r.Communication {
			if untrusted.Clean(c.Template) != c.Template || untrusted.Clean(c.Audience) != c.Audience || len(c.Severities) == 0 {
				t.Fatalf("communication rule not cleaned or without severities: %+v", c)
			}
		}
	})
}
