package incident

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

const servicesExample = `schema = 1

[[service]]
name = "platform"
title = "Platform dashboard and API"
target = 99.8
period = "month"
partial_weight = 0.5
monthly_fee = 1200.0
currency = "EUR"
penalty_percent = 30
claim_working_days = 5

[[service.maintenance]]
start = 2026-11-14T22:00:00Z
end = 2026-11-15T02:00:00Z
note = "database upgrade"

[[service]]
name = "website"
target = 99.5
period = "year"
`

func TestParseServices(t *testing.T) {
	s, err := ParseServices("services.toml", []byte(servicesExample))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Names(), []string{"platform", "website"}) {
		t.Errorf("names %v", s.Names())
	}
	p, _ := s.Service("platform")
	if p.Target != 99.8 || p.PartialWeight != 0.5 || p.PenaltyPercent != 30 || p.ClaimWorkingDays != 5 || len(p.Maintenance) != 1 || p.Maintenance[0].Note != "database upgrade" {
		t.Errorf("platform %+v", p)
	}
	w, _ := s.Service("website")
	if w.Period != "year" || w.PartialWeight != 1 || w.ClaimWorkingDays != 5 {
		t.Errorf("website defaults %+v", w)
	}
	if _, ok := s.Service("nope"); ok {
		t.Error("found a service that is not there")
	}
}

// Every problem at once, each at its line and column.
func TestServicesLint(t *testing.T) {
	bad := `schema = 2
[[service]]
name = "Platform API"
target = 100
period = "week"
partial_weight = 2
currency = "euro"
penalty_percent = 30
claim_working_days = 0
colour = "red"

[[service.maintenance]]
start = 2026-11-15T02:00:00Z
end = 2026-11-14T22:00:00Z

[[service]]
name = "web"
target = "high"

[[service]]
name = "web"
target = 99.0
`
	_, err := ParseServices("services.toml", []byte(bad))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`services.toml:1:1: schema = 2 is not supported; this muster reads schema = 1`,
		`services.toml:3:1: service name "Platform API": use lowercase letters, digits, '.', '_' and '-' (at most 64)`,
		`services.toml:4:1: target = 100: an availability in percent, above 0 and below 100 (99.8)`,
		`services.toml:5:1: period = "week": want "month" or "year"`,
		`services.toml:6:1: partial_weight = 2: from 0 (a partial outage does not count) to 1 (counts as a full one)`,
		`services.toml:7:1: currency = "euro": an ISO 4217 code such as EUR or USD`,
		`services.toml:8:1: penalty_percent is set but monthly_fee is not: the penalty is a share of the monthly fee`,
		`services.toml:9:1: claim_working_days = 0: from 1 to 365`,
		`services.toml:10:1: unknown key`,
		`services.toml:14:1: the maintenance window ends before it starts`,
		`services.toml:18:1:`,
		`services.toml:21:1: service "web" is defined twice (also service[1])`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d:\n got %q\nwant %q...", i+1, lines[min(i, len(lines)-1)], w)
		}
	}
}

func TestServicesSyntaxErrorAndEmptyFile(t *testing.T) {
	if _, err := ParseServices("s.toml", []byte("[[service]\nname=")); err == nil || !strings.HasPrefix(err.Error(), "s.toml:1:") {
		t.Errorf("syntax: %v", err)
	}
	if _, err := ParseServices("s.toml", []byte("schema = 1\n")); err == nil || !strings.Contains(err.Error(), "no [[service]]") {
		t.Errorf("empty: %v", err)
	}
	if _, err := LoadServices("testdata/none.toml"); err == nil || !strings.Contains(err.Error(), "no services config") {
		t.Errorf("missing: %v", err)
	}
	if s, err := DefaultServices(t.TempDir()); s != nil || err != nil {
		t.Errorf("no file in the data dir: %v %v", s, err)
	}
}

func FuzzParseServices(f *testing.F) {
	f.Add([]byte(servicesExample))
	f.Add([]byte("schema = 1\n[[service]]\nname = \"x\"\ntarget = 99.9\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseServices("f.toml", data)
		if (s == nil) == (err == nil) {
			t.Fatalf("services %v and error %v", s, err)
		}
	})
}

// The editor schema and the decoder agree on the keys at every level.
func TestServicesSchemaMatchesTypes(t *testing.T) {
	data, err := os.ReadFile("services.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Properties           map[string]*schema `json:"properties"`
		Items                *schema            `json:"items"`
		Required             []string           `json:"required"`
		AdditionalProperties *bool              `json:"additionalProperties"`
	}
	var root schema
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	check := func(where string, s *schema, typ reflect.Type) {
		var keys, required []string
		for i := range typ.NumField() {
			name, opt, _ := strings.Cut(typ.Field(i).Tag.Get("toml"), ",")
			keys = append(keys, name)
			if opt == "required" {
				required = append(required, name)
			}
		}
		var props []string
		for k := range s.Properties {
			props = append(props, k)
		}
		sort.Strings(keys)
		sort.Strings(required)
		sort.Strings(props)
		req := slices.Clone(s.Required)
		sort.Strings(req)
		if !slices.Equal(props, keys) || !slices.Equal(req, required) || s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: schema %v required %v, Go %v required %v", where, props, req, keys, required)
		}
	}
	check("services", &root, reflect.TypeFor[servicesFile]())
	svc := root.Properties["service"].Items
	check("service[]", svc, reflect.TypeFor[serviceFile]())
	check("maintenance[]", svc.Properties["maintenance"].Items, reflect.TypeFor[maintenanceFile]())
}

// A service name holds at most 64 characters.
func TestServiceNameLengthLimit(t *testing.T) {
	for n, ok := range map[int]bool{64: true, 65: false} {
		src := fmt.Sprintf("schema = 1\n[[service]]\nname = %q\ntarget = 99.8\n", strings.Repeat("a", n))
		if _, err := ParseServices("s.toml", []byte(src)); (err == nil) != ok {
			t.Errorf("a %d-character name: %v", n, err)
		}
	}
}
