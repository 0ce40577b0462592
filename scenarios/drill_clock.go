package scenarios

import (
	"math"
	"time"
)

// drillAt maps a real instant to drill time through the clock's segments (speed
// changes, pauses, skips).
func (e *Engine) drillAt(real time.Time) time.Duration {
	if len(e.segs) == 0 {
		return 0
	}
	i := len(e.segs) - 1
	for i > 0 && e.segs[i].real.After(real) {
		i--
	}
	s := e.segs[i]
	if s.paused || !real.After(s.real) {
		return s.drill
	}
	return s.drill + time.Duration(float64(real.Sub(s.real))*s.speed)
}

// drillNow is drill time at now; it never goes back before the last clock change.
func (e *Engine) drillNow(now time.Time) time.Duration {
	d := e.drillAt(now)
	if n := len(e.segs); n > 0 && d < e.segs[n-1].drill {
		d = e.segs[n-1].drill
	}
	return d
}

// realAt is the real instant drill time d is reached on the running clock.
func (e *Engine) realAt(d time.Duration) (time.Time, bool) {
	if len(e.segs) == 0 {
		return time.Time{}, false
	}
	s := e.segs[len(e.segs)-1]
	if s.paused {
		return time.Time{}, false
	}
	if d <= s.drill {
		return s.real, true
	}
	t := time.Duration(math.Ceil(float64(d-s.drill) / s.speed))
	for e.drillAt(s.real.Add(t)) < d {
		t++
	}
	return s.real.Add(t), true
}

func (e *Engine) addSegment(real time.Time, drill time.Duration, speed float64, paused bool) {
	e.segs = append(e.segs, segment{real: real, drill: drill, speed: speed, paused: paused})
	e.speed, e.paused = speed, paused
}

// DrillTime is drill time at now: real time elapsed since the start times the speed,
// without the pauses, plus any skips.
func (e *Engine) DrillTime(now time.Time) time.Duration {
	if e.ended {
		return time.Duration(e.end.Drill)
	}
	return e.drillNow(now)
}

// Story is the in-game clock at drill time d.
func (e *Engine) Story(d time.Duration) time.Time { return e.sc.StoryStart.Add(d) }
