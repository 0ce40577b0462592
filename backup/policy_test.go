package backup

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestEvaluateTakesEveryAcceptedPolicy: a policy the parser accepts is one Evaluate
// can judge with. The parser's fuzz target lives in backup/policy, which links no AWS
// code (so it runs fast) and so cannot call Evaluate: its example files and seed corpus
// (and any failing input the fuzzer ever commits there) are evaluated here instead.
func TestEvaluateTakesEveryAcceptedPolicy(t *testing.T) {
	files := []string{"policy/testdata/backup.toml", "policy/testdata/accounts-policy.toml", "testdata/moto-policy.toml"}
	corpus, err := filepath.Glob("policy/testdata/fuzz/FuzzParsePolicy/*")
	if err != nil || len(corpus) == 0 {
		t.Fatalf("no seed corpus: %v", err)
	}
	accepted := 0
	for _, file := range append(files, corpus...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(file) != ".toml" {
			data = corpusBytes(t, file, data)
		}
		p, err := ParsePolicy(file, data)
		if err != nil {
			continue // refused: nothing for Evaluate
		}
		accepted++
		f := healthy()
		f.inv.Account, f.inv.AccountName = "222222222222", "production"
		Evaluate(f.inv, p, now)
		EvaluateAccounts([]Inventory{f.inv, {Regions: []string{west}, Instances: []Instance{dbInstance("a")}}}, p, now)
	}
	if accepted < len(files)+1 {
		t.Errorf("only %d of %d policies accepted: the examples and some seeds must be", accepted, len(files)+len(corpus))
	}
}

// corpusBytes reads the []byte value of a Go fuzz corpus file ("go test fuzz v1").
func corpusBytes(t *testing.T, file string, data []byte) []byte {
	t.Helper()
	header, value, _ := bytes.Cut(data, []byte("\n"))
	value = bytes.TrimSpace(value)
	if string(header) != "go test fuzz v1" || !bytes.HasPrefix(value, []byte("[]byte(")) || !bytes.HasSuffix(value, []byte(")")) {
		t.Fatalf("%s: not a one-[]byte fuzz corpus file", file)
	}
	s, err := strconv.Unquote(string(value[len("[]byte(") : len(value)-1]))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return []byte(s)
}
