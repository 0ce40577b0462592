package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/untrusted"
)

// Inject delivery to players: a role's injects are posted to its chat webhook as they
// fire. Delivery is off the drill clock's path: the drill hands each fired inject to
// the Courier, which queues it per role and returns at once; one goroutine per role
// posts them in order, retrying a bounded number of times. An inject that cannot be
// delivered is recorded in the drill journal (drill.delivery) and shown; replies are
// not read.

var envName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// checkWebhookURL accepts an absolute http or https URL with a host.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("a webhook URL starts with https:// (or http://), not %q", u.Scheme+":")
	}
	if u.Host == "" {
		return errors.New("the webhook URL has no host")
	}
	return nil
}

// WebhookSetting is a role's webhook from muster's config.toml ([drill.webhooks.ROLE]):
// it wins over the scenario's.
type WebhookSetting struct {
	URL    string
	Format string // empty: the scenario's, else slack
}

// Route is where one role's injects go.
type Route struct {
	Role   string
	URL    string // a secret: never printed or journaled whole (see Target)
	Format string
	Source string // config.toml, $VARIABLE or the scenario
}

// Target is the route's URL without path, query or credentials: what muster prints
// and records.
func (r Route) Target() string { return webhookTarget(r.URL) }

func webhookTarget(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host
}

// Routes resolves where each role's injects go: config.toml's entry for the role id
// first, then the scenario's env variable when it is set, then the scenario's url.
// Notes say, one line each, which routes are used and which could not be.
func Routes(sc *Scenario, settings map[string]WebhookSetting, getenv func(string) string) ([]Route, []string) {
	var routes []Route
	var notes []string
	for _, r := range sc.Roles {
		rt := Route{Role: r.ID, Format: WebhookSlack}
		if r.Webhook != nil {
			rt.Format = r.Webhook.Format
		}
		if s, ok := settings[r.ID]; ok && s.URL != "" {
			rt.URL, rt.Source = s.URL, "config.toml"
			if s.Format != "" {
				rt.Format = s.Format
			}
		} else if w := r.Webhook; w != nil {
			switch {
			case w.Env != "" && getenv(w.Env) != "":
				rt.URL, rt.Source = getenv(w.Env), "$"+w.Env
			case w.URL != "":
				rt.URL, rt.Source = w.URL, "the scenario"
			default:
				notes = append(notes, fmt.Sprintf("role %s: $%s is not set: its injects are not posted", r.ID, w.Env))
				continue
			}
		} else {
			continue
		}
		if err := checkWebhookURL(rt.URL); err != nil {
			notes = append(notes, fmt.Sprintf("role %s: webhook from %s: %v: its injects are not posted", r.ID, rt.Source, err))
			continue
		}
		if !slices.Contains(WebhookFormats, rt.Format) {
			notes = append(notes, fmt.Sprintf("role %s: webhook format %q is not one of %s: its injects are not posted", r.ID, rt.Format, strings.Join(WebhookFormats, ", ")))
			continue
		}
		notes = append(notes, fmt.Sprintf("role %s: injects posted to %s (%s, from %s)", r.ID, rt.Target(), rt.Format, rt.Source))
		routes = append(routes, rt)
	}
	return routes, notes
}

// CourierOptions tunes delivery; zero values take the defaults.
type CourierOptions struct {
	Client   *http.Client  // default: a client with a 10 s timeout
	Attempts int           // tries per inject and role (default 4)
	Backoff  time.Duration // wait before the second try (default 1 s), doubled each time, at most 30 s
	Queue    int           // injects waiting per role before new ones are refused (default 1000)
	// OnFailure is called (from a delivery goroutine) for every inject that could not be
	// delivered, after it is recorded.
	OnFailure func(incident.DrillDelivery)
}

// Courier posts a drill's injects to the roles' webhooks. Post never blocks.
type Courier struct {
	sc      *Scenario
	drillID string
	routes  []Route
	o       CourierOptions

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	queues  map[string]*roleQueue
	record  func(incident.DrillDelivery) // writes the failure to the journal (set by Drill.SetCourier)
	pending []incident.DrillDelivery     // failures met before a drill was attached
}

type roleQueue struct {
	route   Route
	jobs    []FeedItem
	running bool
}

// NewCourier prepares delivery of a drill's injects along routes.
func NewCourier(sc *Scenario, drillID string, routes []Route, o CourierOptions) *Courier {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 1000
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Courier{sc: sc, drillID: drillID, routes: routes, o: o, ctx: ctx, cancel: cancel, queues: map[string]*roleQueue{}}
	for _, r := range routes {
		c.queues[r.Role] = &roleQueue{route: r}
	}
	return c
}

