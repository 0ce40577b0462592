package tui

import (
	"charm.land/bubbles/v2/key"
)

// Each view has its own key map; each implements help.KeyMap, so the footer and the
// full help (?) are built from the same bindings that Update matches.

func bind(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// globalKeys work on every screen that is not taking text.
type globalKeys struct {
	Help key.Binding
	Quit key.Binding
	Back key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Help: bind([]string{"?"}, "?", "help"),
		Quit: bind([]string{"q"}, "q", "quit"),
		Back: bind([]string{"esc"}, "esc", "back"),
	}
}

// interruptKey quits from anywhere, even while a dialog takes text (asking once more
// when typed text would be lost).
var interruptKey = bind([]string{"ctrl+c"}, "ctrl+c", "quit")

type homeKeys struct {
	globalKeys
	Up, Down  key.Binding
	Switch    key.Binding
	SwitchBak key.Binding
	Open      key.Binding
	New       key.Binding
	Filter    key.Binding
	Refresh   key.Binding
	PageUp    key.Binding
	PageDown  key.Binding
	ClearFilt key.Binding
	Backup    key.Binding
	// While the runbook filter takes text: esc clears it, enter keeps it.
	FilterCancel key.Binding
	FilterDone   key.Binding
}

func newHomeKeys() homeKeys {
	return homeKeys{
		globalKeys: newGlobalKeys(),
		Up:         bind([]string{"up", "k"}, "↑/k", "up"),
		Down:       bind([]string{"down", "j"}, "↓/j", "down"),
		PageUp:     bind([]string{"pgup"}, "pgup", "page up"),
		PageDown:   bind([]string{"pgdown"}, "pgdn", "page down"),
		Switch:     bind([]string{"tab"}, "tab", "incidents/runbooks"),
		SwitchBak:  bind([]string{"shift+tab"}, "shift+tab", "previous section"),
		Open:       bind([]string{"enter"}, "enter", "resume incident / read runbook"),
		New:        bind([]string{"n"}, "n", "new incident"),
		Filter:     bind([]string{"/"}, "/", "filter runbooks"),
		ClearFilt:  bind([]string{"esc"}, "esc", "clear filter / back to incidents"),
		Refresh:    bind([]string{"ctrl+r"}, "ctrl+r", "reload incidents and runbooks"),
		Backup:     bind([]string{"b"}, "b", "check backups"),

		FilterCancel: bind([]string{"esc"}, "esc", "clear the filter"),
		FilterDone:   bind([]string{"enter", "down", "tab"}, "enter", "keep the filter"),
	}
}

func (k homeKeys) ShortHelp() []key.Binding {
	// The footer says "open" for Enter so b, ? and q still fit at 120 columns; the
	// full help says what Enter opens.
	open := k.Open
	open.SetHelp("enter", "open")
	return []key.Binding{open, k.New, k.Backup, k.Filter, k.Switch, k.Help, k.Quit}
}

func (k homeKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Switch, k.SwitchBak},
		{k.Open, k.New, k.Filter, k.ClearFilt, k.Refresh, k.Backup},
		{k.Help, k.Quit},
	}
}

type startKeys struct {
	Next      key.Binding
	Prev      key.Binding
	Up        key.Binding
	Down      key.Binding
	Create    key.Binding
	Cancel    key.Binding
	Submit    key.Binding // enter on the title starts the incident
	LevelPrev key.Binding // on the severity: no text is typed there
	LevelNext key.Binding
}

func newStartKeys() startKeys {
	return startKeys{
		Next:      bind([]string{"tab", "enter"}, "enter", "next field"),
		Prev:      bind([]string{"shift+tab"}, "shift+tab", "previous field"),
		Up:        bind([]string{"up", "ctrl+p"}, "↑", "previous choice"),
		Down:      bind([]string{"down", "ctrl+n"}, "↑/↓", "choose"),
		Create:    bind([]string{"ctrl+s"}, "ctrl+s", "start the incident"),
		Cancel:    bind([]string{"esc"}, "esc", "back to home"),
		Submit:    bind([]string{"enter"}, "enter", "start the incident (on the title)"),
		LevelPrev: bind([]string{"up", "k", "left", "h", "ctrl+p"}, "↑", "more severe"),
		LevelNext: bind([]string{"down", "j", "right", "l", "ctrl+n", "space"}, "↓", "less severe"),
	}
}

func (k startKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Create, k.Next, k.Down, k.Cancel, k.Prev}
}

func (k startKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Next, k.Prev}, {k.Create, k.Cancel}}
}

type incidentKeys struct {
	globalKeys
	Up, Down       key.Binding
	First, Last    key.Binding
	ScrollUp       key.Binding
	ScrollDown     key.Binding
	NextCmd        key.Binding
	PrevCmd        key.Binding
	Done           key.Binding
	Skip           key.Binding
	Undo           key.Binding
	Note           key.Binding
	IncNote        key.Binding
	Ack            key.Binding
	Assign         key.Binding
	FollowUps      key.Binding
	Close          key.Binding
	Impact         key.Binding
	Palette        key.Binding
	Attach         key.Binding
	Escalate       key.Binding
	Notify         key.Binding
	Severity       key.Binding
	Timeline       key.Binding
	Feed           key.Binding
	Report         key.Binding
	Copy           key.Binding
	Check          key.Binding
	StartFromBook  key.Binding // runbook read-only: start an incident with it
	readOnlyLayout bool
}

