package runbook

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is a semantic version (semver.org 2.0.0): MAJOR.MINOR.PATCH with an
// optional -pre-release and +build metadata. No leading "v".
type Version struct {
	Major, Minor, Patch int
	Pre                 string // dot-separated pre-release identifiers, without the '-'
	Build               string // dot-separated build metadata, without the '+'
}

// ParseVersion parses a semantic version strictly: no leading zeros in numbers, no
// empty identifiers, only [0-9A-Za-z-] in identifiers.
func ParseVersion(s string) (Version, error) {
	var v Version
	bad := func(why string) (Version, error) {
		return Version{}, fmt.Errorf("%q is not a semantic version like 1.2.0 (semver.org): %s", s, why)
	}
	if s == "" {
		return bad("empty")
	}
	core, build, hasBuild := strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	if hasBuild {
		if err := checkIdents(build, false); err != nil {
			return bad("build metadata " + err.Error())
		}
		v.Build = build
	}
	if hasPre {
		if err := checkIdents(pre, true); err != nil {
			return bad("pre-release " + err.Error())
		}
		v.Pre = pre
	}
	if strings.HasPrefix(core, "v") || strings.HasPrefix(core, "V") {
		return bad("no leading v")
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return bad("want three numbers MAJOR.MINOR.PATCH")
	}
	for i, p := range parts {
		n, err := parseNumeric(p)
		if err != nil {
			return bad([]string{"major", "minor", "patch"}[i] + " " + err.Error())
		}
		switch i {
		case 0:
			v.Major = n
		case 1:
			v.Minor = n
		case 2:
			v.Patch = n
		}
	}
	return v, nil
}

func parseNumeric(p string) (int, error) {
	if p == "" {
		return 0, errors.New("is empty")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Errorf("%q is not a number", p)
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", p)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", p)
	}
	return n, nil
}

// checkIdents validates dot-separated identifiers; numeric pre-release identifiers
// must not have leading zeros.
func checkIdents(s string, pre bool) error {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return errors.New("has an empty identifier")
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-':
				numeric = false
			default:
				return fmt.Errorf("%q may hold only letters, digits and '-'", id)
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return fmt.Errorf("%q has a leading zero", id)
		}
	}
	return nil
}

// String formats v as MAJOR.MINOR.PATCH[-PRE][+BUILD].
func (v Version) String() string {
	s := strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) + "." + strconv.Itoa(v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}

// IsZero reports whether v is the zero value (never a parsed version's state unless
// the text was 0.0.0).
func (v Version) IsZero() bool { return v == Version{} }

// Compare orders versions by semver precedence: -1 if v < o, 0 if equal, +1 if v > o.
// Build metadata does not count; a pre-release sorts before its release.
func (v Version) Compare(o Version) int {
	for _, d := range [3]int{v.Major - o.Major, v.Minor - o.Minor, v.Patch - o.Patch} {
		if d != 0 {
			return sign(d)
		}
	}
	switch {
	case v.Pre == o.Pre:
		return 0
	case v.Pre == "":
		return 1
	case o.Pre == "":
		return -1
	}
	a, b := strings.Split(v.Pre, "."), strings.Split(o.Pre, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareIdent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

// compareIdent compares two pre-release identifiers: numeric ones by value (of any
// length), numeric before alphanumeric, alphanumeric in ASCII order.
func compareIdent(a, b string) int {
	an, bn := isDigits(a), isDigits(b)
	switch {
	case an && bn:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			return sign(len(a) - len(b))
		}
		return strings.Compare(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// MarshalText writes v as its string, so JSON and TOML carry "1.2.0".
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses a semantic version; the decoder reports its error at the value.
func (v *Version) UnmarshalText(b []byte) error {
	p, err := ParseVersion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
