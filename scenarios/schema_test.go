package scenarios

import (
	"github.com/muster-ir/muster/internal/schematest"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/muster-ir/muster/runbook"
)

// TestSchemaMatchesTypes keeps the editor schema and the decoder in step: the same keys,
// the same required keys (the decoder's and those the lint requires), no other keys
// allowed, at every level, and the same enumerations.
func TestSchemaMatchesTypes(t *testing.T) {
	root := schematest.Load(t, "schema/scenario.schema.json")
	check := func(where string, s *schematest.Schema, typ reflect.Type, lintRequired ...string) {
		t.Helper()
		schematest.CheckObject(t, where, s, typ, lintRequired...)
	}
	item := func(s *schematest.Schema) *schematest.Schema { return root.Item(t, s) }
	P := root.Properties
	check("scenario", root, reflect.TypeFor[fileScenario]())
	check("runbook", P["runbook"], reflect.TypeFor[fileRunbookRef]())
	check("source", P["source"], reflect.TypeFor[fileSource]())
	check("source.timeline[]", item(P["source"].Properties["timeline"]), reflect.TypeFor[fileOriginEntry]())
	check("roles[]", item(P["roles"]), reflect.TypeFor[fileRole]())
	check("roles[].webhook", item(P["roles"]).Properties["webhook"], reflect.TypeFor[fileWebhook]())
	check("objectives[]", item(P["objectives"]), reflect.TypeFor[fileObjective]())
	check("modules[]", item(P["modules"]), reflect.TypeFor[fileModule]())
	check("pools[]", item(P["pools"]), reflect.TypeFor[filePool]())
	inj := item(P["injects"])
	check("injects[]", inj, reflect.TypeFor[fileInject]())
	check("injects[].after", inj.Properties["after"], reflect.TypeFor[fileAfter]())
	dec := root.Resolve(t, inj.Properties["decision"])
	check("injects[].decision", dec, reflect.TypeFor[fileDecision](), "timeout", "default")
	check("injects[].decision.options[]", item(dec.Properties["options"]), reflect.TypeFor[fileOption]())
	exp := item(inj.Properties["expectations"])
	check("injects[].expectations[]", exp, reflect.TypeFor[fileExpectation](), "within", "objective")

	for _, e := range []struct {
		where string
		s     *schematest.Schema
		want  []string
	}{
		{"channel", inj.Properties["channel"], Channels},
		{"expectation kind", exp.Properties["kind"], ExpectKinds},
		{"expectation element", exp.Properties["element"], Elements},
		{"expectation check", exp.Properties["check"], runbook.Checks},
		{"role kind", item(P["roles"]).Properties["kind"], RoleKinds},
		{"exercise_type", P["exercise_type"], ExerciseTypes},
		{"mission_areas", P["mission_areas"].Items, MissionAreas},
		{"source kind", P["source"].Properties["kind"], SourceKinds},
	} {
		if got := e.s.EnumStrings(); !slices.Equal(got, e.want) {
			t.Errorf("%s enum %v, Go %v", e.where, got, e.want)
		}
	}
	var phases []string
	for _, p := range runbook.PhaseOrder {
		phases = append(phases, string(p))
	}
	if got := root.Definitions["phaseName"].EnumStrings(); !slices.Equal(got, phases) {
		t.Errorf("phaseName enum %v, PhaseOrder %v", got, phases)
	}
	if P["schema"].Const != float64(SchemaVersion) {
		t.Errorf("schema const %v, SchemaVersion %d", P["schema"].Const, SchemaVersion)
	}
}

// TestSchemaPatternsAgreeWithParsers: what the editor accepts, muster accepts.
func TestSchemaPatternsAgreeWithParsers(t *testing.T) {
	root := schematest.Load(t, "schema/scenario.schema.json")
	semver := regexp.MustCompile(root.Definitions["semver"].Pattern)
	for _, s := range []string{"1.0.0", "0.0.0", "10.2.3-rc.1+b.5", "1.0", "01.0.0", "1.0.0-01", "v1.0.0", "1.0.0+"} {
		_, err := runbook.ParseVersion(s)
		if semver.MatchString(s) != (err == nil) {
			t.Errorf("version %q: schema %v, ParseVersion error %v", s, semver.MatchString(s), err)
		}
	}
	slug := regexp.MustCompile(root.Definitions["slug"].Pattern)
	for _, s := range []string{"paste-site-leak", "a", "a1-b2", "Data", "a--b", "-a", "a-", "a_b", ""} {
		if slug.MatchString(s) != slugRE().MatchString(s) {
			t.Errorf("slug %q: schema %v, lint %v", s, slug.MatchString(s), slugRE().MatchString(s))
		}
	}
	dur := root.Definitions["duration"]
	durRE, zeroRE := regexp.MustCompile(dur.Pattern), regexp.MustCompile(dur.Not.Pattern)
	off := regexp.MustCompile(root.Definitions["offset"].Pattern)
	for _, s := range []string{"15m", "1h30m", "4h", "90s", "1.5h", "0m", "0", "0s", "2d", "soon", "15", "", "-5m"} {
		var d runbook.Duration
		err := d.UnmarshalText([]byte(s))
		if ok := durRE.MatchString(s) && !zeroRE.MatchString(s); ok != (err == nil) {
			t.Errorf("duration %q: schema %v, runbook.Duration error %v", s, ok, err)
		}
		var o Offset
		err = o.UnmarshalText([]byte(s))
		if off.MatchString(s) != (err == nil) {
			t.Errorf("offset %q: schema %v, Offset error %v", s, off.MatchString(s), err)
		}
	}
}
