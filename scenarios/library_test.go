package scenarios

import (
	"testing"

	"github.com/muster-ir/muster/runbook"
)

func runbookLibrary(t testing.TB) *runbook.Library {
	t.Helper()
	lib, problems := runbook.LoadLibrary("", nil)
	if len(problems) > 0 {
		t.Fatalf("runbook library: %v", problems)
	}
	return lib
}

func TestEmbeddedLibraryLintsClean(t *testing.T) {
	lib, problems := LoadLibrary("", Env{Runbooks: runbookLibrary(t)})
	if len(problems) > 0 {
		t.Fatalf("embedded scenarios have problems:\n%v", problems)
	}
	if n := len(lib.List()); n < 5 {
		t.Fatalf("%d embedded scenarios, want at least 5", n)
	}
}

func TestShortDrillFixtureFitsTheLibraryRunbook(t *testing.T) {
	if _, ps := LoadFile("testdata/short-drill.toml", Env{Runbooks: runbookLibrary(t)}); len(ps) > 0 {
		t.Fatal(ps)
	}
}
