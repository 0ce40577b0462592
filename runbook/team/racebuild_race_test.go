//go:build race

package team

// raceDetector: this test binary runs under the race detector, which slows every
// process several times over.
const raceDetector = true
