package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLineHasPrevAndHashAtFixedOffsets(t *testing.T) {
	j, dir := newIncident(t)
	evs := appendN(t, j, 3)
	lines := bytes.SplitAfter(readJournal(t, dir), []byte("\n"))
	lines = lines[:len(lines)-1]
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	prev := Genesis
	for i, line := range lines {
		if got := string(line[:9]); got != `{"prev":"` {
			t.Fatalf("line %d starts %q", i+1, got)
		}
		if got := string(line[9:73]); got != prev {
			t.Errorf("line %d: bytes 9..73 = %s, want the previous hash %s", i+1, got, prev)
		}
		if got := string(line[73:83]); got != `","hash":"` {
			t.Errorf("line %d: bytes 73..83 = %q", i+1, got)
		}
		h := sha256.New()
		h.Write(line[:83])
		h.Write(line[147:])
		want := hex.EncodeToString(h.Sum(nil))
		if got := string(line[83:147]); got != want {
			t.Errorf("line %d: bytes 83..147 = %s, want sha256 of the rest %s", i+1, got, want)
		}
		if evs[i].Hash != want || evs[i].Prev != prev {
			t.Errorf("line %d: Append returned hash %s prev %s", i+1, evs[i].Hash, evs[i].Prev)
		}
		prev = want
	}
	want := `{"prev":"` + evs[1].Prev + `","hash":"` + evs[1].Hash +
		`","seq":2,"schema":1,"time":"2026-11-23T11:03:06.123456791Z","tz":"+01:00","actor":"alice@laptop","type":"note",` +
		`"data":{"text":"checked the load balancer \"eu-1\" <ok> & moved on","n":1}}` + "\n"
	if string(lines[1]) != want {
		t.Errorf("line 2 =\n%s\nwant\n%s", lines[1], want)
	}
}

// The README tells a reader to check a line with coreutils; keep that true.
func TestLineHashMatchesCutAndSha256sum(t *testing.T) {
	for _, tool := range []string{"sh", "sed", "cut", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	j, dir := newIncident(t)
	evs := appendN(t, j, 2)
	cmd := exec.Command("sh", "-c", "sed -n 2p journal.jsonl | cut -c1-83,148- | sha256sum")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := strings.Fields(string(out))[0]; got != evs[1].Hash {
		t.Errorf("coreutils hash %s, journal hash %s", got, evs[1].Hash)
	}
}

func TestAppendedEventEqualsTheOneReadBack(t *testing.T) {
	j, dir := newIncident(t)
	var want []Event
	want = append(want, appendN(t, j, 2)...)
	e, err := j.Append(`bob "the builder" \ ops`, "step.done", json.RawMessage(`{ "step" : "isolate",  "ok": true }`))
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, e)
	e, err = j.Append("carol@x", "empty", nil)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, e)
	got, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back\n%+v\nappended\n%+v", got, want)
	}
	if string(got[2].Data) != `{"step":"isolate","ok":true}` || got[2].Actor != `bob "the builder" \ ops` {
		t.Errorf("event 3: actor %q data %s", got[2].Actor, got[2].Data)
	}
	if string(got[3].Data) != `{}` {
		t.Errorf("nil data stored as %s", got[3].Data)
	}
	for i, e := range got {
		d, err := DecodeLine(bytes.SplitAfter(readJournal(t, dir), []byte("\n"))[i])
		if err != nil || !reflect.DeepEqual(d, e) {
			t.Errorf("DecodeLine(line %d) = %+v, %v; want %+v", i+1, d, err, e)
		}
	}
}

func TestTimeIsUTCWithTheWritersOffset(t *testing.T) {
	for _, tc := range []struct {
		name string
		zone *time.Location
		tz   string
	}{
		{"Berlin winter", berlin, "+01:00"},
		{"New York", time.FixedZone("EST", -5*3600), "-05:00"},
		{"Kathmandu", time.FixedZone("NPT", 5*3600+45*60), "+05:45"},
		{"UTC", time.UTC, "+00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := time.Date(2026, 11, 23, 12, 3, 4, 5, tc.zone)
			j, dir := newIncident(t, WithClock(func() time.Time { return at }))
			e, err := j.Append("a", "note", nil)
			if err != nil {
				t.Fatal(err)
			}
			if e.TZ != tc.tz || !e.Time.Equal(at) || e.Time.Location() != time.UTC {
				t.Errorf("time %v tz %s; want %v in UTC, tz %s", e.Time, e.TZ, at.UTC(), tc.tz)
			}
			if !e.Local().Equal(at) || e.Local().Format("15:04 -07:00") != at.Format("15:04 -07:00") {
				t.Errorf("Local() = %v, want %v", e.Local(), at)
			}
			line := string(readJournal(t, dir))
			want := `"time":"` + at.UTC().Format("2006-01-02T15:04:05") + `.000000005Z","tz":"` + tc.tz + `"`
			if !strings.Contains(line, want) {
				t.Errorf("line %s lacks %s", line, want)
			}
		})
	}
}

