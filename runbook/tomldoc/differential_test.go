package tomldoc

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// The differential tests hold the parser to BurntSushi/toml, muster's parser before
// go-toml's: the same files are accepted, to the same values, and the old lenient
// position scanner (scan_test.go) finds every key where the parse records it.

// burntSushi decodes src the way tomldoc did before. Its parser panics on a few inputs
// it calls bugs; tomldoc reported those as problems, so they count as rejections.
func burntSushi(src string) (raw map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			raw, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	_, err = toml.Decode(src, &raw)
	return raw, err
}

func ours(src string) (map[string]any, *syntaxError) {
	raw, _, err := parse(stripBOM(src))
	return raw, err
}

// sameTree compares two decoded trees: the same Go types, equal values, times at the
// same instant in a zone of the same name and offset, NaNs of the same sign.
func sameTree(a, b any, path string) error {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return fmt.Errorf("%s: %T vs %T", path, a, b)
	}
	switch a := a.(type) {
	case map[string]any:
		b := b.(map[string]any)
		if len(a) != len(b) {
			return fmt.Errorf("%s: %d keys vs %d", path, len(a), len(b))
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok {
				return fmt.Errorf("%s: key %q missing", path, k)
			}
			if err := sameTree(v, w, path+"."+strconv.Quote(k)); err != nil {
				return err
			}
		}
	case []map[string]any:
		b := b.([]map[string]any)
		if len(a) != len(b) {
			return fmt.Errorf("%s: %d tables vs %d", path, len(a), len(b))
		}
		for i := range a {
			if err := sameTree(a[i], b[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case []any:
		b := b.([]any)
		if len(a) != len(b) {
			return fmt.Errorf("%s: %d elements vs %d", path, len(a), len(b))
		}
		for i := range a {
			if err := sameTree(a[i], b[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case time.Time:
		b := b.(time.Time)
		an, ao := a.Zone()
		bn, bo := b.Zone()
		if !a.Equal(b) || a.Location().String() != b.Location().String() || an != bn || ao != bo || a.String() != b.String() {
			return fmt.Errorf("%s: %v (%s) vs %v (%s)", path, a, a.Location(), b, b.Location())
		}
	case float64:
		b := b.(float64)
		if a != b && !(math.IsNaN(a) && math.IsNaN(b) && math.Signbit(a) == math.Signbit(b)) {
			return fmt.Errorf("%s: %v vs %v", path, a, b)
		}
	default:
		if a != b {
			return fmt.Errorf("%s: %#v vs %#v", path, a, b)
		}
	}
	return nil
}

// knownDifference says why the parsers may disagree on src, or "": where BurntSushi
// accepts what TOML 1.0 forbids and tomldoc refuses it (README lists these), or
// where one parser has a limit the other has not. ours is tomldoc's error, if any.
func knownDifference(src string, ours *syntaxError) string {
	switch {
	case strings.Contains(src, `\""""""`):
		// """\"""""" ends a multi-line string with six quotes, one more than TOML
		// allows; BurntSushi takes the escaped backslash for an escaped quote.
		return "six quotes after a backslash"
	case strings.Count(src, "[")+strings.Count(src, "{") > 10000:
		// go-toml refuses arrays and inline tables nested over 10000 deep.
		return "deep nesting"
	case ours == nil:
		return ""
	}
	switch ours.kind {
	case redefined:
		// BurntSushi lets a header reopen a table defined by dotted keys and the
		// reverse, lets an inline table be extended, and lets a.b.c = 1 be followed
		// by a.b = 2 (dropping the 2) or a.b = [1] (replacing the table).
		return "key or table defined twice"
	case toml11:
		// BurntSushi reads TOML 1.1; muster reads 1.0.
		return "TOML 1.1 syntax"
	case badOffset:
		// BurntSushi reads +12:60 as +13:00 (Go's time.Parse).
		return "offset out of range"
	}
	return ""
}

// compare runs both parsers on src and returns what differs, or "".
func compare(src string) string {
	want, werr := burntSushi(src)
	got, gerr := ours(src)
	if knownDifference(src, gerr) != "" {
		return ""
	}
	switch {
	case werr != nil && gerr == nil:
		return "BurntSushi rejects (" + werr.Error() + "), tomldoc accepts"
	case werr == nil && gerr != nil:
		return "BurntSushi accepts, tomldoc rejects: " + gerr.msg
	case werr != nil:
		return ""
	}
	if err := sameTree(want, got, "root"); err != nil {
		return "different values: " + err.Error()
	}
	return comparePositions(src)
}

// comparePositions checks the parse's records against the old scanner on a valid
// document: the same paths at the same line and column.
func comparePositions(src string) string {
	if stripBOM(src) != src {
		return "" // the old scanner gave up at a byte order mark
	}
	if strings.Contains(src, `\x`) || strings.Contains(src, `\e`) {
		return "" // it read quoted keys with Go's escapes, not TOML's (TestPositionsOfEscapedKeys)
	}
	old := scanPositionsOld(src)
	_, ps, err := parse(src)
	if err != nil {
		return "parse: " + err.msg
	}
	got := ps.all()
	var diffs []string
	for k, p := range old {
		if q, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q: old %v, new none", k, p))
		} else if p != q {
			diffs = append(diffs, fmt.Sprintf("%q: old %v, new %v", k, p, q))
		}
	}
	for k, q := range got {
		if _, ok := old[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q: old none, new %v", k, q))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		return "positions differ: " + strings.Join(diffs[:min(len(diffs), 5)], "; ")
	}
	return ""
}

// all lists every written path in the old scanner's pathKey form.
func (ps *positions) all() map[string]Pos {
	ps.once.Do(ps.build)
	paths := make([][]any, len(ps.off))
	type kv struct {
		e  edge
		id int32
	}
	var edges []kv
	for e, id := range ps.nodes {
		edges = append(edges, kv{e, id})
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i].id < edges[j].id }) // parents first
	out := map[string]Pos{}
	for _, e := range edges {
		var path []any
		if e.e.parent >= 0 {
			path = append(path, paths[e.e.parent]...)
		}
		if e.e.idx >= 0 {
			path = append(path, int(e.e.idx))
		} else {
			path = append(path, e.e.key)
		}
		paths[e.id] = path
		if ps.off[e.id] >= 0 {
			out[pathKey(path)] = ps.pos(ps.off[e.id])
		}
	}
	return out
}

// corpus is every TOML file of the module and every fuzz seed of every package.
func corpus(t testing.TB) map[string]string {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case strings.HasSuffix(path, ".toml"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[rel] = string(b)
		case strings.Contains(filepath.ToSlash(rel), "testdata/fuzz/"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, v := range fuzzSeedValues(string(b)) {
				files[fmt.Sprintf("%s#%d", rel, i)] = v
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// fuzzSeedValues reads the string and []byte values of a Go fuzz corpus file.
func fuzzSeedValues(file string) []string {
	lines := strings.Split(file, "\n")
	if len(lines) == 0 || lines[0] != "go test fuzz v1" {
		return nil
	}
	var out []string
	for _, l := range lines[1:] {
		for _, prefix := range []string{"string(", "[]byte("} {
			if strings.HasPrefix(l, prefix) && strings.HasSuffix(l, ")") {
				if s, err := strconv.Unquote(l[len(prefix) : len(l)-1]); err == nil {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func TestDifferentialCorpus(t *testing.T) {
	files := corpus(t)
	var toml, valid int
	for name, src := range files {
		if strings.HasSuffix(name, ".toml") {
			toml++
		}
		if _, err := burntSushi(src); err == nil {
			valid++
		}
		if d := compare(src); d != "" {
			t.Errorf("%s: %s", name, d)
		}
	}
	if toml < 10 {
		t.Fatalf("only %d TOML files found: is the module root two levels up?", toml)
	}
	t.Logf("%d inputs (%d .toml files), %d valid", len(files), toml, valid)
}

// edgeCases are documents at the corners of the TOML spec and of BurntSushi's
// reading of it; both parsers must agree on each (accept or reject, and the values).
var edgeCases = []string{
	// Duplicates and redefinitions.
	"a = 1\na = 2",
	"[a]\n[a]",
	"[a]\nx = 1\n[a.b]\n[a.b.c]\n[a.b]",
	"[a.b.c]\n[a.b]\n[a]\n",
	"[a.b]\nx = 1\n[a]\nb.y = 2",
	"a.b = 1\n[a]",
	"a.b = 1\n[a.c]",
	"[a]\nb.c = 1\n[a.b]",
	"a = {b = 1}\n[a.c]",
	"a = {b = 1}\na = {c = 1}",
	"a = {b = 1}\na.c = 2",
	"a = [{b=1}]\n[[a]]",
	"a = []\n[[a]]",
	"[[a]]\n[a]",
	"[a]\n[[a]]",
	"a = 1\n[a.b]",
	"a = 1\na.b = 2",
	"a = {b.c = 1, b.d = 2}",
	"a = {b = {c = 1}, b.d = 2}",
	"a = {b = 1, b = 2}",
	"a = {b.c = 1, b = 2}",
	"[[a]]\n[a.b.c]\n[[a]]\n[a.b]\n[a.b]",
	"[[a]]\nb = 1\n[[a]]\nb = 2\n[a.c]\nd = 3",
	"[[a.b]]\n[[a.b]]\n[a]\nc = 1",
	"[[a]]\n[[a.b]]\nx=1\n[[a.b]]\nx=2\n[[a]]\n[[a.b]]\nx=3",
	"[[a]]\n[a.b.c]\n[[a]]\nb = 1\n[a.b]",
	"[[a]]\n[a.b.c]\n[[a]]\nb = 1\n[a.b]\nx = 1",
	"[[a]]\nb.c = 1\n[[a]]\n[a.b]\n[a.b]",
	"[[a]]\nb = [1]\n[[a]]\nb = {}\n",
	"[[a]]\nb = [{c = 1}]\n[[a]]\n[[a.b]]\n",
	"[a]\nb = [{c = 1}]\n[a.b.d]\n",
	"a = [{b = 1}]\na = [{c = 1}]",
	"a = [{b = 1}]\n[a.c]",
	"a = {b = [1]}\na.b = 2",
	"a = {}\n[a]",
	"[a]\n[a.b]\n[a.b.c]\n[a.b.c.d]\n[a]",
	"x.y.z = 1\n[x.y]",
	"x.y.z = 1\n[x.y.w]",
	"x.y.z = 1\n[x]\ny.w = 2",
	"[x]\ny.z = 1\n[x.y.w]\n[x.y]",
	"a = [[{b=1}], [{c=2}]]",
	"a = [{b=[{c=1}]}]",
	"x = {a = [{b = 1}], a2 = 1}",
	"x = {a = [{b = 1}], a.c = 1}",
	"\"\" = 1",
	"\"\" = 1\n\"\" = 2",
	"[a]\n\"\" = [1]\n\"\" = 2",
	"a.\"\".b = 1",
	"'a.b' = 1\na.b = 2",
	"\"a\\u0062\" = 1\nab = 2",
	"a = 1 b = 2",
	"= 1",
	"a =",
	"[]",
	"[a.]",
	"[.a]",
	"[ a . b ]\n[[ c ]]",
	"[ [a]]",
	"[[a] ]",
	"a.b.c = 1\na.b.d = 2\na.e = 3",
	"x = [ [1], [2, [3]], [] ]",
	"a = [1, 2,]",
	"a = [1,,2]",
	"a = [,]",
	"a = {b = 1,}",
	"a = {,}",
	"a = { b = 1,\n  c = 2 }",
	"a = {\n# c\nb = 1 # d\n,\n}",
	"a = [\n1, # c\n2\n# d\n]",
	// Strings.
	"a = \"\\q\"",
	"a = \"\\e\\x41\"",
	"a = \"\\uD800\"",
	"a = \"\\U00110000\"",
	"a = \"\\u00e9\\U0001F600\"",
	"a = \"\\x\"",
	"a = \"\\xg0\"",
	"a = \"\\u12\"",
	"a = \"a\\ b\"",
	"a = \"\"\"a\\ b\"\"\"",
	"a = \"\"\"a\\  \n  b\"\"\"",
	"a = \"\"\"a\\\n\n  \t b\"\"\"",
	"a = \"\"\"\\\n  x\"\"\"",
	"a = \"\"\"\nx\"\"\"",
	"a = \"\"\"\r\nx\r\ny\"\"\"",
	"a = '''\nx'''",
	"a = '''x''''",
	"a = '''x'''''",
	"a = '''x''''''",
	"a = \"\"\"x\"\"\"\"\"",
	"a = \"\"\"x\"\"\"\"\"\"",
	"a = \"\"\"lol \\\"\"\"\"\"\"",
	`a = """lol \\"""""`,   // an escaped backslash, then five quotes
	`a = """lol \\\"""""`,  // an escaped backslash and quote, then five quotes
	`a = """lol \\\\"""""`, // two escaped backslashes, then five quotes
	"a = \"\"\"a\"\"\"\"b\"\"\"",
	"a = \"a\\u0000b\"",
	"a = \"tab\there\"",
	"a = 'tab\there'",
	"a = \"bell\x07\"",
	"a = \"del\x7f\"",
	"a = \"\"\"del\x7f\"\"\"",
	"a = \"\xff\"",
	"# \xff\na = 1",
	"# \x7f\na = 1",
	"# \x01\na = 1",
	"a = 1\r\nb = 2\r\n",
	"a = 1\rb = 2",
	"a = \"x\" # ok\nb = 1 # c",
	"a = \"unterminated",
	"a = 'unterminated",
	"a = \"\"\"unterminated",
	"a = \"x\ny\"",
	"a = 'x\ny'",
	"\xef\xbb\xbfa = 1",
	"\xff\xfea = 1",
	"a\x00 = 1",
	"a = 1\n\x00",
	// Integers and floats.
	"a = 9223372036854775807\nb = -9223372036854775808",
	"a = 9223372036854775808",
	"a = -9223372036854775809",
	"a = 0x7FFFFFFFFFFFFFFF",
	"a = 0x8000000000000000",
	"a = 0xdead_beef\nb = 0o755\nc = 0b1010_1010",
	"a = 0x_1", "a = 0x1_", "a = 1__0", "a = _1", "a = 1_", "a = +0x1", "a = -0b1",
	"a = 0o8", "a = 0b2", "a = 0X1", "a = 03", "a = -03", "a = +0", "a = -0", "a = 0_0",
	"a = 1.", "a = .5", "a = 1e", "a = 1e+", "a = 1.e5", "a = 1.5e-3", "a = 1E5", "a = 1_0.0_1e1_0",
	"a = 1e_5", "a = 1.0e05", "a = -01.5", "a = 00.5", "a = 0.0", "a = -0.0", "a = +1.5",
	"a = 1e400", "a = -1e400", "a = 1e-400", "a = 1.7976931348623157e308",
	"a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan",
	"a = infinity", "a = Inf", "a = NaN", "a = nanx", "a = -", "a = +", "a = 1x", "a = 20s",
	"a = 1-2", "a = 123:45", "a = 1:30", "a = 12345",
	// Booleans.
	"a = true\nb = false", "a = tru", "a = True", "a = truex", "a = true1",
	// Date-times.
	"a = 2026-12-25",
	"a = 2026-13-01", "a = 2026-02-29", "a = 2024-02-29", "a = 2026-1-01", "a = 2026-01-1",
	"a = 1979-05-27T07:32:00Z",
	"a = 1979-05-27t07:32:00z",
	"a = 1979-05-27 07:32:00",
	"a = 1979-05-27 07:32:00Z",
	"a = 1979-05-27T07:32Z",
	"a = 1979-05-27T07:32",
	"a = 1979-05-27T07:32:00.999999",
	"a = 1979-05-27T07:32:00.123456789123Z",
	"a = 1979-05-27T00:32:00-07:00",
	"a = 1979-05-27T00:32:00+00:00",
	"a = 1979-05-27T07:32:00+25:00",
	"a = 1979-05-27T07:32:00+0100",
	"a = 1979-05-27T24:00:00Z",
	"a = 1979-05-27T07:32:60Z",
	"a = 1979-05-27T07:60:00Z",
	"a = 1979-05-27T",
	"a = 1979-05-27T07",
	"a = 1979-05-27 07:32:00 1",
	"a = 1979-05-27T07:32:00 +01:00",
	"a = 1979-05-27 # c",
	"a = [1979-05-27 , 1979-05-28]",
	"a = 07:32:00", "a = 07:32", "a = 07:32:00.5", "a = 7:32:00", "a = 10:61:00", "a = 24:00:00",
	"a = 07:32:00Z",
	"a = 0000-01-01", "a = 9999-12-31T23:59:59.999999999Z",
	// Mixed arrays, nesting, comments.
	"a = [1, 'x', 2.5, true, 2026-01-01, [1], {b = 1}]",
	"a = [[1, 2], ['a', 'b']]",
	"a = [ # c\n]",
	"a = [\n  {x = 1},\n  {x = 2}, # c\n]",
	"a = {b = [1, {c = [2]}]}",
	"a = {b = 1} # c\n[c] # d\n[[e]] # f\n",
	"a = [[[[[[[[1]]]]]]]]",
	"[a]\n  [a.b]\n    c = 1\n",
}

func TestDifferentialEdgeCases(t *testing.T) {
	for _, src := range edgeCases {
		if d := compare(src); d != "" {
			t.Errorf("%q: %s", src, d)
		}
	}
}

// randomTableDoc makes a small random document of headers, dotted keys, inline tables
// and arrays over three key names: where byte-level fuzzing rarely lands, on which
// tables and keys may be defined again.
func randomTableDoc(r *rand.Rand) string {
	keys := []string{"a", "b", "c"}
	key := func() string {
		k := keys[r.IntN(len(keys))]
		for r.IntN(3) == 0 {
			k += "." + keys[r.IntN(len(keys))]
		}
		return k
	}
	var value func(depth int) string
	value = func(depth int) string {
		switch n := r.IntN(7); {
		case n < 3 || depth > 2:
			return strconv.Itoa(r.IntN(3))
		case n < 5:
			var parts []string
			for range r.IntN(3) {
				parts = append(parts, key()+" = "+value(depth+1))
			}
			return "{" + strings.Join(parts, ", ") + "}"
		default:
			var parts []string
			for range r.IntN(3) {
				parts = append(parts, value(depth+1))
			}
			return "[" + strings.Join(parts, ", ") + "]"
		}
	}
	line := func() string {
		switch r.IntN(4) {
		case 0:
			return "[" + key() + "]"
		case 1:
			return "[[" + key() + "]]"
		default:
			return key() + " = " + value(0)
		}
	}
	var lines []string
	for range 1 + r.IntN(6) {
		lines = append(lines, line())
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestDifferentialTableRules throws many random table documents at both parsers.
func TestDifferentialTableRules(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if raceEnabled {
		n /= 10
	}
	accepted := 0
	for range n {
		src := randomTableDoc(r)
		if d := compare(src); d != "" {
			t.Fatalf("%q: %s", src, d)
		}
		if _, err := burntSushi(src); err == nil {
			accepted++
		}
	}
	if accepted < n/10 || accepted > n*9/10 {
		t.Fatalf("%d of %d documents valid: the generator no longer tests both sides", accepted, n)
	}
	t.Logf("%d documents, %d valid", n, accepted)
}

// fuzzMaxDoc bounds the documents FuzzDifferential compares: the parsers' corners
// show in small documents, and a fuzzer's execution on a 20 KB runbook costs twenty on
// a 1 KB one. Bigger corpus files are compared whole by TestDifferentialCorpus.
const fuzzMaxDoc = 4 << 10

// FuzzDifferential: on any input up to fuzzMaxDoc bytes, tomldoc's parse and
// BurntSushi's agree on whether it is TOML and on its values, and keys are where the
// old scanner finds them. Seeds: every third edge case and the corpus files up to
// fuzzMaxDoc. The fuzzer runs each seed once, one round trip between its processes
// each, before it fuzzes: with all 260 that baseline took CI's whole slot on a loaded
// machine. TestDifferentialEdgeCases and TestDifferentialCorpus check every one.
func FuzzDifferential(f *testing.F) {
	for i, src := range edgeCases {
		if i%3 == 0 {
			f.Add(src)
		}
	}
	for _, src := range corpus(f) {
		if len(src) <= fuzzMaxDoc {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > fuzzMaxDoc {
			return
		}
		if d := compare(src); d != "" {
			t.Fatal(d)
		}
	})
}
