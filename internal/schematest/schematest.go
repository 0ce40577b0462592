// Package schematest is what the tests that keep a file format's JSON Schema in step
// with its Go decoder share (runbook, severity policy, scenario, backup policy): load
// the schema, follow local $refs, and hold an object of the schema to a Go struct's
// toml keys. Each format's test keeps only what is its own (enumerations, patterns).
package schematest

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Schema is the part of JSON Schema draft-07 muster's schemas use.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Properties           map[string]*Schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"` // false, or the schema of every other key
	Items                *Schema            `json:"items"`
	Enum                 []any              `json:"enum"`
	Const                any                `json:"const"`
	Pattern              string             `json:"pattern"`
	Not                  *Schema            `json:"not"`
	Description          string             `json:"description"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MinItems             int                `json:"minItems"`
	MinLength            int                `json:"minLength"`
	MinProperties        int                `json:"minProperties"`
	Definitions          map[string]*Schema `json:"definitions"`
}

// Load reads a schema file; a file that is not JSON fails the test.
func Load(t testing.TB, path string) *Schema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &s
}

// Resolve follows local $refs (#/definitions/NAME) from s.
func (root *Schema) Resolve(t testing.TB, s *Schema) *Schema {
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

// Item is the resolved schema of the items of array s.
func (root *Schema) Item(t testing.TB, s *Schema) *Schema {
	t.Helper()
	if s == nil || s.Items == nil {
		t.Fatal("not an array schema")
	}
	return root.Resolve(t, s.Items)
}

// Closed reports whether s refuses keys it does not list (additionalProperties false).
func (s *Schema) Closed() bool { return strings.TrimSpace(string(s.AdditionalProperties)) == "false" }

// Others is the schema of the keys s does not list, nil when there is none.
func (s *Schema) Others() *Schema {
	var o Schema
	if len(s.AdditionalProperties) == 0 || s.Closed() || json.Unmarshal(s.AdditionalProperties, &o) != nil {
		return nil
	}
	return &o
}

// Keys lists s's properties, sorted.
func (s *Schema) Keys() []string {
	out := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Enum lists s's enumeration as strings, in the schema's order.
func (s *Schema) EnumStrings() []string {
	var out []string
	for _, e := range s.Enum {
		if v, ok := e.(string); ok {
			out = append(out, v)
		}
	}
	return out
}

// TOMLKeys lists the toml keys of a decoded struct and the required ones, sorted.
func TOMLKeys(typ reflect.Type) (keys, required []string) {
	for f := range typ.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, name)
		if slices.Contains(strings.Split(opts, ","), "required") {
			required = append(required, name)
		}
	}
	sort.Strings(keys)
	sort.Strings(required)
	return keys, required
}

// CheckObject holds object s of the schema to struct typ: the same keys, the same
// required keys (the decoder's and lintRequired, those the lint requires so that it can
// say what is missing in its own words), and no other keys allowed.
func CheckObject(t testing.TB, where string, s *Schema, typ reflect.Type, lintRequired ...string) {
	t.Helper()
	keys, required := TOMLKeys(typ)
	required = append(required, lintRequired...)
	sort.Strings(required)
	if got := s.Keys(); !slices.Equal(got, keys) {
		t.Errorf("%s: schema properties %v, Go toml keys %v", where, got, keys)
	}
	req := slices.Clone(s.Required)
	sort.Strings(req)
	if !slices.Equal(req, required) {
		t.Errorf("%s: schema required %v, Go required %v", where, req, required)
	}
	if !s.Closed() {
		t.Errorf("%s: additionalProperties must be false (unknown keys are errors)", where)
	}
}

// Validate checks a decoded TOML document (map[string]any, as toml.Decode makes it)
// against the schema with a small draft-07 validator (type, const, enum, pattern,
// minimum and maximum, minItems, minLength, minProperties, required,
// additionalProperties): what an editor validating with the schema would say. It
// returns one line per problem, with the key's path.
func (root *Schema) Validate(t testing.TB, doc any) []string {
	t.Helper()
	return root.validate(t, "", doc, root)
}

func (root *Schema) validate(t testing.TB, path string, v any, s *Schema) []string {
	s = root.Resolve(t, s)
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, a...)) }
	if s.Const != nil && fmt.Sprint(s.Const) != fmt.Sprint(v) {
		bad("want %v", s.Const)
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		bad("%v not in %v", v, s.Enum)
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("not a string")
			break
		}
		if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(str) {
			bad("%q does not match %s", str, s.Pattern)
		}
		if len([]rune(str)) < s.MinLength {
			bad("too short")
		}
	case "integer":
		n, ok := v.(int64)
		if !ok {
			bad("not an integer")
			break
		}
		if s.Minimum != nil && float64(n) < *s.Minimum || s.Maximum != nil && float64(n) > *s.Maximum {
			bad("%d out of range", n)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("not a boolean")
		}
	case "array":
		var items []any
		switch a := v.(type) {
		case []any:
			items = a
		case []map[string]any:
			for _, m := range a {
				items = append(items, m)
			}
		default:
			bad("not an array")
		}
		if len(items) < s.MinItems {
			bad("fewer than %d items", s.MinItems)
		}
		for i, it := range items {
			errs = append(errs, root.validate(t, fmt.Sprintf("%s[%d]", path, i), it, s.Items)...)
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("not a table")
			break
		}
		if len(m) < s.MinProperties {
			bad("empty")
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				bad("missing %s", r)
			}
		}
		for k, val := range m {
			if child := s.Properties[k]; child != nil {
				errs = append(errs, root.validate(t, path+"."+k, val, child)...)
				continue
			}
			if s.Closed() {
				bad("unknown key %s", k)
			} else if ap := s.Others(); ap != nil {
				errs = append(errs, root.validate(t, path+"."+k, val, ap)...)
			}
		}
	}
	return errs
}
