package schematest

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

type fileThing struct {
	Name   string   `toml:"name,required"`
	Tags   []string `toml:"tags"`
	Hidden string   `toml:"-"`
	plain  string
}

// recorder keeps the errors a check reports instead of failing the test of the check.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}
func (r *recorder) Helper() {}

func load(t *testing.T, src string) *Schema {
	p := filepath.Join(t.TempDir(), "x.schema.json")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(t, p)
}

func TestCheckObject(t *testing.T) {
	_ = fileThing{}.plain
	root := load(t, `{"type":"object","additionalProperties":false,"required":["name"],
		"properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"$ref":"#/definitions/tag"}}},
		"definitions":{"tag":{"type":"string","enum":["a","b"]}}}`)
	if keys, req := TOMLKeys(reflect.TypeFor[fileThing]()); !slices.Equal(keys, []string{"name", "tags"}) || !slices.Equal(req, []string{"name"}) {
		t.Errorf("TOMLKeys: %v %v", keys, req)
	}
	CheckObject(t, "thing", root, reflect.TypeFor[fileThing]())
	if got := root.Item(t, root.Properties["tags"]).EnumStrings(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("enum %v", got)
	}

	for name, src := range map[string]string{
		"a key Go does not know":     `{"additionalProperties":false,"required":["name"],"properties":{"name":{},"tags":{},"extra":{}}}`,
		"a key the schema lacks":     `{"additionalProperties":false,"required":["name"],"properties":{"name":{}}}`,
		"required differs":           `{"additionalProperties":false,"properties":{"name":{},"tags":{}}}`,
		"unknown keys allowed":       `{"required":["name"],"properties":{"name":{},"tags":{}}}`,
		"other keys have any schema": `{"additionalProperties":{"type":"string"},"required":["name"],"properties":{"name":{},"tags":{}}}`,
	} {
		r := &recorder{TB: t}
		CheckObject(r, name, load(t, src), reflect.TypeFor[fileThing]())
		if len(r.errs) != 1 {
			t.Errorf("%s: %d errors %v, want 1", name, len(r.errs), strings.Join(r.errs, "; "))
		}
	}
	if o := load(t, `{"additionalProperties":{"type":"string"}}`).Others(); o == nil || o.Type != "string" {
		t.Errorf("Others: %+v", o)
	}
}
