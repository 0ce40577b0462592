package team

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/muster-ir/muster/runbook/incident"
	"github.com/muster-ir/muster/runbook/journal"
)

// The environment of a writer child process: which moto, which incident, its data
// directory, its actor and how many notes to write.
const (
	writerEnv      = "MUSTER_TEAM_WRITER" // the actor; set only in a child
	writerEndpoint = "MUSTER_TEAM_WRITER_ENDPOINT"
	writerBucket   = "MUSTER_TEAM_WRITER_BUCKET"
	writerID       = "MUSTER_TEAM_WRITER_INCIDENT"
	writerDir      = "MUSTER_TEAM_WRITER_DIR"
	writerNotes    = "MUSTER_TEAM_WRITER_NOTES"
)

// writerMain is a responder on a machine of its own: it opens the team incident from
// its own data directory and writes its notes as fast as it can, printing each
// acknowledged event (a JSON line) as the command returns.
func writerMain() int {
	actor := os.Getenv(writerEnv)
	n, _ := strconv.Atoi(os.Getenv(writerNotes))
	s := New(s3Client(os.Getenv(writerEndpoint)), Location{Bucket: os.Getenv(writerBucket)})
	st := &incident.Store{DataDir: os.Getenv(writerDir), Shared: s}
	inc, err := st.Open(os.Getenv(writerID), actor)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer inc.Close()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for i := 0; i < n; i++ {
		e, err := inc.AppendEvent(incident.EvNote, incident.Note{Text: fmt.Sprintf("%s %d", actor, i)})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s note %d: %v\n", actor, i, err)
			return 1
		}
		enc.Encode(e)
	}
	return 0
}

// Eight responders, eight processes with a data directory each, write 200 notes each
// at once to one incident in one store (MUSTER_TEAM_NOTES changes the 200; 50 under
// the race detector): every
// acknowledged event is in the store exactly once at the seq its writer was told, the
// chain verifies, and every machine's mirror, synced, is that chain byte for byte.
func TestEightProcessesOneChain(t *testing.T) {
	c := motoS3(t)
	makeBucket(t, c, "team-processes", false)
	s := New(c, Location{Bucket: "team-processes"})
	const writers = 8
	notes := 200
	if raceDetector {
		// CI's second run: the race detector slows each of the eight processes
		// several times over, and 8 x 50 interleave as much as 8 x 200 do for it;
		// the README suite (no race detector) runs the whole 8 x 200.
		notes = 50
	}
	if v, err := strconv.Atoi(os.Getenv("MUSTER_TEAM_NOTES")); err == nil && v > 0 {
		notes = v
	}
	starter, inc := startTeam(t, s, "INC-PROCS", "writer0@host")
	inc.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmds := make([]*exec.Cmd, writers)
	outs := make([]*bytes.Buffer, writers)
	errs := make([]*bytes.Buffer, writers)
	dirs := []string{starter.Dir("INC-PROCS")}
	for w := range cmds {
		data := t.TempDir()
		dirs = append(dirs, filepath.Join(data, "incidents", "INC-PROCS"))
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), writerEnv+"="+fmt.Sprintf("writer%d@host%d", w, w), writerEndpoint+"="+moto,
			writerBucket+"=team-processes", writerID+"=INC-PROCS", writerDir+"="+data, writerNotes+"="+strconv.Itoa(notes))
		outs[w], errs[w] = &bytes.Buffer{}, &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[w], errs[w]
		cmds[w] = cmd
	}
	began := time.Now()
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	acked := make([][]journal.Event, writers)
	for w, cmd := range cmds {
		err := cmd.Wait()
		dec := json.NewDecoder(outs[w])
		for dec.More() {
			var e journal.Event
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("writer %d's output: %v", w, err)
			}
			acked[w] = append(acked[w], e)
		}
		if err != nil {
			t.Errorf("writer %d: %v after %d notes\n%s", w, err, len(acked[w]), errs[w])
		}
	}
	t.Logf("%d processes x %d notes in %s", writers, notes, time.Since(began).Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}
	for w := range acked {
		if len(acked[w]) != notes {
			t.Errorf("writer %d acknowledged %d notes, want %d", w, len(acked[w]), notes)
		}
	}
	lines := checkOneChain(t, s, "INC-PROCS", 1+writers*notes, acked)
	// Every machine's mirror verifies and is a beginning of the store's chain (each
	// stops at its writer's last line); the longest, synced, is the whole chain.
	checkCopies(t, lines, dirs, true)
	longest, most := dirs[0], int64(-1)
	for _, dir := range dirs {
		if fi, err := os.Stat(filepath.Join(dir, journal.FileName)); err == nil && fi.Size() > most {
			longest, most = dir, fi.Size()
		}
	}
	st := &incident.Store{DataDir: filepath.Dir(filepath.Dir(longest)), Shared: s}
	if err := st.SyncIncident("INC-PROCS"); err != nil {
		t.Fatal(err)
	}
	checkCopies(t, lines, []string{longest}, false)
	t.Logf("checked in %s", time.Since(began).Round(time.Millisecond))
}
