//go:build race

package tui

// raceEnabled: timings mean nothing under the race detector.
const raceEnabled = true
