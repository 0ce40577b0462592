package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook/untrusted"
	"github.com/muster-ir/muster/scenarios"
)

// drillCourier builds the delivery of a drill's injects to its roles' webhooks
// (config.toml's [drill.webhooks], the scenario's env variables and URLs) and prints
// where each role's injects go. nil when no role has a webhook.
func (g *globals) drillCourier(d *scenarios.Drill, notes io.Writer) (*scenarios.Courier, error) {
	cfg, err := g.settings()
	if err != nil {
		return nil, err
	}
	hooks := map[string]scenarios.WebhookSetting{}
	for role, w := range cfg.Drill.Webhooks {
		hooks[role] = scenarios.WebhookSetting{URL: w.URL, Format: w.Format}
	}
	routes, lines := scenarios.Routes(d.Scenario(), hooks, os.Getenv)
	for _, l := range lines {
		fmt.Fprintln(notes, "webhook: "+untrusted.Line(l))
	}
	if len(routes) == 0 {
		return nil, nil
	}
	return scenarios.NewCourier(d.Scenario(), d.ID, routes, scenarios.CourierOptions{Backoff: webhookBackoff}), nil
}

// webhookBackoff is the wait before a webhook's second try (doubled each try, 4
// tries); tests shorten it.
var webhookBackoff = time.Second

// closeCourier lets the webhooks take what is queued for up to 30 seconds (3 when the
// drill was interrupted), then gives up: what was not sent is recorded as not
// delivered.
func closeCourier(c *scenarios.Courier, interrupted bool) {
	if c == nil {
		return
	}
	wait := 30 * time.Second
	if interrupted {
		wait = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c.Close(ctx) //nolint:errcheck // what did not go is recorded and printed
}

// screenCouriers gives each drill the TUI opens its webhook delivery, and closes them
// all when the TUI returns.
type screenCouriers struct {
	g     *globals
	mu    sync.Mutex
	list  []*scenarios.Courier
	fresh string // the drill this process just started: its T+0 injects are posted too
}

func (sc *screenCouriers) attach(d *scenarios.Drill) {
	c, err := sc.g.drillCourier(d, io.Discard) // the routes were printed before the screen opened
	if err != nil || c == nil {
		return
	}
	sc.mu.Lock()
	fresh := sc.fresh == d.ID
	sc.fresh = ""
	sc.list = append(sc.list, c)
	sc.mu.Unlock()
	d.SetCourier(c, fresh)
}

func (sc *screenCouriers) close() {
	sc.mu.Lock()
	list := sc.list
	sc.list = nil
	sc.mu.Unlock()
	for _, c := range list {
		closeCourier(c, true)
	}
}

// printRoutes prints where a drill's injects go, before the screen takes the terminal.
func (g *globals) printRoutes(id string) {
	v, err := g.store().Load(id)
	if err != nil {
		return
	}
	e, err := scenarios.Rebuild(v)
	if err != nil {
		return
	}
	cfg, err := g.settings()
	if err != nil {
		return
	}
	hooks := map[string]scenarios.WebhookSetting{}
	for role, w := range cfg.Drill.Webhooks {
		hooks[role] = scenarios.WebhookSetting{URL: w.URL, Format: w.Format}
	}
	_, lines := scenarios.Routes(e.Scenario(), hooks, os.Getenv)
	for _, l := range lines {
		fmt.Fprintln(g.Stdout, "webhook: "+untrusted.Line(l))
	}
}
