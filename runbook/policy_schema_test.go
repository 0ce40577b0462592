package runbook

import (
	"github.com/muster-ir/muster/internal/schematest"
	"reflect"
	"regexp"
	"testing"
)

// TestPolicySchemaMatchesTypes keeps the policy file's editor schema and its decoder
// in step: the same keys and required keys at every level, no other keys allowed.
func TestPolicySchemaMatchesTypes(t *testing.T) {
	root := schematest.Load(t, "schema/policy.schema.json")
	check := func(where string, s *schematest.Schema, typ reflect.Type) {
		t.Helper()
		schematest.CheckObject(t, where, s, typ)
	}
	check("policy", root, reflect.TypeFor[policyFile]())
	check("calendar", root.Properties["calendar"], reflect.TypeFor[calendarFile]())
	check("levels[]", root.Resolve(t, root.Properties["levels"].Items), reflect.TypeFor[Level]())

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