// Routes returns where the courier delivers.
func (c *Courier) Routes() []Route { return c.routes }

// Post queues fired injects for every role they are addressed to (all roles when an
// inject names none) and returns at once.
func (c *Courier) Post(items []FeedItem) {
	if c == nil || len(c.routes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range items {
		for _, r := range c.routes {
			if len(f.To) > 0 && !slices.Contains(f.To, r.Role) {
				continue
			}
			q := c.queues[r.Role]
			if len(q.jobs) >= c.o.Queue {
				fail := incident.DrillDelivery{Inject: f.Inject, Role: r.Role, Target: r.Target(), Format: r.Format, Error: fmt.Sprintf("not sent: %d injects already wait for this webhook", len(q.jobs)), Drill: int64(f.Drill)}
				c.wg.Add(1)
				go func() { defer c.wg.Done(); c.fail(fail) }()
				continue
			}
			q.jobs = append(q.jobs, f)
			if !q.running {
				q.running = true
				c.wg.Add(1)
				go c.work(r, q)
			}
		}
	}
}

// work posts a role's queued injects in order until the queue is empty.
func (c *Courier) work(r Route, q *roleQueue) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			c.mu.Unlock()
			return
		}
		f := q.jobs[0]
		q.jobs = q.jobs[1:]
		c.mu.Unlock()
		if attempts, err := c.deliver(r, f); err != nil {
			c.fail(incident.DrillDelivery{Inject: f.Inject, Role: r.Role, Target: r.Target(), Format: r.Format, Attempts: attempts,
				Error: untrusted.Line(err.Error()), Drill: int64(f.Drill)})
		}
	}
}

// fail records a failed delivery in the journal (or keeps it until a drill is
// attached) and tells OnFailure.
func (c *Courier) fail(p incident.DrillDelivery) {
	c.mu.Lock()
	rec := c.record
	if rec == nil {
		c.pending = append(c.pending, p)
	}
	c.mu.Unlock()
	if rec != nil {
		rec(p)
	}
	if c.o.OnFailure != nil {
		c.o.OnFailure(p)
	}
}

// attach sets where failures are recorded and records those met before.
func (c *Courier) attach(record func(incident.DrillDelivery)) {
	c.mu.Lock()
	c.record = record
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, p := range pending {
		record(p)
	}
}

// permanentError is a failure a retry cannot fix (the receiver refused the request).
type permanentError struct{ error }

// deliver posts one inject to one route, retrying network errors, 429 and 5xx with a
// doubling wait. It returns how many attempts it made.
func (c *Courier) deliver(r Route, f FeedItem) (int, error) {
	body, err := c.message(r, f)
	if err != nil {
		return 0, err
	}
	wait := c.o.Backoff
	var last error
	for attempt := 1; ; attempt++ {
		var retryAfter time.Duration
		retryAfter, last = c.postOnce(r, body)
		if last == nil {
			return attempt, nil
		}
		var perm permanentError
		if errors.As(last, &perm) || attempt >= c.o.Attempts || c.ctx.Err() != nil {
			return attempt, last
		}
		w := max(wait, retryAfter)
		w = min(w, 30*time.Second)
		t := time.NewTimer(w)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return attempt, fmt.Errorf("%w (muster stopped before the next try)", last)
		case <-t.C:
		}
		wait *= 2
	}
}

func (c *Courier) postOnce(r Route, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return 0, permanentError{errors.New("cannot build the request")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "muster-drill")
	resp, err := c.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is a secret: leave it out of the message
		}
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drained for reuse; the answer is not read
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		var after time.Duration
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			after = time.Duration(s) * time.Second
		}
		return after, fmt.Errorf("HTTP %s", resp.Status)
	default:
		return 0, permanentError{fmt.Errorf("HTTP %s (not retried)", resp.Status)}
	}
}

// Flush waits until every queued inject has been delivered or has failed, or ctx is
// done.
func (c *Courier) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes for as long as ctx allows, then stops every delivery still under way
// (each is recorded as failed) and waits for the records.
func (c *Courier) Close(ctx context.Context) error {
	if c == nil {
		return nil
	}
	err := c.Flush(ctx)
	c.cancel()
	if err != nil {
		c.mu.Lock()
		for _, q := range c.queues {
			for _, f := range q.jobs {
				r := q.route
				p := incident.DrillDelivery{Inject: f.Inject, Role: r.Role, Target: r.Target(), Format: r.Format, Error: "not sent: muster stopped first", Drill: int64(f.Drill)}
				c.wg.Add(1)
				go func() { defer c.wg.Done(); c.fail(p) }()
			}
			q.jobs = nil
		}
		c.mu.Unlock()
		wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Flush(wait) //nolint:errcheck // bounded: a journal that does not answer in 5 s is not waited for
	}
	return err
}