func newIncidentKeys(readOnly bool) incidentKeys {
	return incidentKeys{
		globalKeys:     newGlobalKeys(),
		Up:             bind([]string{"up", "k"}, "↑/k", "previous step"),
		Down:           bind([]string{"down", "j"}, "↓/j", "next step"),
		First:          bind([]string{"home", "g"}, "g", "first step"),
		Last:           bind([]string{"end", "G"}, "G", "last step"),
		ScrollUp:       bind([]string{"pgup", "ctrl+u"}, "pgup", "scroll step up"),
		ScrollDown:     bind([]string{"pgdown", "ctrl+d"}, "pgdn", "scroll step down"),
		NextCmd:        bind([]string{"]", "tab"}, "]", "next command"),
		PrevCmd:        bind([]string{"[", "shift+tab"}, "[", "previous command"),
		Done:           bind([]string{"space"}, "space", "done"),
		Skip:           bind([]string{"s"}, "s", "skip (asks why)"),
		Undo:           bind([]string{"u"}, "u", "undo done/skip"),
		Note:           bind([]string{"n"}, "n", "note on the step"),
		IncNote:        bind([]string{"N"}, "N", "note on the incident"),
		Ack:            bind([]string{"K"}, "K", "acknowledge"),
		Assign:         bind([]string{"R"}, "R", "assign a role"),
		FollowUps:      bind([]string{"F"}, "F", "follow-ups"),
		Close:          bind([]string{"C"}, "C", "resolve and close"),
		Impact:         bind([]string{"I"}, "I", "record an outage window"),
		Palette:        bind([]string{"ctrl+k"}, "ctrl+k", "all actions"),
		Attach:         bind([]string{"a"}, "a", "attach a file"),
		Escalate:       bind([]string{"e"}, "e", "escalate"),
		Notify:         bind([]string{"c"}, "c", "record a notice sent"),
		Severity:       bind([]string{"v"}, "v", "change severity"),
		Timeline:       bind([]string{"t"}, "t", "timeline"),
		Feed:           bind([]string{"enter"}, "enter", "read the activity feed"),
		Report:         bind([]string{"r"}, "r", "report preview"),
		Copy:           bind([]string{"y"}, "y", "copy command"),
		Check:          bind([]string{"x"}, "x", "run the step's check"),
		StartFromBook:  bind([]string{"n"}, "n", "start an incident with it"),
		readOnlyLayout: readOnly,
	}
}

func (k incidentKeys) ShortHelp() []key.Binding {
	if k.readOnlyLayout {
		return []key.Binding{k.Down, k.Copy, k.StartFromBook, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Done, k.Palette, k.Note, k.Skip, k.Escalate, k.Notify, k.Timeline, k.Help, k.Quit}
}

func (k incidentKeys) FullHelp() [][]key.Binding {
	if k.readOnlyLayout {
		return [][]key.Binding{
			{k.Up, k.Down, k.First, k.Last, k.ScrollUp, k.ScrollDown},
			{k.NextCmd, k.PrevCmd, k.Copy},
			{k.StartFromBook, k.Back, k.Help, k.Quit},
		}
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.First, k.Last, k.ScrollUp, k.ScrollDown, k.NextCmd, k.PrevCmd},
		{k.Done, k.Skip, k.Undo, k.Note, k.Attach, k.Check, k.Copy},
		{k.Escalate, k.Notify, k.Severity, k.IncNote, k.Ack, k.Assign, k.FollowUps, k.Impact, k.Close},
		{k.Timeline, k.Feed, k.Report, k.Palette},
		{k.Back, k.Help, k.Quit},
	}
}

type timelineKeys struct {
	scrollKeys
	Read         key.Binding
	Search       key.Binding
	SearchDone   key.Binding
	SearchCancel key.Binding
	Filter       key.Binding
	FilterBack   key.Binding
	Close        key.Binding
	Help         key.Binding
}

func newTimelineKeys() timelineKeys {
	return timelineKeys{
		scrollKeys:   newScrollKeys("oldest", "newest"),
		Read:         bind([]string{"enter"}, "enter", "read the entry in full"),
		Search:       bind([]string{"/"}, "/", "search"),
		SearchDone:   bind([]string{"enter", "down"}, "enter", "keep the search"),
		SearchCancel: bind([]string{"esc"}, "esc", "clear the search"),
		Filter:       bind([]string{"f"}, "f", "next kind (notes, notices…)"),
		FilterBack:   bind([]string{"F"}, "F", "previous kind"),
		Close:        bind([]string{"esc", "t", "q"}, "q/esc", "close"),
		Help:         bind([]string{"?"}, "?", "help"),
	}
}

