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

// Presets are parsed one at a time, when asked for (a command needs one, not all
// four: parsing all of them cost every TUI start three policy parses more), and per
// local zone: a preset's calendar is this machine's zone (time_zone = "local"), which
// a test may change with TZ. A preset's file is named after it: presets/NAME.toml.
var (
	presetsMu     sync.Mutex
	presetsByZone = map[string]map[string]*Policy{}
)

// Preset returns a built-in severity policy by name.
func Preset(name string) (*Policy, bool) {
	if name == "" || strings.ContainsAny(name, "/\\.") {
		return nil, false
	}
	data, err := presetFS.ReadFile("presets/" + name + ".toml")
	if err != nil {
		return nil, false
	}
	zone := LocalZone()
	presetsMu.Lock()
	defer presetsMu.Unlock()
	parsed := presetsByZone[zone]
	if parsed == nil {
		parsed = map[string]*Policy{}
		presetsByZone[zone] = parsed
	}
	if p, ok := parsed[name]; ok {
		return p, true
	}
	p, problems := ParsePolicy("presets/"+name+".toml", data)
	if len(problems) > 0 {
		panic("built-in policy preset is broken:\n" + problems.Error())
	}
	if p.Name != name {
		panic("built-in policy preset presets/" + name + ".toml is named " + p.Name)
	}
	p.Source = "preset"
	parsed[name] = p
	return p, true
}

// PresetNames lists the built-in policies.
func PresetNames() []string {
	var names []string
	entries, _ := presetFS.ReadDir("presets")
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			names = append(names, name)
		}
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
