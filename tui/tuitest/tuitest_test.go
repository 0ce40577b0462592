package tuitest

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestKeyNames(t *testing.T) {
	for name, want := range map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"space":     {Code: tea.KeySpace, Text: " "},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"ctrl+s":    {Code: 's', Mod: tea.ModCtrl},
		"q":         {Code: 'q', Text: "q"},
		"N":         {Code: 'N', Text: "N"},
	} {
		if got := Key(name); got != want {
			t.Errorf("Key(%q) = %+v, want %+v", name, got, want)
		}
	}
	if got := Key("ctrl+s").String(); got != "ctrl+s" {
		t.Errorf("ctrl+s reads as %q", got)
	}
}

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatal(c.Now())
	}
	c.Advance(90 * time.Second)
	if !c.Now().Equal(start.Add(90 * time.Second)) {
		t.Fatal(c.Now())
	}
}
