package policy

import (
	"strings"
	"testing"
	"time"
)

const (
	west    = "eu-west-1"
	central = "eu-central-1"
	day     = 24 * time.Hour
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"6h": 6 * time.Hour, "30m": 30 * time.Minute, "2d": 2 * day, "1d12h": 36 * time.Hour, "0s": 0} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "6", "-1h", "d", "1.5d", "1dd", "h6", "99999999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "us-isob-east-1", "il-central-1"} {
		if !ValidRegion(r) {
			t.Errorf("%s refused", r)
		}
	}
	for _, r := range []string{"us-west-2a", "eu-west", "EU-WEST-1", "", "eu_west_1", "eu-west-1 "} {
		if ValidRegion(r) {
			t.Errorf("%q accepted", r)
		}
	}
	if msg := regionError("us-west-2a"); !strings.Contains(msg, `did you mean "us-west-2"`) {
		t.Errorf("%s", msg)
	}
}
