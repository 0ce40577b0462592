package runbook

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestReadmeExampleIsCompleteAndValid: the README's runbook example lints clean and
// writes every key of the format at least once, so a reader sees them all.
func TestReadmeExampleIsCompleteAndValid(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "### Runbook (TOML)")
	if !ok {
		t.Fatal(`README.md has no "### Runbook (TOML)" section`)
	}
	_, block, ok := strings.Cut(section, "```toml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the runbook section has no ```toml example")
	}
	if _, ps := Parse("README.md", []byte(block), nil); len(ps) > 0 {
		t.Fatalf("the README example has problems:\n%v", ps)
	}
	var raw map[string]any
	if _, err := toml.Decode(block, &raw); err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	collectKeys(raw, "", written)
	want := map[string]bool{}
	expectKeys(reflect.TypeFor[fileRunbook](), "", want)
	var missing []string
	for k := range want {
		if !written[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the README example never writes: %s", strings.Join(missing, ", "))
	}
}

// collectKeys records key paths with phase names and array indices folded away:
// phases.*.steps.id, communication.audience.
func collectKeys(v any, prefix string, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := join(prefix, k)
			if prefix == "phases" {
				p = "phases.*"
			}
			out[p] = true
			collectKeys(e, p, out)
		}
	case []map[string]any:
		for _, e := range v {
			collectKeys(e, prefix, out)
		}
	}
}

func expectKeys(t reflect.Type, prefix string, out map[string]bool) {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := join(prefix, name)
		out[p] = true
		ft := f.Type
		for ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct || ft.Kind() == reflect.Map {
			if ft.Kind() == reflect.Map {
				p = join(p, "*")
				out[p] = true
			}
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Version]() {
			expectKeys(ft, p, out)
		}
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
