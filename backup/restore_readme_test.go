package backup

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestReadmeRestoreTestIAMPolicy(t *testing.T) {
	sec := readmeSection(t, "### muster backup restore-test")
	var doc struct {
		Statement []struct {
			Sid       string
			Effect    string
			Action    []string
			Resource  string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(fenced(t, sec, "json")), &doc); err != nil {
		t.Fatalf("IAM policy JSON: %v", err)
	}
	var got []string
	for _, st := range doc.Statement {
		got = append(got, st.Action...)
		for _, a := range st.Action {
			if strings.HasPrefix(a, "rds:Describe") {
				continue
			}
			// Everything that creates or changes must be bound to the restore-test tag.
			cond, _ := json.Marshal(st.Condition)
			if !strings.Contains(string(cond), "/"+RestoreTestTag) {
				t.Errorf("%s (%s) is not limited by the %s tag: %s", a, st.Sid, RestoreTestTag, cond)
			}
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(RestoreTestIAMActions))
	if !slices.Equal(got, want) {
		t.Errorf("IAM actions in README %v, used %v", got, want)
	}
	// Every call of RestoreAPI needs its action.
	api := reflect.TypeFor[RestoreAPI]()
	for i := range api.NumMethod() {
		if a := "rds:" + api.Method(i).Name; !slices.Contains(RestoreTestIAMActions, a) {
			t.Errorf("RestoreAPI calls %s, which the IAM policy does not allow", a)
		}
	}
}
