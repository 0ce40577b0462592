//go:build !race

package tomldoc

const raceEnabled = false
