//go:build !linux

package incident

import (
	"os"
	"path/filepath"

	"github.com/muster-ir/muster/runbook/journal"
)

// stampJournals stamps names[i]/journal.jsonl into out[i]: size and modification time
// (the change time and inode are not told here). A journal that cannot be stat'd
// keeps the zero stamp.
func stampJournals(dir string, names []string, out []journalStamp) {
	for i, name := range names {
		fi, err := os.Lstat(filepath.Join(dir, name, journal.FileName))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		out[i] = journalStamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	}
}
