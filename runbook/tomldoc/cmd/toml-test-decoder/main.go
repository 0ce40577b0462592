// Command toml-test-decoder runs muster's TOML reader (runbook/tomldoc) under the
// official TOML compliance suite, toml-lang/toml-test: it reads a TOML document on
// stdin and prints it on stdout in toml-test's tagged JSON, or prints every problem
// (file:line:col: message) on stderr and exits 1 when the document is not TOML.
//
//	go build -o /tmp/toml-test-decoder ./runbook/tomldoc/cmd/toml-test-decoder
//	toml-test test -toml 1.0 -decoder /tmp/toml-test-decoder
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/muster-ir/muster/runbook/tomldoc"
)

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr))
}

func run(stdin io.Reader, stdout, stderr io.Writer) int {
	data, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "toml-test-decoder: cannot read stdin:", err)
		return 2
	}
	tree, problems := tomldoc.DecodeTree("stdin", data)
	if len(problems) > 0 {
		fmt.Fprintln(stderr, problems.Error())
		return 1
	}
	out, err := json.Marshal(tagged(tree))
	if err != nil {
		fmt.Fprintln(stderr, "toml-test-decoder:", err)
		return 2
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

// tagged converts a decoded tree to toml-test's form: tables are objects, arrays are
// arrays, and every value is {"type": ..., "value": "..."}.
func tagged(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = tagged(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = tagged(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = tagged(e)
		}
		return out
	case string:
		return value("string", v)
	case int64:
		return value("integer", strconv.FormatInt(v, 10))
	case float64:
		return value("float", formatFloat(v))
	case bool:
		return value("bool", strconv.FormatBool(v))
	case time.Time:
		switch v.Location().String() {
		case "datetime-local":
			return value("datetime-local", v.Format("2006-01-02T15:04:05.999999999"))
		case "date-local":
			return value("date-local", v.Format("2006-01-02"))
		case "time-local":
			return value("time-local", v.Format("15:04:05.999999999"))
		}
		return value("datetime", v.Format(time.RFC3339Nano))
	}
	panic(fmt.Sprintf("toml-test-decoder: unexpected %T in the tree", v))
}

func value(typ, s string) map[string]string {
	return map[string]string{"type": typ, "value": s}
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
