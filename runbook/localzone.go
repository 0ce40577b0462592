package runbook

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// LocalZoneName is the value of a calendar's time_zone that means "this machine's time
// zone": the default policies use it, so deadlines and reports are in the responder's
// own zone unless a policy names one.
const LocalZoneName = "local"

// LocalZone is the IANA name of this machine's time zone: $TZ when set (empty is UTC,
// as for the C library), else the target of /etc/localtime, else /etc/timezone, else
// UTC. It reads them at every call, so a test sets TZ and sees it.
func LocalZone() string {
	if tz, ok := os.LookupEnv("TZ"); ok {
		return zoneName(strings.TrimPrefix(tz, ":"))
	}
	if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil && strings.Contains(target, "zoneinfo/") {
		return zoneName(target)
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		return zoneName(strings.TrimSpace(string(b)))
	}
	return "UTC"
}

// zoneName turns a TZ value or a zoneinfo path into a zone name Go can load, or UTC.
func zoneName(s string) string {
	if _, after, ok := strings.Cut(s, "zoneinfo/"); ok {
		s = after
	}
	if s == "" || strings.HasPrefix(s, "/") || strings.EqualFold(s, "local") {
		return "UTC"
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "UTC"
	}
	return s
}

var localZoneRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^([ \t]*(?:calendar[ \t]*\.[ \t]*)?time_zone[ \t]*=[ \t]*)(?:"local"|'local')`)
})

// resolveLocalZone writes this machine's zone into a policy whose calendar says
// time_zone = "local", so the bytes parsed, digested and frozen into an incident name
// the zone its deadlines were computed in (a teammate elsewhere reads the same
// deadlines). Only the value changes: line and column numbers stay.
func resolveLocalZone(data []byte) ([]byte, bool) {
	// Every match holds the quoted word: most policies (an incident's frozen one
	// always) skip compiling the pattern.
	if !bytes.Contains(data, []byte(`"`+LocalZoneName+`"`)) && !bytes.Contains(data, []byte(`'`+LocalZoneName+`'`)) || !localZoneRE().Match(data) {
		return data, false
	}
	return localZoneRE().ReplaceAll(data, []byte(`${1}"`+LocalZone()+`"`)), true
}
