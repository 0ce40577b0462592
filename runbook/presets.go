package runbook

import (
	"embed"
	"sort"
	"strings"
	"sync"
)

//go:embed presets/*.toml
var presetFS embed.FS

// DefaultPresetName is the policy used when none is given.
const DefaultPresetName = "ir-four-level"

// presets are parsed per local zone: a preset's calendar is this machine's zone
// (time_zone = "local"), which a test may change with TZ.
var (
	presetsMu     sync.Mutex
	presetsByZone = map[string]map[string]*Policy{}
)

func presets() map[string]*Policy {
	zone := LocalZone()
	presetsMu.Lock()
	defer presetsMu.Unlock()
	if out, ok := presetsByZone[zone]; ok {
		return out
	}
	out := map[string]*Policy{}
	entries, _ := presetFS.ReadDir("presets")
	for _, e := range entries {
		data, _ := presetFS.ReadFile("presets/" + e.Name())
		p, problems := ParsePolicy("presets/"+e.Name(), data)
		if len(problems) > 0 {
			panic("built-in policy preset is broken:\n" + problems.Error())
		}
		p.Source = "preset"
		out[p.Name] = p
	}
	presetsByZone[zone] = out
	return out
}

// Preset returns a built-in severity policy by name.
func Preset(name string) (*Policy, bool) {
	p, ok := presets()[name]
	return p, ok
}

// PresetNames lists the built-in policies.
func PresetNames() []string {
	var names []string
	for n := range presets() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PresetSource returns the TOML text of a preset, to copy and adapt.
func PresetSource(name string) ([]byte, bool) {
	if strings.ContainsAny(name, "/\\.") {
		return nil, false
	}
	data, err := presetFS.ReadFile("presets/" + name + ".toml")
	return data, err == nil
}

// DefaultPolicy is the default preset, ir-four-level (critical/high/medium/low, with
// escalation).
func DefaultPolicy() *Policy {
	p, _ := Preset(DefaultPresetName)
	return p
}