// WebhookMessage is the body of a json-format webhook: one inject as a role receives
// it (never the facilitator's notes, the expectations or the options' points).
type WebhookMessage struct {
	Drill    string           `json:"drill"` // the drill incident's id
	Scenario string           `json:"scenario"`
	Role     string           `json:"role"` // the role this copy is for
	Inject   string           `json:"inject"`
	AdHoc    bool             `json:"adhoc,omitempty"`
	From     string           `json:"from"`
	To       []string         `json:"to,omitempty"`
	Channel  string           `json:"channel"`
	Title    string           `json:"title"`
	Body     string           `json:"body,omitempty"` // Markdown
	Module   string           `json:"module,omitempty"`
	At       string           `json:"drill_time"` // T+12m
	DrillNS  int64            `json:"drill_ns"`
	Story    time.Time        `json:"story"`
	Decision *WebhookDecision `json:"decision,omitempty"`
}

// WebhookDecision is the decision an inject puts to the players.
type WebhookDecision struct {
	Prompt   string          `json:"prompt"`
	Role     string          `json:"role,omitempty"`
	Deadline string          `json:"deadline"` // drill time, T+...
	Options  []WebhookOption `json:"options"`
}

// WebhookOption is one answer of a decision, as players see it.
type WebhookOption struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Message builds the webhook message of an inject for a role.
func (c *Courier) Message(role string, f FeedItem) WebhookMessage {
	m := WebhookMessage{Drill: c.drillID, Scenario: c.sc.ID, Role: role, Inject: f.Inject, AdHoc: f.AdHoc, From: f.From, To: f.To,
		Channel: f.Channel, Title: f.Title, Body: f.Body, Module: f.Module, At: FormatOffset(f.Drill), DrillNS: int64(f.Drill), Story: f.Story}
	if in, ok := c.sc.Inject(f.Inject); ok && !f.AdHoc && in.Decision != nil {
		d := in.Decision
		wd := &WebhookDecision{Prompt: d.Prompt, Role: d.Role, Deadline: FormatOffset(f.Drill + d.Timeout)}
		for _, o := range d.Options {
			wd.Options = append(wd.Options, WebhookOption{ID: o.ID, Label: o.Label})
		}
		m.Decision = wd
	}
	return m
}

func (c *Courier) message(r Route, f FeedItem) ([]byte, error) {
	m := c.Message(r.Role, f)
	if r.Format == WebhookJSON {
		return json.Marshal(m)
	}
	return json.Marshal(slackMessage(m))
}

// slackMessage is a Slack-compatible incoming-webhook body: text (the fallback every
// Slack-compatible receiver shows: Mattermost, Rocket.Chat, Zulip's Slack endpoint)
// and blocks (header, the body in mrkdwn, a context line).
func slackMessage(m WebhookMessage) map[string]any {
	head := fmt.Sprintf("DRILL %s · %s · %s from %s", m.At, m.Story.Format("15:04"), strings.ToUpper(m.Channel), m.From)
	body := slackMarkdown(m.Body)
	if d := m.Decision; d != nil {
		var opts []string
		for _, o := range d.Options {
			opts = append(opts, "• "+slackEscape(o.Label))
		}
		body += fmt.Sprintf("\n\n*Decision:* %s (answer by %s)\n%s", slackEscape(d.Prompt), d.Deadline, strings.Join(opts, "\n"))
	}
	text := fmt.Sprintf("*%s*\n%s\n%s", slackEscape(m.Title), head, body)
	blocks := []map[string]any{
		{"type": "header", "text": map[string]any{"type": "plain_text", "text": truncate("DRILL: "+m.Title, 150)}},
	}
	if strings.TrimSpace(body) != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": truncate(body, 3000)}})
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{{"type": "mrkdwn", "text": slackEscape(head + " · " + m.Drill)}}})
	return map[string]any{"text": text, "blocks": blocks}
}

// slackMarkdown turns the inject's Markdown into Slack's mrkdwn: &, < and > escaped
// (a > that starts a line stays: a quote in both), **bold** as *bold*.
func slackMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		quote := ""
		if rest, ok := strings.CutPrefix(l, ">"); ok {
			quote, l = ">", rest
		}
		lines[i] = quote + strings.ReplaceAll(slackEscape(l), "**", "*")
	}
	return strings.Join(lines, "\n")
}

func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
