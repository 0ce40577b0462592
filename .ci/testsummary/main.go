// Command testsummary reads `go test -json` on stdin, prints the output of every failed
// test and package, and ends with one line "N passed, N failed, N skipped" so a run that
// executed no test is visible. It exits 1 if anything failed or nothing ran.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	var passed, failed, skipped int
	output := map[string]*strings.Builder{}
	var failedNames []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // build errors come as plain text
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			b := output[key]
			if b == nil {
				b = &strings.Builder{}
				output[key] = b
			}
			b.WriteString(e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				fmt.Printf("ok   %s %.1fs\n", e.Package, e.Elapsed)
			}
			delete(output, key)
		case "skip":
			if e.Test != "" {
				skipped++
				if b := output[key]; b != nil && strings.Count(b.String(), "\n") <= 6 {
					fmt.Printf("skip %s %s: %s", e.Package, e.Test, lastLines(b.String(), 2))
				}
			}
			delete(output, key)
		case "fail":
			if e.Test != "" {
				failed++
				failedNames = append(failedNames, e.Package+" "+e.Test)
			} else {
				fmt.Printf("FAIL %s\n", e.Package)
				if failedPkgHasNoTests(failedNames, e.Package) {
					failed++ // a package that failed to build or panicked outside a test
					failedNames = append(failedNames, e.Package+" (package)")
				}
			}
			if b := output[key]; b != nil {
				fmt.Print(b.String())
			}
			delete(output, key)
		}
	}
	if len(failedNames) > 0 {
		fmt.Println("\nFailed:")
		for _, n := range failedNames {
			fmt.Println("  " + n)
		}
	}
	fmt.Printf("\n%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}

func failedPkgHasNoTests(names []string, pkg string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, pkg+" ") {
			return false
		}
	}
	return true
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, " ")) + "\n"
}
