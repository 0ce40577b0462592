package flow_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/muster-ir/muster/internal/cutproxy"
	"github.com/muster-ir/muster/internal/motoserver"
	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
	"github.com/muster-ir/muster/runbook/team"
	"github.com/muster-ir/muster/tui"
	"github.com/muster-ir/muster/tui/tuitest"
)

// A team incident whose store goes away: a note written meanwhile is saved in the
// outbox, and the screen says so plainly instead of offering a retry that would queue
// it twice. The dialog closes, the header counts what waits and says the store does
// not answer, and once the store is back the screen shares it on its own and the count
// goes. Then the same incident opened with no usable AWS credentials says so.
func TestQueuedOfflineIsSavedNotRetried(t *testing.T) {
	url := motoserver.Start(t)
	client := s3Client(url)
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tui-outbox")}); err != nil {
		t.Fatal(err)
	}
	px := cutproxy.New(t, strings.TrimPrefix(url, "http://"))
	loc := team.Location{Bucket: "tui-outbox"}
	clk := tuitest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	d := deps(t)
	d.Now = clk.Now
	d.Store = &incident.Store{DataDir: d.Store.DataDir, Shared: team.New(s3Client(px.URL()), loc), Now: clk.Now, Context: ctx}
	id := startIncident(t, d, "Checkout down")

	s := resume(t, d, id)
	px.Cut()
	s.keys("N")
	s.typ("written on the train")
	s.keys("ctrl+s")
	scr := s.waitFor("✓ saved on this machine: note — 1 waiting to be shared")
	s.waitFor("⧗ 1 waiting to be shared — the team store does not answer; retrying")
	if strings.Contains(scr, "ctrl+s save") || strings.Contains(scr, "your text is kept") {
		t.Fatalf("the dialog stayed open for a retry:\n%s", scr)
	}
	if n := incident.Pending(d.Store.Dir(id)); n != 1 {
		t.Fatalf("the outbox holds %d events, want 1", n)
	}
	// The next note starts empty: nothing was kept to be sent again.
	s.keys("N")
	scr = s.waitFor("ctrl+s save")
	if strings.Contains(scr, "written on the train") {
		t.Fatalf("the queued note is offered again:\n%s", scr)
	}
	s.keys("esc")

	// Anything waits: the next save goes straight to the outbox, and Space on a step
	// saved as done there does not save it again.
	s.keys("space")
	s.waitFor("✓ saved on this machine: step open-incident done — 2 waiting to be shared", "⧗ Open the incident")
	s.keys("up", "space")
	s.waitFor("is saved here and waits to be shared — not saved twice")
	s.keys("u")
	s.waitFor("step open-incident is saved here and waits to be shared — u undoes it once it is shared")
	if n := incident.Pending(d.Store.Dir(id)); n != 2 {
		t.Fatalf("the outbox holds %d events, want 2", n)
	}

	// The store is back: within a publishing round the screen shares the outbox, and
	// says so in the header, not over the message line.
	px.Restore()
	clk.Advance(publishRound)
	s.waitFor("✓ shared with the team", "✓ Open the incident")
	if scr := s.waitFor("✓ Open the incident"); strings.Contains(scr, "outbox:") {
		t.Errorf("the header still counts the outbox:\n%s", scr)
	}
	if n := incident.Pending(d.Store.Dir(id)); n != 0 {
		t.Errorf("the outbox still holds %d", n)
	}
	lines, err := team.New(client, loc).Lines(ctx, id, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	var notes int
	for _, l := range lines {
		if l.Event.Type == incident.EvNote && strings.Contains(string(l.Event.Data), "written on the train") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("the store holds the note %d times, want once", notes)
	}
	s.quit()
	noCredentialsRound(t, d, id, px.URL())
}

