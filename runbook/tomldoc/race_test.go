//go:build race

package tomldoc

// raceEnabled: under the race detector the random-document tests run a tenth of their
// documents (they are single-threaded; the detector has nothing to find in them).
const raceEnabled = true
