// Package testtz pins the zone of "this machine" for tests: a test package imports it
// for its side effect (import _ ".../internal/testtz"), and the default policies'
// calendar (time_zone = "local") is Europe/Brussels, the zone their fixtures were
// written in, on any machine. time.Local is loaded first, so it stays the machine's.
package testtz

import (
	"os"
	"time"
)

// Zone is the zone tests run the default policies in.
const Zone = "Europe/Brussels"

func init() {
	_ = time.Now().Local() // time.Local keeps the machine's zone, read before TZ changes
	os.Setenv("TZ", Zone)
}