func TestAppendRefusesBadInputAndSavesNothing(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 1)
	for _, tc := range []struct {
		name, actor, typ string
		data             any
		want             string
	}{
		{"empty actor", "", "note", nil, "actor is empty"},
		{"actor with escape sequence", "eve\x1b[31m", "note", nil, "control character"},
		{"actor with C1 control", "eve\u009b", "note", nil, "control character"},
		{"actor not UTF-8", "eve\xff", "note", nil, "UTF-8"},
		{"actor too long", strings.Repeat("a", MaxActorLen+1), "note", nil, "longer than"},
		{"empty type", "a", "", nil, "type is empty"},
		{"type with space", "a", "step done", nil, "may hold only"},
		{"data an array", "a", "note", []int{1}, "must be a JSON object"},
		{"data a string", "a", "note", "text", "must be a JSON object"},
		{"data invalid raw JSON", "a", "note", json.RawMessage(`{"a":`), "encode event data"},
		{"data a channel", "a", "note", map[string]any{"c": make(chan int)}, "encode event data"},
		{"line too long", "a", "note", note{Text: strings.Repeat("x", MaxLineSize)}, "attach large evidence as a file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := j.Append(tc.actor, tc.typ, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if evs, err := ReadAll(dir); err != nil || len(evs) != 1 {
		t.Fatalf("after refused appends: %d events, %v", len(evs), err)
	}
	if e := appendN(t, j, 1)[0]; e.Seq != 2 {
		t.Errorf("next append got seq %d, want 2", e.Seq)
	}
}

func TestDecodeLineRejectsNonCanonicalLines(t *testing.T) {
	j, dir := newIncident(t)
	appendN(t, j, 1)
	good := string(readJournal(t, dir))
	if _, err := DecodeLine([]byte(good)); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeLine([]byte(strings.TrimSuffix(good, "\n"))); err != nil {
		t.Errorf("line without its newline: %v", err)
	}
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"space after brace", `{"prev"`, `{ "prev"`, `does not start with`},
		{"uppercase hex in prev", `"prev":"0`, `"prev":"A`, "prev is not 64 lowercase hex"},
		{"seq with leading zero", `"seq":1,`, `"seq":01,`, "seq is not a number"},
		{"seq zero", `"seq":1,`, `"seq":0,`, "seq is not a number from 1"},
		{"schema 2", `"schema":1`, `"schema":2`, "schema 2 is not supported"},
		{"local time", `.123456790Z"`, `.123456790"`, "is not UTC"},
		{"offset time", `.123456790Z","tz"`, `.123456790+01:00","tz"`, "not UTC"},
		{"short fraction", `05.123456790Z`, `05.1234567Z`, "not a valid time"},
		{"February 30th", `2026-11-23T`, `2026-02-30T`, "not a valid time"},
		{"tz without colon", `"tz":"+01:00"`, `"tz":"+0100 "`, "not a zone offset"},
		{"minus zero tz", `"tz":"+01:00"`, `"tz":"-00:00"`, "not a zone offset"},
		{"unicode escape in actor", `"actor":"alice@laptop"`, `"actor":"alice\u0040laptop"`, `only \" and \\ escapes`},
		{"empty actor", `"actor":"alice@laptop"`, `"actor":""`, "empty string"},
		{"type with slash", `"type":"note"`, `"type":"no/te"`, "may hold only"},
		{"data array", `"data":{`, `"data":[{`, "data is not a JSON object"},
		{"keys reordered", `"schema":1,"time"`, `"time"`, `expected ,"schema":`},
		{"extra key", `,"data":`, `,"x":1,"data":`, `expected ,"data":`},
		{"hash not hex", `"hash":"40f`, `"hash":"X0f`, "hash is not 64 lowercase hex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.old, tc.new, 1)
			if bad == good {
				t.Fatalf("replacing %q changed nothing in %s", tc.old, good)
			}
			_, err := DecodeLine([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DecodeLine(%s) error %v, want one containing %q", bad, err, tc.want)
			}
		})
	}
	t.Run("content edited", func(t *testing.T) {
		bad := strings.Replace(good, "eu-1", "eu-2", 1)
		if _, err := DecodeLine([]byte(bad)); err != errHashMismatch {
			t.Fatalf("error %v, want %v", err, errHashMismatch)
		}
	})
	t.Run("two lines", func(t *testing.T) {
		if _, err := DecodeLine([]byte(good + good)); err == nil {
			t.Fatal("two lines decoded as one")
		}
	})
}
