package main

import (
	"os"
	"strings"
	"testing"

	"github.com/muster-ir/muster/internal/cutproxy"
	"github.com/muster-ir/muster/runbook/incident"
)

// noteWhileTheStoreStalls: the team store of incident id sits behind a proxy that
// takes every connection and never answers (a blackholed path, a stalled proxy). A
// note with MUSTER_STORE_WAIT, and one with --store-wait, each return with one line
// saying the store did not answer and the note is queued on this machine; team sync,
// which needs the store's listing, fails with exit 2 saying so. Once the proxy passes
// traffic again, team sync shares both notes, in the order they were written. (Part
// of a test that has moto running already: a moto start costs more than this.)
func noteWhileTheStoreStalls(t *testing.T, c *cli, id string) {
	t.Helper()
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	px := cutproxy.New(t, strings.TrimPrefix(endpoint, "http://"))
	t.Setenv("AWS_ENDPOINT_URL", px.URL())
	px.Stall()
	const wait = "100ms" // a test's bound; the default is team.DefaultAnswerWait
	t.Setenv("MUSTER_STORE_WAIT", wait)
	notes := []string{"db failover started (store silent)", "db failover done (store silent)"}
	for i, args := range [][]string{
		{"incident", "note", id, notes[0]},
		{"--store-wait", wait, "incident", "note", id, notes[1]},
	} {
		if i == 1 {
			os.Unsetenv("MUSTER_STORE_WAIT") // the flag alone bounds this one
		}
		out := c.ok(args...)
		want := id + ": s3://muster-team/acme did not answer within " + wait + ": saved on this machine, queued offline, not yet shared: "
		if !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 || strings.Contains(out, "operation error") {
			t.Errorf("muster %s against a silent store: %q, want one line %q…", strings.Join(args, " "), out, want)
		}
	}
	st := &incident.Store{DataDir: c.home}
	if n := incident.Pending(st.Dir(id)); n != 2 {
		t.Fatalf("outbox after two notes against a silent store: %d events, want 2", n)
	}
	if errs := c.exits(2, "--store-wait", wait, "team", "sync"); !strings.Contains(errs, "did not answer within "+wait) {
		t.Errorf("team sync against a silent store: %q, want it to say the store did not answer", errs)
	}

	px.Resume()
	if out := c.ok("team", "sync"); !strings.Contains(out, "published 2 queued events") {
		t.Errorf("team sync with the store answering again: %q, want both notes shared", out)
	}
	if n := incident.Pending(st.Dir(id)); n != 0 {
		t.Errorf("outbox after team sync: %d events, want none", n)
	}
	v, err := st.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range v.Events {
		for _, n := range notes {
			if strings.Contains(incident.Describe(e), n) {
				got = append(got, n)
			}
		}
	}
	if strings.Join(got, "|") != strings.Join(notes, "|") {
		t.Errorf("the shared journal's notes: %q, want each once, in the order written: %q", got, notes)
	}
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
}

// A bad MUSTER_STORE_WAIT or --store-wait is refused with exit 2 when a store is
// named, before anything is asked of it; a local command does not read it.
func TestStoreWaitIsChecked(t *testing.T) {
	c := newCLI(t)
	t.Setenv("MUSTER_STORE", "")
	t.Setenv("MUSTER_STORE_WAIT", "soon")
	c.ok("incident", "list")
	if errs := c.exits(2, "--store", "s3://muster-team/acme", "incident", "list"); !strings.Contains(errs, `MUSTER_STORE_WAIT="soon": want a duration`) {
		t.Errorf("a bad MUSTER_STORE_WAIT: %q", errs)
	}
	if errs := c.exits(2, "--store", "s3://muster-team/acme", "--store-wait", "0s", "incident", "list"); !strings.Contains(errs, "--store-wait 0s: want a duration above 0") {
		t.Errorf("--store-wait 0s: %q", errs)
	}
}
