//go:build race

package journal

// raceEnabled: under the race detector the byte-flip test checks a tenth of its flips
// (the same code paths, at several times the cost per check).
const raceEnabled = true