func (k timelineKeys) ShortHelp() []key.Binding {
	// Short words in the bar, so more hints fit before ? and q; the full help says more.
	read, filter := k.Read, k.Filter
	read.SetHelp("enter", "read")
	filter.SetHelp("f", "kind")
	return []key.Binding{read, k.Search, filter, k.Down, k.Last, k.Help, k.Close}
}

func (k timelineKeys) FullHelp() [][]key.Binding {
	// What the timeline does first: on a small screen the help's first rows show it.
	return [][]key.Binding{{k.Read, k.Search, k.Filter, k.FilterBack, k.Help, k.Close}, {k.Up, k.Down, k.PageUp, k.PageDown, k.First, k.Last}}
}

// searchKeys are the timeline's keys while its search takes the text.
type searchKeys struct{ k timelineKeys }

func (s searchKeys) ShortHelp() []key.Binding {
	return []key.Binding{s.k.SearchDone, s.k.SearchCancel}
}

func (s searchKeys) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

type pagerKeys struct {
	scrollKeys
	Close key.Binding
}

func newPagerKeys(closeKeys ...string) pagerKeys {
	return pagerKeys{
		scrollKeys: newScrollKeys("top", "bottom"),
		Close:      bind(append([]string{"esc", "q"}, closeKeys...), "q/esc", "close"),
	}
}

func (k pagerKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.PageDown, k.First, k.Last, k.Close}
}

func (k pagerKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {k.First, k.Last, k.Close}}
}

type dialogKeys struct {
	Save       key.Binding
	NextFld    key.Binding
	PrevFld    key.Binding
	Cancel     key.Binding
	Enter      key.Binding // next field, or save on the last one (not in a text area)
	ChoicePrev key.Binding
	ChoiceNext key.Binding
	Complete   key.Binding
	CompPrev   key.Binding
	CompNext   key.Binding
}

func newDialogKeys() dialogKeys {
	return dialogKeys{
		Save:       bind([]string{"ctrl+s"}, "ctrl+s", "save"),
		NextFld:    bind([]string{"tab"}, "tab", "next field"),
		PrevFld:    bind([]string{"shift+tab"}, "shift+tab", "previous field"),
		Cancel:     bind([]string{"esc"}, "esc", "cancel (text kept)"),
		Enter:      bind([]string{"enter"}, "enter", "next field / save"),
		ChoicePrev: bind([]string{"left", "up", "h", "k"}, "←", "previous choice"),
		ChoiceNext: bind([]string{"right", "down", "l", "j", "space"}, "→", "next choice"),
		Complete:   bind([]string{"tab"}, "tab", "complete path"),
		CompPrev:   bind([]string{"up", "ctrl+p"}, "↑", "previous completion"),
		CompNext:   bind([]string{"down", "ctrl+n"}, "↓", "next completion"),
	}
}

// drillKeys are the facilitator's keys on the drill screen, on top of the incident
// screen's: the team works the runbook with the usual keys meanwhile.
type drillKeys struct {
	Pause    key.Binding
	Faster   key.Binding
	Slower   key.Binding
	Next     key.Binding
	Trigger  key.Binding
	AdHoc    key.Binding
	Decide   key.Binding
	Feed     key.Binding
	AfterRep key.Binding
	Stop     key.Binding
	Observe  key.Binding
}

func newDrillKeys() drillKeys {
	return drillKeys{
		Pause:    bind([]string{"p"}, "p", "pause/resume the drill"),
		Faster:   bind([]string{"+", "="}, "+", "faster"),
		Slower:   bind([]string{"-"}, "-", "slower"),
		Next:     bind([]string{">"}, ">", "next inject now (skip)"),
		Trigger:  bind([]string{"!"}, "!", "trigger an inject"),
		AdHoc:    bind([]string{"i"}, "i", "ad-hoc inject"),
		Decide:   bind([]string{"d"}, "d", "answer the open decision"),
		Feed:     bind([]string{"f"}, "f", "inject feed in full"),
		AfterRep: bind([]string{"A"}, "A", "after-action report"),
		Stop:     bind([]string{"S"}, "S", "stop the drill (twice)"),
		Observe:  bind([]string{"o"}, "o", "record an evaluator's observation"),
	}
}

// drillKeyMap is the drill screen's help: the facilitator's keys, then the team's.
type drillKeyMap struct {
	inc   incidentKeys
	drill drillKeys
}

func (k drillKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.inc.Done, k.inc.Note, k.drill.Pause, k.drill.Faster, k.drill.Slower, k.drill.Decide, k.drill.AdHoc, k.inc.Help, k.inc.Quit}
}

func (k drillKeyMap) FullHelp() [][]key.Binding {
	d := k.drill
	return append([][]key.Binding{
		{d.Pause, d.Faster, d.Slower, d.Next, d.Trigger},
		{d.AdHoc, d.Decide, d.Feed, d.AfterRep, d.Stop, d.Observe},
	}, k.inc.FullHelp()...)
}
