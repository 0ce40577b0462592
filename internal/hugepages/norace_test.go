//go:build !race

package hugepages

const raceDetector = false
