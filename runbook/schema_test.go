package runbook

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

type jsonSchema struct {
	Ref                  string                 `json:"$ref"`
	Type                 string                 `json:"type"`
	Properties           map[string]*jsonSchema `json:"properties"`
	Required             []string               `json:"required"`
	AdditionalProperties *bool                  `json:"additionalProperties"`
	Items                *jsonSchema            `json:"items"`
	Enum                 []any                  `json:"enum"`
	Const                any                    `json:"const"`
	Pattern              string                 `json:"pattern"`
	Description          string                 `json:"description"`
	Definitions          map[string]*jsonSchema `json:"definitions"`
}

func loadRunbookSchema(t *testing.T) *jsonSchema {
	t.Helper()
	data, err := os.ReadFile("schema/runbook.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s jsonSchema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("runbook.schema.json: %v", err)
	}
	return &s
}

// resolve follows a local $ref.
func (root *jsonSchema) resolve(t *testing.T, s *jsonSchema) *jsonSchema {
	t.Helper()
	for s != nil && s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/definitions/")
		if !ok || root.Definitions[name] == nil {
			t.Fatalf("unresolvable $ref %q", s.Ref)
		}
		s = root.Definitions[name]
	}
	return s
}

// tomlKeys lists the toml tags of a decoded struct and which are required.
func tomlKeys(t reflect.Type) (keys, required []string) {
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, name)
		if strings.Contains(","+opts+",", ",required,") {
			required = append(required, name)
		}
	}
	sort.Strings(keys)
	sort.Strings(required)
	return keys, required
}

func sortedProps(s *jsonSchema) []string {
	var out []string
	for k := range s.Properties {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSchemaMatchesTypes keeps the editor schema and the decoder in step: the same
// keys, the same required keys, no other keys allowed, at every level.
func TestSchemaMatchesTypes(t *testing.T) {
	root := loadRunbookSchema(t)
	check := func(where string, s *jsonSchema, typ reflect.Type, lintRequired ...string) {
		t.Helper()
		keys, required := tomlKeys(typ)
		required = sorted(append(required, lintRequired...))
		if got := sortedProps(s); !slices.Equal(got, keys) {
			t.Errorf("%s: schema properties %v, Go toml keys %v", where, got, keys)
		}
		req := slices.Clone(s.Required)
		sort.Strings(req)
		if !slices.Equal(req, required) {
			t.Errorf("%s: schema required %v, Go required %v", where, req, required)
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: additionalProperties must be false (unknown keys are errors)", where)
		}
	}
	check("runbook", root, reflect.TypeFor[fileRunbook]())
	check("communication", root.resolve(t, root.Properties["communication"].Items), reflect.TypeFor[fileComm]())

	phases := root.Properties["phases"]
	if got := sortedProps(phases); !slices.Equal(got, sorted(phaseStrings())) {
		t.Errorf("phases: schema properties %v, PhaseOrder %v", got, PhaseOrder)
	}
	if phases.AdditionalProperties == nil || *phases.AdditionalProperties {
		t.Error("phases: additionalProperties must be false (unknown phases are errors)")
	}
	for _, name := range PhaseOrder {
		ph := root.resolve(t, phases.Properties[string(name)])
		// steps: the lint, not the decoder, requires them, to say "phase X has no steps".
		check("phases."+string(name), ph, reflect.TypeFor[filePhase](), "steps")
		check("phases."+string(name)+".steps[]", root.resolve(t, ph.Properties["steps"].Items), reflect.TypeFor[fileStep]())
	}

	// Enumerations the lint knows.
	step := root.Definitions["step"]
	if got := enumStrings(step.Properties["check"]); !slices.Equal(got, Checks) {
		t.Errorf("step.check enum %v, Checks %v", got, Checks)
	}
	if got := enumStrings(root.Definitions["phaseName"]); !slices.Equal(got, phaseStrings()) {
		t.Errorf("phaseName enum %v, PhaseOrder %v", got, PhaseOrder)
	}
	if root.Properties["schema"].Const != float64(SchemaVersion) {
		t.Errorf("schema const %v, SchemaVersion %d", root.Properties["schema"].Const, SchemaVersion)
	}
}

// TestSchemaPatternsAgreeWithParsers: what the editor accepts, muster accepts.
func TestSchemaPatternsAgreeWithParsers(t *testing.T) {
	root := loadRunbookSchema(t)
	semver := regexp.MustCompile(root.Definitions["semver"].Pattern)
	for _, s := range []string{"1.0.0", "0.0.0", "10.2.3-rc.1+b.5", "1.0.0-0a", "1.0.0-x-y", "1.0", "01.0.0", "1.0.0-01", "v1.0.0", "1.0.0+", "1.0.0-a..b", "1.0.0-a_b"} {
		_, err := ParseVersion(s)
		if semver.MatchString(s) != (err == nil) {
			t.Errorf("version %q: schema match %v, ParseVersion error %v", s, semver.MatchString(s), err)
		}
	}
	slug := regexp.MustCompile(root.Definitions["slug"].Pattern)
	for _, s := range []string{"data-breach", "a", "a1-b2", "9", "Data", "a--b", "-a", "a-", "a_b", "", "-", "a b", "é"} {
		if slug.MatchString(s) != slugRE.MatchString(s) || isSlug(s) != slugRE.MatchString(s) {
			t.Errorf("slug %q: schema %v, slugRE %v, isSlug %v", s, slug.MatchString(s), slugRE.MatchString(s), isSlug(s))
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

func enumStrings(s *jsonSchema) []string {
	var out []string
	for _, e := range s.Enum {
		out = append(out, e.(string))
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
