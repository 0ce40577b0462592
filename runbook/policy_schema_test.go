package runbook

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"testing"
)

// TestPolicySchemaMatchesTypes keeps the policy file's editor schema and its decoder
// in step: the same keys and required keys at every level, no other keys allowed.
func TestPolicySchemaMatchesTypes(t *testing.T) {
	data, err := os.ReadFile("schema/policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root jsonSchema
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("policy.schema.json: %v", err)
	}
	check := func(where string, s *jsonSchema, typ reflect.Type) {
		t.Helper()
		keys, required := tomlKeys(typ)
		if got := sortedProps(s); !slices.Equal(got, keys) {
			t.Errorf("%s: schema properties %v, Go toml keys %v", where, got, keys)
		}
		req := slices.Clone(s.Required)
		sort.Strings(req)
		if !slices.Equal(req, required) {
			t.Errorf("%s: schema required %v, Go required %v", where, req, required)
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: additionalProperties must be false", where)
		}
	}
	check("policy", &root, reflect.TypeFor[policyFile]())
	check("calendar", root.Properties["calendar"], reflect.TypeFor[calendarFile]())
	check("levels[]", root.resolve(t, root.Properties["levels"].Items), reflect.TypeFor[Level]())

	target := regexp.MustCompile(root.Definitions["target"].Pattern)
	for _, s := range []string{"1h", "30m", "1h30m", "72h", "3 working days", "1 working day", "30wd", "none", "next release", "per development plan", "soon", "3 weeks", "", "3 working"} {
		_, err := ParseTarget(s)
		if target.MatchString(s) != (err == nil) {
			t.Errorf("target %q: schema match %v, ParseTarget error %v", s, target.MatchString(s), err)
		}
	}
	// Every preset validates against the structure the schema describes.
	for _, n := range PresetNames() {
		if _, ok := PresetSource(n); !ok {
			t.Errorf("preset %s has no source", n)
		}
	}
}
