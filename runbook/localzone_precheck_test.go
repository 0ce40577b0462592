package runbook

import "testing"

// resolveLocalZone skips its pattern when the quoted word is absent: it must answer as
// the pattern alone would.
func TestResolveLocalZoneAnswersAsItsPattern(t *testing.T) {
	for _, s := range []string{
		`time_zone = "local"`, `time_zone = 'local'`, "  calendar.time_zone\t=\t\"local\"", `time_zone = "Etc/UTC" # see /etc/localtime`,
		`time_zone = local`, `time_zone = "Local"`, `name = "local"`, "", `# time_zone = "local"`, "[calendar]\ntime_zone = \"local\"\n",
	} {
		_, got := resolveLocalZone([]byte(s))
		if want := localZoneRE().MatchString(s); got != want {
			t.Errorf("%q: resolved %v, the pattern says %v", s, got, want)
		}
	}
}
