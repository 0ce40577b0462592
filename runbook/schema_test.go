package runbook

import (
	"github.com/muster-ir/muster/internal/schematest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"testing"
)

// TestSchemaMatchesTypes keeps the editor schema and the decoder in step: the same
// keys, the same required keys, no other keys allowed, at every level.
func TestSchemaMatchesTypes(t *testing.T) {
	root := schematest.Load(t, "schema/runbook.schema.json")
	check := func(where string, s *schematest.Schema, typ reflect.Type, lintRequired ...string) {
		t.Helper()
		schematest.CheckObject(t, where, s, typ, lintRequired...)
	}
	check("runbook", root, reflect.TypeFor[fileRunbook]())
	check("communication", root.Resolve(t, root.Properties["communication"].Items), reflect.TypeFor[fileComm]())

	phases := root.Properties["phases"]
	if got := phases.Keys(); !slices.Equal(got, sorted(phaseStrings())) {
		t.Errorf("phases: schema properties %v, PhaseOrder %v", got, PhaseOrder)
	}
	if !phases.Closed() {
		t.Error("phases: additionalProperties must be false (unknown phases are errors)")
	}
	for _, name := range PhaseOrder {
		ph := root.Resolve(t, phases.Properties[string(name)])
		// steps: the lint, not the decoder, requires them, to say "phase X has no steps".
		check("phases."+string(name), ph, reflect.TypeFor[filePhase](), "steps")
		check("phases."+string(name)+".steps[]", root.Resolve(t, ph.Properties["steps"].Items), reflect.TypeFor[fileStep]())
	}

	// Enumerations the lint knows.
	step := root.Definitions["step"]
	if got := step.Properties["check"].EnumStrings(); !slices.Equal(got, Checks) {
		t.Errorf("step.check enum %v, Checks %v", got, Checks)
	}
	if got := root.Definitions["phaseName"].EnumStrings(); !slices.Equal(got, phaseStrings()) {
		t.Errorf("phaseName enum %v, PhaseOrder %v", got, PhaseOrder)
	}
	if root.Properties["schema"].Const != float64(SchemaVersion) {
		t.Errorf("schema const %v, SchemaVersion %d", root.Properties["schema"].Const, SchemaVersion)
	}
}

// TestSchemaPatternsAgreeWithParsers: what the editor accepts, muster accepts.
func TestSchemaPatternsAgreeWithParsers(t *testing.T) {
	root := schematest.Load(t, "schema/runbook.schema.json")
	semver := regexp.MustCompile(root.Definitions["semver"].Pattern)
	for _, s := range []string{"1.0.0", "0.0.0", "10.2.3-rc.1+b.5", "1.0.0-0a", "1.0.0-x-y", "1.0", "01.0.0", "1.0.0-01", "v1.0.0", "1.0.0+", "1.0.0-a..b", "1.0.0-a_b"} {
		_, err := ParseVersion(s)
		if semver.MatchString(s) != (err == nil) {
			t.Errorf("version %q: schema match %v, ParseVersion error %v", s, semver.MatchString(s), err)
		}
	}
	slug := regexp.MustCompile(root.Definitions["slug"].Pattern)
	for _, s := range []string{"data-breach", "a", "a1-b2", "9", "Data", "a--b", "-a", "a-", "a_b", "", "-", "a b", "é"} {
		if slug.MatchString(s) != slugRE().MatchString(s) || isSlug(s) != slugRE().MatchString(s) {
			t.Errorf("slug %q: schema %v, slugRE %v, isSlug %v", s, slug.MatchString(s), slugRE().MatchString(s), isSlug(s))
		}
	}
	dur := regexp.MustCompile(root.Definitions["duration"].Pattern)
	for _, s := range []string{"15m", "1h30m", "4h", "90s", "1.5h", "250ms", "2d", "soon", "15", "", "h"} {
		var d Duration
		err := d.UnmarshalText([]byte(s))
		if dur.MatchString(s) != (err == nil) {
			t.Errorf("duration %q: schema match %v, UnmarshalText error %v", s, dur.MatchString(s), err)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
