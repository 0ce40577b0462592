// Package scenarios runs tabletop drills: the scenario format (TOML, schema 1) and its
// lint, the embedded library, the replay engine, the real-time driver, scoring and
// the after-action report, and the recording of a real incident as a scenario.
//
// A drill IS an incident: an incident started with Drill set and labelled with the
// scenario, its version and the seed, whose journal also holds the drill's own
// records (drill.inject, drill.decision, drill.expectation, drill.paused, ...; see
// events.go). The Engine is a pure fold over that journal plus a planner: no clock,
// no goroutine, no I/O. Give it the events and "now"; it says which record is due.
// The Drill wraps an Engine and the journal it writes to; Run drives a Drill on a
// clock.
//
// # For the drill screen (TUI)
//
// Start a drill (the incident comes back open, holding the writer lock; it is the
// drill's journal, and the team's commands go through it as on the incident screen):
//
//	sc, _ := lib.Get("paste-site-leak") // scenarios.LoadLibrary(dir, scenarios.Env{Runbooks: rbLib, Policy: pol})
//	rb, _ := rbLib.Get(sc.Runbook.ID)
//	inc, d, err := scenarios.Start(store, scenarios.StartOptions{
//		Scenario: sc, Runbook: rb, Policy: pol, Actor: actor, Seed: seed, Speed: 60, Now: now})
//
// Resume one after quitting (the engine is rebuilt by folding the journal):
//
//	inc, _ := store.Open(id, actor)
//	v, _ := store.Load(id)
//	d, err := scenarios.Resume(v, inc) // then d.Resume(now) if it was paused on quit
//
// Drive it: run scenarios.Run(ctx, d, scenarios.RealClock, scenarios.RunOptions{OnUpdate: f})
// in a goroutine (a tea.Cmd that lives as long as the screen); it steps the drill when
// something falls due and calls f with an Update: Fired (new injects: highlight them,
// ring the bell), Events (everything folded, team actions and verdicts alike) and
// Ended. f runs on Run's goroutine: send a message to the program (p.Send). Or,
// without Run, call d.Step(now) on a tick and schedule the next tick at d.NextWake(now).
//
// Team actions: every Drill method is safe from any goroutine, but *incident.Incident
// is not. Run each team command through the drill so it never overlaps a drill
// record, and so the drill sees it at once (met expectations, step-triggered injects):
//
//	u, err := d.WithJournal(func() error { return inc.CompleteStep(stepID, note) })
//
// Read the screen's state (each call takes the drill's lock briefly):
//
//	st := d.Status(now)   // st.Drill (drill clock), st.Story (in-game clock), st.Speed,
//	                      // st.Paused, st.Ended, st.Module (title, Questions: the current
//	                      // module's discussion questions), st.OpenDecisions, st.Score,
//	                      // st.NextInject/NextDue (facilitator only), st.Waiting
//	feed := d.Feed()      // every inject delivered, oldest first: Title, From, Channel,
//	                      // Body (Markdown, cleaned), Story, Drill, AdHoc; Notes are for
//	                      // the facilitator only, never show them to players
//	exps := d.Expectations(now) // each expectation: Verdict pending, overdue, met, late, missed
//
// Facilitator actions, each a journal event (refusals are *incident.Refused, their
// message fit for the status line):
//
//	d.Pause(now); d.Resume(now); d.SetSpeed(now, 30)   // 1 to 120
//	d.Skip(now)                                       // jump to the next scheduled inject
//	d.Trigger(now, injectID)                          // deliver an inject now
//	d.AddAdHoc(now, scenarios.AdHoc{From: "CFO", Channel: "phone", Title: "...", Body: "..."})
//	d.Decide(now, injectID, optionID)                 // answer an open decision
//	d.Stop(now)                                       // end early; open expectations are missed
//	d.Finalise(now)                                   // after the end: the plan becomes follow-ups
//
// Each returns an Update like Step's (the action and whatever fell due with it). At the
// end, the report: scenarios.BuildAAR(view, now) (Markdown, JSON, and Section() for
// incident.BuildReport); `muster incident report ID` adds it for every drill.
//
// # Time
//
// Drill time is real time elapsed since the start times the speed, tracked across
// speed changes, frozen while paused, jumped forward by a skip. Scenario offsets,
// delays, decision timeouts and expectation deadlines are drill time. Every record
// carries the drill time it belongs to (drill_ns) and the real instant it was made,
// so a journal folds to the same drill on any machine: the same scenario, seed and
// team actions give the same drill.
package scenarios
