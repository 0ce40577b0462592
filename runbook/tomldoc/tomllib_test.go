package tomldoc

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// tomllibJudge decodes each document with Python's tomllib, a TOML 1.0 reader that
// passes toml-test, and returns its tree as JSON, null where it refuses the document,
// or "accepted" where the tree has what JSON cannot hold (dates, NaN).
const tomllibJudge = `import json, sys, tomllib
out = []
for doc in json.load(sys.stdin):
    try:
        tree = tomllib.loads(doc)
    except tomllib.TOMLDecodeError:
        out.append("null")
        continue
    try:
        out.append(json.dumps(tree, allow_nan=False))
    except (TypeError, ValueError):
        out.append(json.dumps("accepted"))
json.dump(out, sys.stdout)
`

// TestTableRulesAgainstTomllib: where BurntSushi is no judge (it accepts redefinitions
// TOML forbids), tomllib is. On random documents of headers, dotted keys, inline
// tables and arrays, tomldoc accepts exactly what tomllib accepts, to the same values.
func TestTableRulesAgainstTomllib(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import tomllib").Run()
	}
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_MOTO") != "" { // CI: moto's python3 must be there
			t.Fatalf("python3 with tomllib (3.11+) is needed: %v", err)
		}
		t.Skipf("python3 with tomllib (3.11+) is needed: %v", err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	docs := make([]string, 10000)
	if raceEnabled {
		docs = docs[:1000]
	}
	for i := range docs {
		docs[i] = randomTableDoc(r)
	}
	for _, src := range edgeCases {
		if utf8.ValidString(src) && tomllibDifference(src) == "" { // JSON would change the bytes
			docs = append(docs, src)
		}
	}
	for _, tc := range redefinitions {
		docs = append(docs, tc.src)
	}
	in, _ := json.Marshal(docs)
	cmd := exec.Command(python, "-c", tomllibJudge)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tomllib: %v\n%s", err, stderr.String())
	}
	var verdicts []string
	if err := json.Unmarshal(out, &verdicts); err != nil || len(verdicts) != len(docs) {
		t.Fatalf("tomllib's answer: %v (%d verdicts for %d documents)", err, len(verdicts), len(docs))
	}
	accepted, failures := 0, 0
	for i, src := range docs {
		if failures > 10 {
			t.Fatal("too many differences")
		}
		got, _, perr := parse(src)
		refused := verdicts[i] == "null"
		switch {
		case perr != nil && perr.kind == toml11, perr != nil && perr.kind == badOffset:
			continue // tomllib is as strict; its date-times and escapes are not the subject here
		case refused && perr == nil:
			t.Errorf("%q: tomllib refuses it, tomldoc accepts it", src)
			failures++
		case !refused && perr != nil:
			t.Errorf("%q: tomllib accepts it, tomldoc refuses it: %s", src, perr.msg)
			failures++
		case !refused:
			accepted++
			if verdicts[i] != `"accepted"` && !sameJSON(t, got, verdicts[i]) {
				t.Errorf("%q: tomldoc reads %s, tomllib %s", src, mustJSON(got), verdicts[i])
				failures++
			}
		}
	}
	if accepted < len(docs)/10 {
		t.Fatalf("only %d of %d documents valid: the generator no longer tests both sides", accepted, len(docs))
	}
	t.Logf("%d documents, %d valid", len(docs), accepted)
}

// tomllibDifference says why tomllib and tomldoc may disagree on src, or "".
func tomllibDifference(src string) string {
	switch {
	case strings.Contains(src, "\r\n") && strings.Contains(src, `"""`):
		return "a multi-line string keeps CRLF as written (TOML lets a reader normalise it)"
	case strings.Contains(src, "922337203685477580") || strings.Contains(src, "0x8000000000000000") || strings.Contains(src, "e400"):
		// TOML: a number that cannot be held losslessly is an error; Python's
		// integers have no limit and it reads 1e400 as infinity.
		return "number out of 64-bit range"
	case strings.Contains(src, "0000-"):
		return "year 0 (Python's dates start at year 1)"
	}
	return ""
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

// sameJSON compares a tree with tomllib's JSON, both read back as plain JSON values.
func sameJSON(t *testing.T, tree any, want string) bool {
	var a, b any
	if err := json.Unmarshal(mustJSON(tree), &a); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}
