package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// README's shell blocks are run as written, the way the runbook examples are: every
// ```sh block of README.md, in a sandbox (a fresh HOME and MUSTER_HOME, the built muster
// first on PATH, a working directory that holds the repository's top-level entries as
// links, so commands that name scenarios/library/ work as from the repository root
// and files they write land in the sandbox). In each block, `$id` is a closed incident
// made for it, and the data directory holds README's services.toml example. Absolute paths under /etc/ and /var/ are moved into the sandbox (the
// file a command reads there is created empty).
//
// A block is preceded by a marker when it cannot run here:
//
//	<!-- readme-test: skip REASON -->   (AWS, a terminal, the network; REASON says which)
//
// A line that is a synopsis rather than a command ([optional] parts, A|B choices,
// placeholders such as FILE, ID, INC-...) is not run: its command and every flag it
// names must exist. A line that must fail says so in its comment: `(exit 1)`; a line
// that needs a service outside the machine says which: `(needs the TSA)`.
// Every muster line of every block, skipped or not, gets the synopsis check.

type readmeBlock struct {
	line  int // of the opening fence
	skip  string
	lines []readmeLine
}

type readmeLine struct {
	n    int
	text string // without its comment
	full string
}

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	lines := strings.Split(string(data), "\n")
	skipMarker := regexp.MustCompile(`^<!-- readme-test: skip (.+) -->$`)
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```sh" {
			continue
		}
		b := readmeBlock{line: i + 1}
		for j := i - 1; j >= 0; j-- {
			if strings.TrimSpace(lines[j]) == "" {
				continue
			}
			if m := skipMarker.FindStringSubmatch(lines[j]); m != nil {
				b.skip = m[1]
			}
			break
		}
		i++
		for ; i < len(lines) && lines[i] != "```"; i++ {
			start, text := i+1, lines[i]
			for strings.HasSuffix(text, `\`) && i+1 < len(lines) {
				i++
				text = strings.TrimSuffix(text, `\`) + " " + strings.TrimSpace(lines[i])
			}
			code := stripComment(text)
			if strings.TrimSpace(code) == "" {
				continue
			}
			b.lines = append(b.lines, readmeLine{n: start, text: code, full: text})
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// stripComment cuts a shell line at its first # outside quotes that starts a word.
func stripComment(s string) string {
	cut := -1
	eachUnquoted(s, func(i int) bool {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ') {
			cut = i
		}
		return cut < 0
	})
	if cut < 0 {
		return s
	}
	return strings.TrimRight(s[:cut], " ")
}

// eachUnquoted calls f with the index of each byte of s outside single and double
// quotes (the quote marks are inside), until f returns false.
func eachUnquoted(s string, f func(i int) bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		default:
			if !f(i) {
				return
			}
		}
	}
}

// shellWords splits a command line into words, honouring quotes; it stops at a
// redirection, a pipe or a command separator.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '>' || c == '<' || c == ';' || (c == '&' && i+1 < len(s) && s[i+1] == '&') || (c == '|' && !in):
			if in {
				words = append(words, cur.String())
			}
			return words
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

var placeholder = regexp.MustCompile(`(^|[\s=])([A-Z][A-Z_]+|INC-\.\.\.)(\.\.\.)?(\s|$|\])`)

// isSynopsis tells a usage line from a command: [optional] parts, a|b choices outside
// quotes, "...", or a placeholder word.
func isSynopsis(code string) bool {
	synopsis := false
	eachUnquoted(code, func(i int) bool {
		switch c := code[i]; {
		case c == '[' || c == ']':
			synopsis = true
		case c == '|' && i > 0 && code[i-1] != ' ' && i+1 < len(code) && code[i+1] != ' ':
			synopsis = true // table|json; a pipe between commands has spaces around it
		}
		return !synopsis
	})
	return synopsis || strings.Contains(code, "...") || placeholder.MatchString(unquoted(code))
}

// unquoted is code without its quoted parts ("Checkout down for all EU users" is no
// placeholder).
func unquoted(code string) string {
	var b strings.Builder
	eachUnquoted(code, func(i int) bool {
		b.WriteByte(code[i])
		return true
	})
	return b.String()
}

// musterCommand returns the muster command line in code: `muster ...` or
// `id=$(muster ...)`; ok is false for other commands.
func musterCommand(code string) (string, bool) {
	if i := strings.Index(code, "$(muster "); i >= 0 {
		rest := code[i+2:]
		if j := strings.LastIndex(rest, ")"); j >= 0 {
			rest = rest[:j]
		}
		return rest, true
	}
	if strings.HasPrefix(code, "muster ") || code == "muster" {
		return code, true
	}
	return "", false
}

// checkSynopsis: the command path exists and every flag it names is one of its flags.
func checkSynopsis(t *testing.T, where, cmdline string) {
	t.Helper()
	words := shellWords(cmdline)[1:]
	var clean []string
	for _, w := range words {
		clean = append(clean, strings.Trim(w, "[]"))
	}
	root := newRootCmd(&globals{})
	root.InitDefaultCompletionCmd()
	cmd, rest, err := root.Find(clean)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	_ = rest
	for _, w := range clean {
		if !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		name := strings.TrimLeft(w, "-")
		name, _, _ = strings.Cut(name, "=")
		var found bool
		if strings.HasPrefix(w, "--") {
			found = cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
		} else {
			found = cmd.Flags().ShorthandLookup(name) != nil || cmd.InheritedFlags().ShorthandLookup(name) != nil
		}
		if !found {
			t.Errorf("%s: muster %s has no flag %s", where, strings.TrimPrefix(cmd.CommandPath(), "muster "), w)
		}
	}
}

var wantExit = regexp.MustCompile(`\(exit (\d)\)`)

func TestReadmeCommandsRun(t *testing.T) {
	blocks := readmeBlocks(t)
	if len(blocks) < 10 {
		t.Fatalf("only %d sh blocks in README", len(blocks))
	}
	bin := musterBinary(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readmeServices := readmeTOML(t, "### Services (services.toml)")
	ran := 0
	for _, b := range blocks {
		for _, l := range b.lines {
			if cmdline, ok := musterCommand(l.text); ok {
				checkSynopsis(t, fmt.Sprintf("README.md:%d", l.n), cmdline)
			}
		}
		if b.skip != "" {
			continue
		}
		sandbox := t.TempDir()
		home, data, work := filepath.Join(sandbox, "home"), filepath.Join(sandbox, "data"), filepath.Join(sandbox, "work")
		for _, d := range []string{home, data, work, filepath.Join(sandbox, "var", "log", "nginx"), filepath.Join(sandbox, "etc", "bash_completion.d")} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(sandbox, "var", "log", "nginx", "error.log"), []byte("502\n"), 0o600)
		entries, _ := os.ReadDir(repo)
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				os.Symlink(filepath.Join(repo, e.Name()), filepath.Join(work, e.Name()))
			}
		}
		if err := os.WriteFile(filepath.Join(data, "services.toml"), []byte(readmeServices), 0o600); err != nil {
			t.Fatal(err)
		}
		c := cliAt(t, data)
		id := strings.TrimSpace(c.ok("incident", "start", "--runbook", "service-outage", "--severity", "high", "--title", "README example"))
		c.ok("incident", "step", id, "confirm-outage", "--done")
		c.ok("incident", "close", id, "--force", "--reason", "made for the README examples")

		var script strings.Builder
		script.WriteString("id=" + id + "\n")
		n := 0
		for _, l := range b.lines {
			if isSynopsis(l.text) || strings.Contains(l.full[len(l.text):], "(needs ") {
				continue
			}
			code := strings.NewReplacer(" /var/", " "+sandbox+"/var/", " /etc/", " "+sandbox+"/etc/").Replace(l.text)
			want := "0"
			if m := wantExit.FindStringSubmatch(l.full); m != nil {
				want = m[1]
			}
			fmt.Fprintf(&script, "%s\nrc=$?; if [ $rc != %s ]; then echo \"README.md:%d: exit $rc, want %s: %s\"; fi\n", code, want, l.n, want, strings.ReplaceAll(l.text, `"`, `\"`))
			n++
		}
		if n == 0 {
			continue
		}
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script.String())
		cmd.Dir = work
		cmd.Env = []string{"HOME=" + home, "MUSTER_HOME=" + data, "PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin", "NO_COLOR=1", "TZ=UTC"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README.md:%d: the block did not run: %v\n%s", b.line, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "README.md:") && strings.Contains(line, ": exit ") {
				t.Errorf("%s\n(block output:)\n%s", line, out)
			}
		}
		ran += n
	}
	t.Logf("%d README command lines run", ran)
}

// readmeTOML is the first ```toml block after the README heading.
func readmeTOML(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), heading)
	_, block, ok2 := strings.Cut(section, "```toml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatalf("README has no toml block after %q", heading)
	}
	return block
}
