//go:build race

package hugepages

// raceDetector: the race detector's shadow memory faults in 4 KiB pages whatever the
// heap does, so fault counts say nothing under it.
const raceDetector = true
