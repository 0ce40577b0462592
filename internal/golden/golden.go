// Package golden compares test output with golden files under the calling package's
// testdata/golden, through goldie. It is the one place that knows how goldens are
// updated:
//
//	GOLDIE_UPDATE=1 go test ./...
//
// rewrites every golden of every package (review each changed file like code). The
// environment variable, not goldie's -update flag, is the switch: teatest's golden
// package defines -update too, so a test binary linking both would panic, and
// `go test ./... -update` fails in packages that define no such flag.
package golden

import (
	"os"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
)

// Dir is where goldens live, relative to the package under test.
const Dir = "testdata/golden"

// Updating reports whether this run rewrites goldens instead of comparing.
func Updating() bool {
	switch strings.ToLower(os.Getenv("GOLDIE_UPDATE")) {
	case "", "0", "false", "f", "no":
		return false
	}
	return true
}

// Assert compares got with testdata/golden/NAME.golden.
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	check(t, goldie.New(t, goldie.WithFixtureDir(Dir)), name, got)
}

// AssertFile compares got with testdata/golden/FILE, a name with its own extension
// (report.md, aar.json) so the golden opens in an editor as what it is.
func AssertFile(t testing.TB, file string, got []byte) {
	t.Helper()
	check(t, goldie.New(t, goldie.WithFixtureDir(Dir), goldie.WithNameSuffix("")), file, got)
}

func check(t testing.TB, g *goldie.Goldie, name string, got []byte) {
	t.Helper()
	if Updating() {
		if err := g.Update(t, name, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	g.Assert(t, name, got)
}
