package team

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/muster-ir/muster/runbook"
	"github.com/muster-ir/muster/runbook/incident"
)

// answerProxy forwards requests to moto. Armed, it lets the next PUT of an event
// object reach moto and drops the answer (closes the connection): the store took the
// line, the writer cannot know. With thenDown, every later request is dropped too, as a
// store that went away in the middle of a command, until up is called.
type answerProxy struct {
	srv      *httptest.Server
	mu       sync.Mutex
	armed    bool
	thenDown bool
	down     bool
	dropped  int
}

func newAnswerProxy(t *testing.T) *answerProxy {
	target, _ := url.Parse(moto)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &answerProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		down := p.down
		drop := !down && p.armed && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/events/")
		if drop {
			p.armed, p.down = false, p.thenDown
		}
		if down || drop {
			p.dropped++
		}
		p.mu.Unlock()
		if drop {
			out := r.Clone(r.Context())
			out.URL.Scheme, out.URL.Host, out.RequestURI = target.Scheme, target.Host, ""
			if resp, err := http.DefaultTransport.RoundTrip(out); err == nil {
				resp.Body.Close()
			}
		}
		if down || drop {
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// droppedCount is how many requests the proxy dropped so far.
func (p *answerProxy) droppedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

func (p *answerProxy) arm(thenDown bool) {
	p.mu.Lock()
	p.armed, p.thenDown = true, thenDown
	p.mu.Unlock()
}

func (p *answerProxy) up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// The store takes a line but its answer is lost (the connection breaks after the
// request left): whether the SDK's retry then finds the seq taken, or the command gives
// up and queues the event, the writer recognises its own line when it meets it in the
// store and never writes the event twice.
func TestLostAnswerIsNotWrittenTwice(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-lost-answer", false)
	direct := New(c, Location{Bucket: "team-lost-answer"})
	for _, tc := range []struct {
		name     string
		thenDown bool // the store stays away: the event is queued
		reopen   bool // the next command is another process (Open catches up first)
	}{
		{name: "retried"},
		{name: "queued", thenDown: true},
		{name: "queued, next command elsewhere", thenDown: true, reopen: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px := newAnswerProxy(t)
			st := &incident.Store{DataDir: t.TempDir(), Shared: New(s3Client(px.srv.URL), Location{Bucket: "team-lost-answer"})}
			inc, err := st.Start(incident.StartOptions{Runbook: fixtureRunbook(t), Policy: runbook.DefaultPolicy(),
				Severity: "high", Title: tc.name, Actor: "alice@laptop"})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { inc.Close() }()
			px.arm(tc.thenDown)
			err = inc.AddNote("the store took this once", "")
			var q *incident.QueuedError
			switch {
			case tc.thenDown && !errors.As(err, &q):
				t.Fatalf("note with the store gone = %v, want queued", err)
			case !tc.thenDown && err != nil:
				t.Fatalf("note whose answer was lost = %v, want it saved (the retry finds the line)", err)
			}
			if px.droppedCount() == 0 {
				t.Fatal("no answer was dropped")
			}
			px.up()
			if tc.reopen {
				inc.Close()
				if inc, err = st.Open(inc.ID, "alice@laptop"); err != nil {
					t.Fatal(err)
				}
			}
			if err := inc.AddNote("next", ""); err != nil {
				t.Fatal(err)
			}
			if tc.thenDown && (inc.Flushed.Published != 1 || incident.Pending(inc.Dir) != 0) {
				t.Errorf("flush %+v, pending %d: want the queued note counted as shared", inc.Flushed, incident.Pending(inc.Dir))
			}
			chain := string(storeChain(t, direct, inc.ID))
			if n := strings.Count(chain, "the store took this once"); n != 1 {
				t.Errorf("the note is in the store %d times, want once:\n%s", n, chain)
			}
			if n := strings.Count(chain, "\n"); n != 3 {
				t.Errorf("the store holds %d lines, want 3 (started, the note, next)", n)
			}
			if len(inc.State.Notes) != 2 {
				t.Errorf("alice's state has %d notes, want 2", len(inc.State.Notes))
			}
		})
	}
}
