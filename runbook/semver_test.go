package runbook

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
	}{
		{"1.0.0", Version{Major: 1}},
		{"0.0.0", Version{}},
		{"10.20.30", Version{10, 20, 30, "", ""}},
		{"1.2.3-rc.1", Version{1, 2, 3, "rc.1", ""}},
		{"1.2.3-0.3.7", Version{1, 2, 3, "0.3.7", ""}},
		{"1.2.3-x-y-z.--", Version{1, 2, 3, "x-y-z.--", ""}},
		{"1.0.0-alpha+001", Version{1, 0, 0, "alpha", "001"}},
		{"1.0.0+20130313144700", Version{1, 0, 0, "", "20130313144700"}},
		{"1.0.0-beta+exp.sha.5114f85", Version{1, 0, 0, "beta", "exp.sha.5114f85"}},
		{"2.0.0-0a", Version{2, 0, 0, "0a", ""}},
	} {
		got, err := ParseVersion(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestParseVersionRejects(t *testing.T) {
	for _, tc := range []struct{ in, why string }{
		{"", "empty"},
		{"1.0", "want three numbers"},
		{"1.0.0.0", "want three numbers"},
		{"v1.0.0", "no leading v"},
		{"01.0.0", `major "01" has a leading zero`},
		{"1.02.0", `minor "02" has a leading zero`},
		{"1.0.x", `patch "x" is not a number`},
		{"1..0", "minor is empty"},
		{"1.0.0-", "pre-release has an empty identifier"},
		{"1.0.0-rc..1", "pre-release has an empty identifier"},
		{"1.0.0-01", `pre-release "01" has a leading zero`},
		{"1.0.0-rc_1", `pre-release "rc_1" may hold only letters, digits and '-'`},
		{"1.0.0+", "build metadata has an empty identifier"},
		{"1.0.0+a+b", `build metadata "a+b" may hold only`},
		{"99999999999999999999.0.0", `major "99999999999999999999" is too large`},
		{" 1.0.0", "not a number"},
		{"-1.0.0", "want three numbers"},
	} {
		_, err := ParseVersion(tc.in)
		if err == nil {
			t.Errorf("ParseVersion(%q) accepted", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), "is not a semantic version like 1.2.0") {
			t.Errorf("ParseVersion(%q) error %q, want it to say %q", tc.in, err, tc.why)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	// The precedence chain of semver.org 2.0.0, item 11, plus build metadata and numbers.
	chain := []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0-1", "2.0.0-2",
		"2.0.0-10", "2.0.0-99999999999999999999999", "2.0.0-a", "2.0.0",
	}
	vs := make([]Version, len(chain))
	for i, s := range chain {
		v, err := ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		vs[i] = v
	}
	for i := range vs {
		for j := range vs {
			want := sign(i - j)
			if got := vs[i].Compare(vs[j]); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", chain[i], chain[j], got, want)
			}
		}
	}
	a, _ := ParseVersion("1.0.0+build.1")
	b, _ := ParseVersion("1.0.0+build.2")
	if a.Compare(b) != 0 {
		t.Errorf("build metadata must not count in precedence")
	}
}

func TestVersionText(t *testing.T) {
	var v Version
	if err := v.UnmarshalText([]byte("1.4.0-rc.2")); err != nil || v.String() != "1.4.0-rc.2" {
		t.Fatalf("UnmarshalText: %v %v", v, err)
	}
	b, _ := v.MarshalText()
	if string(b) != "1.4.0-rc.2" {
		t.Fatalf("MarshalText = %s", b)
	}
	if err := v.UnmarshalText([]byte("1.4")); err == nil {
		t.Fatal("UnmarshalText accepted 1.4")
	}
	if v.String() != "1.4.0-rc.2" {
		t.Fatal("a failed UnmarshalText changed the version")
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0.0", "1.2.3-rc.1+build.5", "01.0.0", "1.0.0-", "v1.2.3", "1.0.0-0.3.7", "9999999999999999999.0.0", "1.0.0-a.b.c.d.e+x-y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		// A parsed version prints back to the same text and compares equal to itself.
		if v.String() != s {
			t.Fatalf("ParseVersion(%q).String() = %q", s, v.String())
		}
		w, err := ParseVersion(v.String())
		if err != nil || w != v || v.Compare(w) != 0 {
			t.Fatalf("round trip of %q: %+v %v", s, w, err)
		}
	})
}
