package tomldoc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuiteInvalidFilesArePlaced: toml-test checks that every invalid file of the
// official suite is refused; this checks how. Each refusal is one problem with a line
// and column inside the file, never a recovered panic. (CI installs toml-test v2.2.0
// and runs the suite itself against cmd/toml-test-decoder.)
func TestSuiteInvalidFilesArePlaced(t *testing.T) {
	bin, err := exec.LookPath("toml-test")
	if err != nil {
		if gopath, gerr := exec.Command("go", "env", "GOPATH").Output(); gerr == nil {
			bin, err = exec.LookPath(filepath.Join(strings.TrimSpace(string(gopath)), "bin", "toml-test"))
		}
	}
	if err == nil {
		if out, verr := exec.Command(bin, "version").Output(); verr != nil || !strings.HasPrefix(string(out), "toml-test v2.2.0;") {
			err = errString("toml-test is not v2.2.0: " + string(out))
		}
	}
	if err != nil {
		if os.Getenv("MUSTER_REQUIRE_TOML_TEST") != "" {
			t.Fatalf("toml-test v2.2.0 is needed: %v", err)
		}
		t.Skipf("toml-test v2.2.0 is not installed (go install github.com/toml-lang/toml-test/v2/cmd/toml-test@v2.2.0): %v", err)
	}
	dir := t.TempDir()
	if out, err := exec.Command(bin, "copy", dir).CombinedOutput(); err != nil {
		t.Fatalf("toml-test copy: %v\n%s", err, out)
	}
	list, err := exec.Command(bin, "list", "-toml", "1.0").Output()
	if err != nil {
		t.Fatalf("toml-test list: %v", err)
	}
	var valid, invalid int
	for _, name := range strings.Fields(string(list)) {
		if !strings.HasSuffix(name, ".toml") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		_, ps := DecodeTree(name, data)
		if strings.HasPrefix(name, "valid/") {
			valid++
			if len(ps) > 0 {
				t.Errorf("%s: %v", name, ps)
			}
			continue
		}
		invalid++
		lines := strings.Count(string(data), "\n") + 1
		switch {
		case len(ps) != 1:
			t.Errorf("%s: %d problems: %v", name, len(ps), ps)
		case ps[0].File != name || ps[0].Line < 1 || ps[0].Line > lines || ps[0].Col < 1:
			t.Errorf("%s: not placed in the file: %v", name, ps[0])
		case strings.HasPrefix(ps[0].Msg, "cannot decode"):
			t.Errorf("%s: a panic: %v", name, ps[0])
		}
	}
	if valid != 205 || invalid != 474 {
		t.Errorf("%d valid and %d invalid files; toml-test v2.2.0 has 205 and 474 for TOML 1.0", valid, invalid)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