// noCredentialsRound opens team incident id again, with the store reached through the
// standard AWS configuration chain on a machine that has no credentials (none in the
// environment, an instance metadata service that answers 403): a note is saved on this
// machine at once, and the round that tries to share it says, in the CLI's words,
// that there are no usable AWS credentials and where the SDK looked, and keeps it.
// (Part of a test that has moto running: no request leaves before the signing fails.)
func noCredentialsRound(t *testing.T, d tui.Deps, id, endpoint string) {
	t.Helper()
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer imds.Close()
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL, "AWS_REGION": "us-east-1"} {
		t.Setenv(k, v)
	}
	ts, err := team.Open(d.Store.Context, "s3://tui-outbox")
	if err != nil {
		t.Fatal(err)
	}
	d.Store = &incident.Store{DataDir: d.Store.DataDir, Shared: ts, Now: d.Store.Now, Context: d.Store.Context}
	s := start(t, d, tui.Options{Resume: id})
	s.waitFor("▸ · Confirm the outage")
	s.keys("N")
	s.typ("written without credentials")
	s.keys("ctrl+s")
	s.waitFor("⧗ 1 waiting to be shared — no usable AWS credentials; retrying",
		"✗ not shared with the team: no usable AWS credentials (default credential chain")
	if n := incident.Pending(d.Store.Dir(id)); n != 1 {
		t.Errorf("the outbox holds %d events, want the note", n)
	}
	s.quit()
}

// publishRound is more than the screen waits between two tries to share the outbox.
const publishRound = 20 * time.Second

func s3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDMUSTERTEST", SecretAccessKey: "muster-test-secret"}, nil
		}),
	})
}

// A store that takes requests and never answers, with nothing waiting: the first save
// is already on disk in the outbox when the screen confirms it, and the round that
// shares it waits on the store while the screen goes on as if nothing ran. The
// selection moves, a note is typed and saved, a step is marked done, all while the
// round is in flight (the header says it shares, and after a while that the store has
// not answered); the saves land in the outbox at once, never "still saving", and when
// the store answers the same round shares them in the order they were saved, each
// once.
func TestKeysAndSavesWhileTheOutboxIsShared(t *testing.T) {
	url := motoserver.Start(t)
	client := s3Client(url)
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tui-share")}); err != nil {
		t.Fatal(err)
	}
	px := cutproxy.New(t, strings.TrimPrefix(url, "http://"))
	loc := team.Location{Bucket: "tui-share"}
	clk := tuitest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	d := deps(t)
	d.Now = clk.Now
	d.Store = &incident.Store{DataDir: d.Store.DataDir, Shared: team.New(s3Client(px.URL()), loc), Now: clk.Now, Context: ctx, LockWait: 10 * time.Second}
	id := startIncident(t, d, "Checkout down")
	dir := d.Store.Dir(id)

	s := resume(t, d, id)
	shareRoundThatWaits(s, px)
	if n := incident.Pending(dir); n != 1 {
		t.Fatalf("the outbox holds %d events once the note is shown saved, want 1", n)
	}

	s.keys("down")
	s.waitFor("▸ · Confirm the outage")
	s.keys("N")
	s.waitFor("ctrl+s save")
	s.typ("typed while it shared")
	s.keys("ctrl+s")
	s.waitFor("✓ saved on this machine: note — 2 waiting to be shared", "⇡ sharing 2 with the team…")
	s.keys("space")
	scr := s.waitFor("✓ saved on this machine: step confirm-outage done — 3 waiting to be shared", "⇡ sharing 3 with the team…", "⧗ Confirm the outage")
	if strings.Contains(scr, "still saving") {
		t.Fatalf("a key waited for the share round:\n%s", scr)
	}
	if n := incident.Pending(dir); n != 3 {
		t.Fatalf("the outbox holds %d events while the round waits, want 3", n)
	}
	clk.Advance(15 * time.Second)
	s.waitFor("⇡ sharing 3 with the team… no answer for 15s — saved on this machine")

	px.Resume()
	s.waitFor("✓ shared with the team: step confirm-outage done", "✓ Confirm the outage")
	if n := incident.Pending(dir); n != 0 {
		t.Errorf("the outbox still holds %d", n)
	}
	lines, err := team.New(client, loc).Lines(ctx, id, 0, journal.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Event.Type)
	}
	if want := "started note note step.done"; strings.Join(got, " ") != want {
		t.Errorf("the store's chain: %v, want %s", got, want)
	}
	s.quit()

	// A store that answers with an error a later try can fix (a retention this bucket
	// cannot keep): the save stays queued, not set aside as if it no longer applied,
	// and the screen says what the store answered.
	d.Store = &incident.Store{DataDir: d.Store.DataDir, Now: clk.Now, Context: ctx,
		Shared: team.New(s3Client(url), loc, team.WithRetention(team.Retention{Mode: "GOVERNANCE", Days: 1}))}
	s = start(t, d, tui.Options{Resume: id})
	s.waitFor("▸ · ")
	s.keys("N")
	s.typ("kept until the store is fixed")
	s.keys("ctrl+s")
	s.waitFor("⧗ 1 waiting to be shared — the team store refused it; retrying",
		"✗ not shared with the team: InvalidRequest: Bucket is missing ObjectLockConfiguration")
	if refused, err := incident.RefusedQueued(dir); err != nil || len(refused) != 0 || incident.Pending(dir) != 1 {
		t.Errorf("the note met the store's error: refused %+v (%v), %d queued; want it queued", refused, err, incident.Pending(dir))
	}
	s.quit()
}

