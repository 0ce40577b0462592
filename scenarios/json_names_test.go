package scenarios

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// jsonKeys reports every object key of a JSON document that is not snake_case.
func badJSONKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var bad []string
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				// Maps keyed by ids (picks) are data, not field names.
				if !snakeKey.MatchString(k) && path != ".overview.picks" {
					bad = append(bad, path+"."+k)
				}
				walk(path+"."+k, v)
			}
		case []any:
			for _, v := range x {
				walk(path+"[]", v)
			}
		}
	}
	walk("", doc)
	return bad
}

func TestDrillJSONIsSnakeCase(t *testing.T) {
	h := startDrill(t, "[[modules]]\nid = \"m1\"\ntitle = \"One\"\nquestions = [\"Who?\"]\n"+
		strings.ReplaceAll(decisionScenario, "\n[[injects]]\n", "\n[[injects]]\nmodule = \"m1\"\n"), 1, 1)
	h.at(11 * time.Minute)
	st := h.d.Status(h.c.now())
	if st.Module == nil || len(st.OpenDecisions) != 1 {
		t.Fatalf("want a module and an open decision: %+v", st)
	}
	status := struct {
		Status
		Feed         []FeedItem          `json:"feed"`
		Expectations []ExpectationStatus `json:"expectations"`
	}{st, h.d.Feed(), h.d.Expectations(h.c.now())}
	if bad := badJSONKeys(t, status); len(bad) > 0 {
		t.Errorf("drill status JSON keys not in snake_case: %v", bad)
	}
	v, err := h.st.Load(h.inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := BuildAAR(v, h.c.now())
	if err != nil {
		t.Fatal(err)
	}
	if bad := badJSONKeys(t, a); len(bad) > 0 {
		t.Errorf("after-action report JSON keys not in snake_case: %v", bad)
	}
}
