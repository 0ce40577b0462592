package runbook

import (
	"strings"
	"testing"
)

// The default policies' calendar is this machine's zone; a policy that names a zone
// keeps it.
func TestDefaultPolicyRunsInTheLocalZone(t *testing.T) {
	for tz, want := range map[string]string{
		"America/New_York":                 "America/New_York",
		":Asia/Tokyo":                      "Asia/Tokyo",
		"/usr/share/zoneinfo/Europe/Paris": "Europe/Paris",
		"":                                 "UTC",
		"Mars/Olympus_Mons":                "UTC",
	} {
		t.Setenv("TZ", tz)
		if got := LocalZone(); got != want {
			t.Errorf("TZ=%q: LocalZone = %q, want %q", tz, got, want)
		}
		for _, name := range PresetNames() {
			p, _ := Preset(name)
			if p.Calendar.TimeZone != want || p.Calendar.Location.String() != want || !p.LocalZone {
				t.Errorf("TZ=%q: preset %s runs in %s (local %v)", tz, name, p.Calendar.TimeZone, p.LocalZone)
			}
			if !strings.Contains(string(p.Raw), `time_zone = "`+want+`"`) || p.Digest != digest(p.Raw) {
				t.Errorf("TZ=%q: preset %s does not carry its zone in the bytes an incident freezes", tz, name)
			}
		}
		if src, _ := PresetSource(DefaultPresetName); !strings.Contains(string(src), `time_zone = "local"`) {
			t.Error("the exported preset no longer says local")
		}
	}
	t.Setenv("TZ", "Asia/Tokyo")
	named, problems := ParsePolicy("p.toml", []byte(`schema = 1
name = "acme"
title = "t"
[calendar]
time_zone = "Europe/Brussels"
hours = "08:00-17:00"
days = ["mon"]
[[levels]]
name = "high"
rank = 1
description = "d"
respond_within = "1h"
resolve_within = "4h"
`))
	if len(problems) > 0 || named.Calendar.TimeZone != "Europe/Brussels" || named.LocalZone {
		t.Errorf("a named zone: %v %+v", problems, named)
	}
}
