package backup

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Progress counts what a run has done, for a progress line and for the request count
// the benchmarks report. Its methods are safe from any goroutine; the zero value is
// ready.
type Progress struct {
	accounts, accountsDone atomic.Int64
	regions, regionsDone   atomic.Int64
	inFlight, requests     atomic.Int64
}

// ProgressCounts is one reading of a Progress.
type ProgressCounts struct {
	Accounts, AccountsDone int64
	Regions, RegionsDone   int64 // account x region pairs
	InFlight, Requests     int64 // HTTP requests: now open, sent in all (retries included)
}

// Counts reads the counters.
func (p *Progress) Counts() ProgressCounts {
	if p == nil {
		return ProgressCounts{}
	}
	return ProgressCounts{
		Accounts: p.accounts.Load(), AccountsDone: p.accountsDone.Load(),
		Regions: p.regions.Load(), RegionsDone: p.regionsDone.Load(),
		InFlight: p.inFlight.Load(), Requests: p.requests.Load(),
	}
}

func (p *Progress) addRegions(n int) {
	if p != nil {
		p.regions.Add(int64(n))
	}
}

func (p *Progress) regionDone() {
	if p != nil {
		p.regionsDone.Add(1)
	}
}

func (p *Progress) addAccounts(n int) {
	if p != nil {
		p.accounts.Add(int64(n))
	}
}

func (p *Progress) accountDone() {
	if p != nil {
		p.accountsDone.Add(1)
	}
}

// Line is the progress as one line: "backup check: 4/6 regions, 1/2 accounts, 3
// requests in flight (41 sent)".
func (c ProgressCounts) Line() string {
	s := fmt.Sprintf("backup check: %d/%d regions", c.RegionsDone, c.Regions)
	if c.Accounts > 0 {
		s += fmt.Sprintf(", %d/%d accounts", c.AccountsDone, c.Accounts)
	}
	return s + fmt.Sprintf(", %d requests in flight (%d sent)", c.InFlight, c.Requests)
}

// requestCounter counts the requests of every AWS client of a run.
type requestCounter struct {
	next aws.HTTPClient
	p    *Progress
}

func (c requestCounter) Do(r *http.Request) (*http.Response, error) {
	c.p.inFlight.Add(1)
	c.p.requests.Add(1)
	defer c.p.inFlight.Add(-1)
	return c.next.Do(r)
}

// ShowProgress writes p's line to w (a terminal) every tick once delay has passed, so
// a quick run prints nothing; stop clears the line and waits for the writer to finish.
// The caller decides that w is a terminal: progress never goes to a pipe or a file.
func ShowProgress(w io.Writer, p *Progress, delay, tick time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-done:
			return
		case <-timer.C:
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			// \r and erase-line: the line is rewritten in place, then erased.
			fmt.Fprint(w, "\r\x1b[K"+p.Counts().Line())
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done); wg.Wait() })
	}
}
