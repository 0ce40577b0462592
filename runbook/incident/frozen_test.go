package incident

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFrozenNeverReplacesAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), RunbookFile)
	if err := WriteFrozen(p, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFrozen(p, []byte("second")); !os.IsExist(err) {
		t.Errorf("a second write: %v, want the file to exist already", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Errorf("frozen file now %q", b)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v %v", st.Mode(), err)
	}
}