// Quitting while a share round waits on a store that never answers ends the round at
// once: the program exits, and what it had not shared stays in the outbox, neither
// lost nor set aside as refused. So does quitting while a start waits on it; and
// screens opened meanwhile show this machine's copy rather than wait on the store.
func TestQuitEndsAWaitingShareRound(t *testing.T) {
	url := motoserver.Start(t)
	if _, err := s3Client(url).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("tui-quit")}); err != nil {
		t.Fatal(err)
	}
	px := cutproxy.New(t, strings.TrimPrefix(url, "http://"))
	clk := tuitest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := deps(t)
	d.Now = clk.Now
	d.Store = &incident.Store{DataDir: d.Store.DataDir, Shared: team.New(s3Client(px.URL()), team.Location{Bucket: "tui-quit"}), Now: clk.Now, Context: ctx, LockWait: 10 * time.Second}
	id := startIncident(t, d, "Checkout down")

	s := resume(t, d, id)
	shareRoundThatWaits(s, px)
	s.quit()

	dir := d.Store.Dir(id)
	if n := incident.Pending(dir); n != 1 {
		t.Errorf("the outbox holds %d after quitting mid-round, want 1", n)
	}
	if refused, err := incident.RefusedQueued(dir); err != nil || len(refused) != 0 {
		t.Errorf("quitting set queued events aside as refused: %+v, %v", refused, err)
	}

	// The store still never answers: the incident opens from this machine's copy at
	// once, with what waits in its outbox; the poll asks the store in the background.
	s = resume(t, d, id)
	s.waitFor("⧗ 1 waiting to be shared")
	s.quit()

	// Home lists it too. A team incident cannot be started offline: a start from home
	// that waits on the store does not hold the quit either, and leaves no incident
	// behind.
	s = start(t, d, tui.Options{})
	s.waitFor("Runbooks (7)", "Checkout down")
	s.keys("n")
	s.waitFor("Start an incident")
	s.typ("outage")
	s.waitFor("▸ service-outage")
	s.keys("enter", "enter")
	s.typ("Payments down too")
	s.keys("enter")
	s.waitFor("starting the incident…")
	s.keys("ctrl+c")
	s.waitFor("ctrl+c again quits without it")
	s.keys("ctrl+c")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if list, err := d.Store.List(); err != nil || len(list) != 1 {
		t.Errorf("after quitting a start that waited: %d incidents, %v; want only the first", len(list), err)
	}
}

// shareRoundThatWaits lets the store behind px take requests without ever answering
// and saves a note, with nothing waiting before it: the screen says at once that it is
// saved on this machine, and the round that shares it waits on the store.
func shareRoundThatWaits(s *session, px *cutproxy.Proxy) {
	px.Stall()
	s.keys("N")
	s.typ("written on the train")
	s.keys("ctrl+s")
	// A save that waited on the store would not show before the test's context ends.
	s.waitFor("✓ saved on this machine: note — 1 waiting to be shared", "⇡ sharing 1 with the team…")
}
